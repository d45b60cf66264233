import assert from 'node:assert/strict';
import request from 'supertest';
import type { PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { streamOfPaymentTransaction } from '../../../domain/game-store/payment-transaction.js';
import { ManualClock } from '../../../platform/clock.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';
import { aBuyer, eventually, givenOrderOfNewProduct } from './game-store-harness.js';
import { initiatePayment, startPayingStore, startSandbox, transactionOf } from './payment-harness.js';

const TRANSACTIONS_PER_PROVIDER = 8;
const DELIVERIES_EACH = 24;

/**
 * P-4 under concurrency, for real: two API instances on one database, and every genuine
 * notification delivered many times at once, half to each instance. Each transaction
 * completes exactly once. (The providers' own deliveries go nowhere here — PUBLIC_BASE_URL
 * and the YooKassa webhook setting point at a closed port — so the rush is the first arrival.)
 */
describe('game store: the same notification many times at once on two instances (P-4)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date());
  let sandbox: PaymentSandbox;
  before(async () => {
    sandbox = await startSandbox(clock);
  });
  after(async () => {
    await sandbox?.stop();
  });
  const env = { PUBLIC_BASE_URL: 'http://127.0.0.1:9', PAYMENT_WEBHOOKS_PER_SECOND: '100000' };
  const instances = twoInstancesOnOneDatabase((database, role) => startPayingStore({ database, clock, sandbox, role, env }));

  it(`given ${TRANSACTIONS_PER_PROVIDER} paid transactions per provider whose notifications have not arrived, when each is delivered ${DELIVERIES_EACH} times concurrently to both instances, then every transaction completes exactly once`, async () => {
    sandbox.setYookassaWebhookUrl('http://127.0.0.1:9/webhooks/yookassa');
    const buyer = await aBuyer();
    const transactions: { id: string; provider: 'yookassa' | 'tbank'; paymentId: string }[] = [];
    for (const provider of ['yookassa', 'tbank'] as const) {
      for (let i = 0; i < TRANSACTIONS_PER_PROVIDER; i++) {
        const { order } = await givenOrderOfNewProduct(instances.first.api, buyer.token);
        const tx = await initiatePayment(instances.first.api, buyer.token, { order_id: order.order_id, provider });
        await sandbox.pay(provider, tx.provider_payment_id!);
        transactions.push({ id: tx.transaction_id, provider, paymentId: tx.provider_payment_id! });
      }
    }
    // the providers tried to deliver (and failed): their bodies are the genuine notifications
    const bodies = await eventually(async () => {
      const found = transactions.map((tx) => {
        const attempts = sandbox.deliveries().filter((d) => {
          const body = d.body as { OrderId?: string; Status?: string; event?: string; object?: { id?: string } };
          return tx.provider === 'tbank' ? body.OrderId === tx.id && body.Status === 'CONFIRMED' : body.object?.id === tx.paymentId && body.event === 'payment.succeeded';
        });
        return attempts[0]?.body;
      });
      return found.every((b) => b !== undefined) ? found : undefined;
    });
    for (const tx of transactions) assert.equal((await transactionOf(instances.first.api, buyer.token, tx.id)).status, 'processing');

    const posts = transactions.flatMap((tx, i) =>
      Array.from({ length: DELIVERIES_EACH }, (_, n) => request(n % 2 === 0 ? instances.first.api : instances.second.api).post(`/webhooks/${tx.provider}`).send(bodies[i] as object)),
    );
    const answers = await Promise.all(posts);
    const statuses = new Map<number, number>();
    for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    assert.deepEqual([...statuses.keys()], [200], `answers: ${JSON.stringify([...statuses])}`);
    answers.forEach((answer, n) => {
      if (transactions[Math.floor(n / DELIVERIES_EACH)]!.provider === 'tbank') assert.equal(answer.text, 'OK');
    });

    for (const tx of transactions) {
      const events = (await instances.first.dependencies.store.readStream(streamOfPaymentTransaction(tx.id))).map((e) => e.type);
      assert.equal(events.filter((type) => type === 'PaymentTransactionCompleted').length, 1, `${tx.provider} ${tx.id}: ${events.join(', ')}`);
    }
    await eventually(async () => {
      for (const tx of transactions) if ((await transactionOf(instances.second.api, buyer.token, tx.id)).status !== 'completed') return false;
      return true;
    });
  });
});
