import assert from 'node:assert/strict';
import { CurrencyEnum, YooKassa, YooKassaErr } from '@webzaytsev/yookassa-ts-sdk';
import { startPaymentSandbox, type PaymentSandbox } from '../../../../adapters/payments/sandbox/payment-sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from './sandbox-test-kit.js';

/**
 * Protocol fidelity: an independent, third-party YooKassa client (@webzaytsev/yookassa-ts-sdk 3.1.0,
 * written against the real API) runs unchanged against the sandbox — only its endpoint differs.
 */
describe('Payment sandbox: a third-party YooKassa client (@webzaytsev/yookassa-ts-sdk 3.1.0) against the local YooKassa', () => {
  let sandbox: PaymentSandbox;
  let shop: WebhookReceiver;
  let sdk: ReturnType<typeof YooKassa>;

  before(async () => {
    shop = await startWebhookReceiver();
    sandbox = await startPaymentSandbox({ port: 0, yookassa: { shopId: '654321', secretKey: 'test_fidelity_secret', webhookUrl: `${shop.url}/webhooks/yookassa` } });
    sdk = YooKassa({ shop_id: sandbox.yookassa.shopId, secret_key: sandbox.yookassa.secretKey, endpoint: sandbox.yookassa.apiUrl, retries: 0 }, true);
  });
  after(async () => {
    await sandbox.stop();
    await shop.close();
  });

  it('given the client, when it creates a payment and fetches it, then it gets the pending payment with its confirmation_url', async () => {
    const created = await sdk.payments.create({
      amount: { value: '1499.00', currency: CurrencyEnum.RUB },
      capture: true,
      confirmation: { type: 'redirect', return_url: 'https://shop.example/return' },
      description: 'Заказ ord_sdk',
      metadata: { order_id: 'ord_sdk', transaction_id: 'tx_sdk' },
    });
    assert.equal(created.status, 'pending');
    assert.equal(created.amount.value, '1499.00');
    const fetched = await sdk.payments.load(created.id);
    assert.deepEqual(fetched, created);
    assert.equal((fetched.confirmation as { confirmation_url?: string }).confirmation_url, `${sandbox.url}/pay/yookassa/${created.id}`);
    assert.deepEqual(sandbox.payments('yookassa').find((p) => p.id === created.id)?.transactionId, 'tx_sdk');
  });

  it('given capture false, when the buyer pays and the client cancels, then waiting_for_capture and then canceled by the merchant', async () => {
    const created = await sdk.payments.create({ amount: { value: '10.00', currency: CurrencyEnum.RUB }, capture: false, confirmation: { type: 'redirect', return_url: 'https://shop.example/return' } }, 'sdk-two-stage-1');
    await sandbox.pay('yookassa', created.id);
    assert.equal((await sdk.payments.load(created.id)).status, 'waiting_for_capture');
    const cancelled = await sdk.payments.cancel(created.id, 'sdk-cancel-1');
    assert.equal(cancelled.status, 'canceled');
    assert.deepEqual(cancelled.cancellation_details, { party: 'merchant', reason: 'canceled_by_merchant' });
    assert.deepEqual(shop.received.filter((n) => (n.body.object as { id: string }).id === created.id).map((n) => n.body.event), ['payment.waiting_for_capture', 'payment.canceled']);
  });

  it('given the client retrying with its own Idempotence-Key, when the same create is sent twice, then the same payment', async () => {
    const data = { amount: { value: '20.00', currency: CurrencyEnum.RUB }, capture: true, confirmation: { type: 'redirect' as const, return_url: 'https://shop.example/return' } };
    const first = await sdk.payments.create(data, 'sdk-same-key');
    const again = await sdk.payments.create(data, 'sdk-same-key');
    assert.equal(again.id, first.id);
  });

  it('given a pending payment, when the client cancels it, then the client raises the sandbox\'s invalid_request error', async () => {
    const created = await sdk.payments.create({ amount: { value: '30.00', currency: CurrencyEnum.RUB }, capture: true, confirmation: { type: 'redirect', return_url: 'https://shop.example/return' } });
    await assert.rejects(sdk.payments.cancel(created.id), (err: unknown) => err instanceof YooKassaErr && err.name === 'invalid_request');
  });

  it('given a paid payment, when the client refunds part of it twice with its own key and loads the refund, then one refund, refunded_amount grows, and more than is left raises invalid_request', async () => {
    const created = await sdk.payments.create({ amount: { value: '1499.00', currency: CurrencyEnum.RUB }, capture: true, confirmation: { type: 'redirect', return_url: 'https://shop.example/return' } });
    await sandbox.pay('yookassa', created.id);
    const data = { payment_id: created.id, amount: { value: '499.00', currency: CurrencyEnum.RUB }, description: 'Возврат по заказу ord_sdk', metadata: { refund_id: 'rf_sdk' } };
    const refund = await sdk.refunds.create(data, 'sdk-refund-1');
    const again = await sdk.refunds.create(data, 'sdk-refund-1');
    assert.deepEqual([refund.status, refund.payment_id, refund.amount.value, again.id], ['succeeded', created.id, '499.00', refund.id]);
    assert.deepEqual(await sdk.refunds.load(refund.id), refund);
    assert.deepEqual(sandbox.refunds('yookassa', created.id).map((r) => [r.id, r.amountMinor]), [[refund.id, 49900n]]);
    assert.equal((await sdk.payments.load(created.id)).refunded_amount?.value, '499.00');
    await assert.rejects(sdk.refunds.create({ payment_id: created.id, amount: { value: '1000.01', currency: CurrencyEnum.RUB } }), (err: unknown) => err instanceof YooKassaErr && err.name === 'invalid_request');
  });

  it('given wrong credentials, when the client fetches, then it raises invalid_credentials', async () => {
    const intruder = YooKassa({ shop_id: sandbox.yookassa.shopId, secret_key: 'wrong', endpoint: sandbox.yookassa.apiUrl, retries: 0 }, true);
    await assert.rejects(intruder.payments.load('00000000-000f-5000-8000-000000000000'), (err: unknown) => err instanceof YooKassaErr && err.name === 'invalid_credentials');
  });
});
