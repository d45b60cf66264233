import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromiumOrSkip } from '../../support/chromium.js';
import type { PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aBuyer, givenOrderOfNewProduct, type Caller, type GameStoreSystem } from './game-store-harness.js';
import { initiatePayment, startPayingStore, startSandbox, transactionBecomes } from './payment-harness.js';

/**
 * The walk a person makes (issue 12 "done when"): our API starts the payment, the buyer pays
 * in a real browser on the provider's page (Debian's chromium driven by playwright-core), the
 * provider notifies our webhook, and our API shows the transaction completed.
 */
describe('game store: a buyer pays in a real browser (P-3, P-4, X-5)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let sandbox: PaymentSandbox;
  let system: GameStoreSystem;
  let buyer: Caller;
  const clock = new ManualClock(new Date());

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    database = await openTestDatabase();
    sandbox = await startSandbox(clock);
    system = await startPayingStore({ database, clock, sandbox });
    buyer = await aBuyer();
  });
  after(async () => {
    await browser?.close();
    await system?.stop();
    await sandbox?.stop();
    await database?.dispose();
  });

  it('given an order, when the buyer opens the YooKassa redirect_url our API answered and clicks Pay, then the browser returns to the success URL and the transaction is completed', async () => {
    const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
    const successUrl = `${system.api}/healthz?paid=${order.order_id}`;
    const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'yookassa', success_url: successUrl });
    const page = await browser.newPage();
    await page.goto(tx.redirect_url!);
    assert.equal(await page.textContent('#amount'), '1499.00 ₽');
    await Promise.all([page.waitForURL(successUrl), page.click('#pay')]);
    await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
    await page.close();
  });

  it('given an order, when the buyer chooses SBP at T-Bank, "scans" the QR payload our API answered and confirms in the bank app, then the transaction is completed', async () => {
    const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
    const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank', payment_method: 'sbp' });
    const page = await browser.newPage();
    await page.goto(tx.qr!.payload);
    assert.equal(await page.textContent('#amount'), '1499.00 ₽');
    await Promise.all([page.waitForLoadState(), page.click('#pay')]);
    await page.waitForSelector('#result');
    await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
    await page.close();
  });

  it('given an order, when the buyer declines on the T-Bank page, then the browser goes to the fail URL and the transaction failed', async () => {
    const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
    const failUrl = `${system.api}/healthz?declined=${order.order_id}`;
    const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider: 'tbank', fail_url: failUrl });
    const page = await browser.newPage();
    await page.goto(tx.redirect_url!);
    await Promise.all([page.waitForURL(failUrl), page.click('#decline')]);
    await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'failed');
    await page.close();
  });
});
