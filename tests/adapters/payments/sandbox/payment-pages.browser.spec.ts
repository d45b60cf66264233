import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromiumOrSkip } from '../../../support/chromium.js';
import { startPaymentSandbox, type PaymentSandbox } from '../../../../adapters/payments/sandbox/payment-sandbox.js';
import { eventually } from '../../../support/eventually.js';
import { startWebhookReceiver, tbankClient, yookassaClient, type WebhookReceiver } from './sandbox-test-kit.js';

/** The hosted pages in a real headless browser: Debian's chromium driven by playwright-core. */
describe('Payment sandbox: the payment pages in a headless browser', function () {
  this.timeout(60_000);
  let browser: Browser;
  let sandbox: PaymentSandbox;
  let shop: WebhookReceiver;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    shop = await startWebhookReceiver();
    sandbox = await startPaymentSandbox({ port: 0, delivery: { firstRetryMs: 10, attempts: 3 } });
    sandbox.setYookassaWebhookUrl(`${shop.url}/webhooks/yookassa`);
  });
  after(async () => {
    await browser?.close();
    await sandbox?.stop();
    await shop?.close();
  });

  it('given a YooKassa payment, when the buyer opens confirmation_url and clicks Pay, then the browser lands on return_url and payment.succeeded reached the shop', async () => {
    const { body: payment } = await yookassaClient(sandbox).call('POST', '/payments', {
      key: 'browser-card-1',
      body: { amount: { value: '1499.00', currency: 'RUB' }, capture: true, description: 'Игра X — ключ', confirmation: { type: 'redirect', return_url: `${shop.url}/return?tx=tx_browser` }, metadata: { transaction_id: 'tx_browser' } },
    });
    const page = await browser.newPage();
    await page.goto(payment.confirmation.confirmation_url);
    assert.equal(await page.textContent('#amount'), '1499.00 ₽');
    assert.equal(await page.textContent('#description'), 'Игра X — ключ');
    await Promise.all([page.waitForURL(`${shop.url}/return?tx=tx_browser`), page.click('#pay')]);
    assert.match((await page.textContent('#shop'))!, /Back at the shop/);
    const note = await eventually(async () => shop.received.find((n) => n.body.event === 'payment.succeeded' && (n.body.object as { id: string }).id === payment.id));
    assert.equal(note.path, '/webhooks/yookassa');
    assert.equal(sandbox.payments('yookassa').find((p) => p.id === payment.id)?.status, 'succeeded');
    await page.close();
  });

  it('given a T-Bank payment, when the buyer opens PaymentURL and clicks Decline, then the browser lands on FailURL and a REJECTED notification reached the shop', async () => {
    const { body: init } = await tbankClient(sandbox)('Init', { Amount: 50000, OrderId: 'tx_browser_tbank', Description: 'Игра Y', NotificationURL: `${shop.url}/webhooks/tbank`, SuccessURL: `${shop.url}/success`, FailURL: `${shop.url}/fail` });
    const page = await browser.newPage();
    await page.goto(init.PaymentURL);
    assert.equal(await page.textContent('#amount'), '500.00 ₽');
    await Promise.all([page.waitForURL(`${shop.url}/fail`), page.click('#decline')]);
    await eventually(async () => shop.received.some((n) => n.body.PaymentId === Number(init.PaymentId) && n.body.Status === 'REJECTED'));
    await page.close();
  });

  it('given an SBP payment, when the buyer opens the QR page, follows the scan link and confirms in the bank app, then it is paid', async () => {
    const { body: payment } = await yookassaClient(sandbox).call('POST', '/payments', {
      key: 'browser-sbp-1',
      body: { amount: { value: '250.00', currency: 'RUB' }, capture: true, description: 'Игра Z', payment_method_data: { type: 'sbp' }, confirmation: { type: 'qr' } },
    });
    const page = await browser.newPage();
    await page.goto(`${sandbox.url}/sbp/yookassa/${payment.id}`);
    assert.equal(await page.locator('#qr svg').count(), 1, 'the QR code is drawn as SVG');
    assert.equal(await page.getAttribute('#scan', 'href'), payment.confirmation.confirmation_data);
    await Promise.all([page.waitForURL(/\/sbp\/qr\//), page.click('#scan')]);
    assert.equal(await page.textContent('#amount'), '250.00 ₽');
    await Promise.all([page.waitForLoadState(), page.click('#pay')]);
    await page.waitForSelector('#result');
    assert.equal(await page.getAttribute('#result', 'data-status'), 'succeeded');
    assert.equal(await page.textContent('#result'), 'Paid');
    const paid = sandbox.payments('yookassa').find((p) => p.id === payment.id)!;
    assert.deepEqual([paid.status, paid.method], ['succeeded', 'sbp']);
    await eventually(async () => shop.received.some((n) => n.body.event === 'payment.succeeded' && (n.body.object as { id: string }).id === payment.id));
    await page.close();
  });
});
