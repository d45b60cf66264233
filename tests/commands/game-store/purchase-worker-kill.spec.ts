import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalCloudRegister } from '../../../adapters/fiscal/cloud-register/cloud-register.js';
import type { PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { DeveloperLedgerEvent, streamOfDeveloperLedger } from '../../../domain/game-store/developer-ledger.js';
import { gameOrderDecider, streamOfGameOrder } from '../../../domain/game-store/game-order.js';
import { LibraryEvent, streamOfLibrary } from '../../../domain/game-store/library.js';
import { NotificationEvent, streamOfInbox } from '../../../domain/notifications/inbox.js';
import { decodeEvent } from '../../../domain/event-decoding.js';
import { loadAggregate } from '../../../commands/load-aggregate.js';
import { systemClock } from '../../../platform/clock.js';
import { receiptIdOf } from '../../../sagas/game-store/purchase-saga.js';
import { freshServerDatabase, WorkerProcess, type ServerDatabase } from '../../support/killed-worker.js';
import { databaseKind } from '../../support/test-database.js';
import { aDeveloper, eventually, givenOrder, givenProduct, type GameStoreSystem } from './game-store-harness.js';
import { initiatePayment, startSandbox } from './payment-harness.js';
import { registeredBuyer, startPurchasingStore, startRegister } from './purchase-harness.js';

const RUNS = 50;

/**
 * P-5, item 1 of issue 13: every step of the purchase survives a worker killed at any point.
 * The API (webhooks, queries) runs here; the saga, the projections and the outbox run in a
 * separate worker process (`npm run worker`) that is killed with SIGKILL at random moments —
 * mid-batch, mid-effect, between a register's answer and its recording — and started again,
 * while 50 purchases go through. Afterwards every purchase is complete with exactly one library
 * entry per game, one sale receipt at the cash register, one credit per game and one
 * notification of each kind.
 *
 * Two processes need one database: this runs on the PostgreSQL server (a database of its own,
 * dropped after) and is skipped on PGlite, which one process owns.
 */
describe('game store: the purchase saga survives a worker killed at random points (P-5)', function () {
  this.timeout(600_000);
  let server: ServerDatabase | undefined;
  let sandbox: PaymentSandbox;
  let register: LocalCloudRegister;
  let api: GameStoreSystem;
  let dataDir: string;
  let worker: WorkerProcess;

  before(async function () {
    if (databaseKind !== 'pg') this.skip();
    server = await freshServerDatabase();
    sandbox = await startSandbox();
    register = await startRegister(undefined, 300);
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-kill-'));
    api = await startPurchasingStore({ database: server.database, clock: systemClock, sandbox, register, role: 'api' });
    worker = new WorkerProcess({
      DATABASE_URL: server.url,
      DATA_DIR: dataDir,
      PAYMENT_SANDBOX_URL: sandbox.url,
      CLOUD_REGISTER_URL: register.url,
      // the register's callbacks and the providers' notifications go to the API process
      PUBLIC_BASE_URL: api.api,
      PAYMENT_PROVIDER_TIMEOUT_MS: '2000',
    });
  });

  after(async () => {
    await worker?.kill();
    await api?.stop();
    await sandbox?.stop();
    await register?.stop();
    await server?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it(`given ${RUNS} purchases in flight, when the worker is killed at random points and restarted until they settle, then each completed once: one library entry per game, one receipt, one credit per game, one notification of each kind`, async () => {
    // givens (with a worker running: the API's read-your-writes waits on its projections): two games of two developers;
    // 50 buyers with accounts, each an order of both games and a payment at YooKassa or T-Bank
    worker.start();
    const devA = await aDeveloper();
    const devB = await aDeveloper();
    const a = await givenProduct(api.api, devA.token, { title: 'Kill A', vat: 'vat22', prices: { RU: '499.00' } });
    const b = await givenProduct(api.api, devB.token, { title: 'Kill B', vat: 'none', prices: { RU: '150.00' } });
    const runs: { buyer: Awaited<ReturnType<typeof registeredBuyer>>; order: Awaited<ReturnType<typeof givenOrder>>; provider: 'yookassa' | 'tbank'; tx: Awaited<ReturnType<typeof initiatePayment>> }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const buyer = await registeredBuyer(api.api);
      const order = await givenOrder(api.api, buyer.token, [a.product_id, b.product_id]);
      const provider: 'yookassa' | 'tbank' = i % 2 === 0 ? 'yookassa' : 'tbank';
      const tx = await initiatePayment(api.api, buyer.token, { order_id: order.order_id, provider });
      runs.push({ buyer, order, provider, tx });
    }

    // when: payments arrive a few at a time while the worker is killed and restarted at random
    let paying = true;
    const payments = (async () => {
      for (const run of runs) {
        await sandbox.pay(run.provider, run.tx.provider_payment_id!);
        await new Promise((resolve) => setTimeout(resolve, 40 + Math.random() * 80));
      }
      paying = false;
    })();
    let done = 0;
    const settled = async () => {
      done = 0;
      for (const run of runs) {
        const order = (await loadAggregate(api.dependencies.store, gameOrderDecider, streamOfGameOrder(run.order.order_id))).state;
        if (order.status === 'completed' && order.processed) done++;
      }
      return done === runs.length;
    };
    await worker.killAtRandom({ finished: () => !paying, settled });
    await payments;
    // let the last worker finish undisturbed
    await eventually(async () => ((await settled()) ? true : undefined), 120_000).catch((error) => {
      throw new Error(`${error}: ${done} of ${runs.length} settled after ${worker.kills} kills\nworker log:\n${worker.log}`);
    });
    assert.ok(worker.kills >= 5, `the worker was killed ${worker.kills} times`);

    // then: exactly once, every run
    const store = api.dependencies.store;
    const credits = [...(await store.readStream(streamOfDeveloperLedger(devA.id))), ...(await store.readStream(streamOfDeveloperLedger(devB.id)))].map((e) => decodeEvent(DeveloperLedgerEvent, e));
    for (const run of runs) {
      const orderId = run.order.order_id;
      const order = await store.readStream(streamOfGameOrder(orderId));
      assert.equal(order.filter((e) => e.type === 'OrderCompleted').length, 1, `order ${orderId} completed once`);
      assert.equal(order.filter((e) => e.type === 'OrderProcessingCompleted').length, 1, `order ${orderId} processed once`);
      const library = (await store.readStream(streamOfLibrary(run.buyer.id))).map((e) => decodeEvent(LibraryEvent, e));
      assert.deepEqual(library.filter((e) => e.type === 'LibraryGameAdded').map((e) => e.data.productId).sort(), [a.product_id, b.product_id].sort(), `order ${orderId}: one library entry per game`);
      const receipt = receiptIdOf(orderId, null);
      const documents = register.receipts().filter((r) => r.external_id.startsWith(`${receipt}.`));
      assert.equal(documents.length, 1, `order ${orderId}: one receipt at the register (${documents.map((d) => d.external_id).join(', ')})`);
      assert.equal(documents[0]!.status, 'done');
      assert.equal(credits.filter((e) => e.type === 'DeveloperCredited' && e.data.orderId === orderId).length, 2, `order ${orderId}: one credit per game`);
      const inbox = (await store.readStream(streamOfInbox(run.buyer.id))).map((e) => decodeEvent(NotificationEvent, e)).filter((e) => e.type === 'NotificationRecorded');
      assert.deepEqual(inbox.map((e) => (e.type === 'NotificationRecorded' ? e.data.kind : '')).sort(), ['game-store.order_confirmed', 'game-store.receipt_registered'], `order ${orderId}: one notification of each kind`);
    }
    const balanceA = credits.filter((e) => e.type === 'DeveloperCredited' && e.data.developerId === devA.id).reduce((sum, e) => sum + BigInt(e.data.amountMinor), 0n);
    assert.equal(balanceA, BigInt(RUNS) * 34930n, '70 % of 499.00 per sale, each once');
  });
});
