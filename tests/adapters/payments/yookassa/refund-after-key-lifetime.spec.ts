import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startPaymentSandbox, type PaymentSandbox } from '../../../../adapters/payments/sandbox/payment-sandbox.js';
import { YooKassaProvider } from '../../../../adapters/payments/yookassa/yookassa-provider.js';
import type { RefundRequest } from '../../../../commands/game-store/ports/payment-provider.js';
import { aCreatePaymentRequest } from '../create-payment-request.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * YooKassa keeps an Idempotence-Key for 24 hours: a refund repeated later (a provider outage, a
 * process down over a weekend) with the same key would be a NEW refund. The adapter looks the
 * payment's refunds up by our refund id first; the sandbox (whose keys live 24 h on its clock)
 * shows both the hole and that the adapter does not fall into it.
 */
describe('YooKassa adapter: a refund repeated after its Idempotence-Key expired (against the sandbox, its clock moved on)', () => {
  let sandbox: PaymentSandbox;
  let provider: YooKassaProvider;
  let clock = new Date('2026-03-01T10:00:00.000Z');

  before(async () => {
    sandbox = await startPaymentSandbox({ port: 0, now: () => clock, yookassaPaymentTtlMs: 7 * DAY_MS });
    provider = new YooKassaProvider({ shopId: sandbox.yookassa.shopId, secretKey: sandbox.yookassa.secretKey, apiUrl: sandbox.yookassa.apiUrl, retries: 0, retryMs: 1 });
  });
  after(async () => sandbox.stop());

  async function paidPayment(): Promise<string> {
    const created = await provider.createPayment(aCreatePaymentRequest({ transactionId: randomUUID(), expiresAt: new Date(clock.getTime() + DAY_MS) }));
    await sandbox.pay('yookassa', created.state.providerPaymentId);
    return created.state.providerPaymentId;
  }
  const refundOf = (providerPaymentId: string): RefundRequest => ({ refundId: randomUUID(), transactionId: 'tx_01HZY3', providerPaymentId, amountMinor: 50000n, currency: 'RUB', description: 'Возврат по заказу ord_01HZY3' });

  it('given a refund made, when the same refund is asked for 25 hours later, then the one made is answered and no money leaves again', async () => {
    const paymentId = await paidPayment();
    const refund = refundOf(paymentId);
    const first = await provider.refundPayment(refund);
    clock = new Date(clock.getTime() + DAY_MS + 60 * 60 * 1000);
    const later = await provider.refundPayment(refund);
    assert.deepEqual([later.providerRefundId, later.status], [first.providerRefundId, 'succeeded']);
    assert.deepEqual(sandbox.refunds('yookassa', paymentId).map((r) => [r.amountMinor, r.refundId]), [[50000n, refund.refundId]]);
  });

  it('given the same key and body posted raw 25 hours apart, then the sandbox makes a second refund (the hole the look-up closes)', async () => {
    const paymentId = await paidPayment();
    const post = () =>
      fetch(`${sandbox.yookassa.apiUrl}/refunds`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${sandbox.yookassa.shopId}:${sandbox.yookassa.secretKey}`).toString('base64')}`, 'idempotence-key': 'refund.raw-1', 'content-type': 'application/json' },
        body: JSON.stringify({ payment_id: paymentId, amount: { value: '500.00', currency: 'RUB' } }),
      }).then(async (res) => ((await res.json()) as { id: string }).id);
    const first = await post();
    assert.equal(await post(), first, 'replayed within the day');
    clock = new Date(clock.getTime() + DAY_MS);
    assert.notEqual(await post(), first);
    assert.equal(sandbox.refunds('yookassa', paymentId).length, 2);
  });
});
