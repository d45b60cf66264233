import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../../platform/clock.js';
import { aDeveloper, admin, eventually, givenOrder, givenProduct, support, type Caller } from './game-store-harness.js';
import { initiatePayment, transactionBecomes } from './payment-harness.js';
import { balanceOf, inboxOf, libraryOf, orderDetail, orderReaches, receiptsOf, refund, registeredBuyer, purchasingSuite } from './purchase-harness.js';

/**
 * P-5, P-6 (issue 13) over HTTP, end to end on the embedded default: a game paid at the local
 * YooKassa or T-Bank completes its order, lands in the library, gets a 54-FZ receipt from the
 * local cloud register, credits its developer; refunds reverse all of it.
 */
describe('game store: the purchase saga — library, fiscal receipts, developer balances, refunds (P-5, P-6)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date());
  const suite = purchasingSuite(clock);

  /** Two games of two developers (22 % VAT on one), an order of both by a registered buyer. */
  async function givenOrderOfTwoGames(buyer: Caller) {
    const devA = await aDeveloper();
    const devB = await aDeveloper();
    const a = await givenProduct(suite.system.api, devA.token, { title: 'Тайга: ключ активации', vat: 'vat22', prices: { RU: '1499.00' } });
    const b = await givenProduct(suite.system.api, devB.token, { title: 'Farm Story', vat: 'none', prices: { RU: '299.90' } });
    const order = await givenOrder(suite.system.api, buyer.token, [a.product_id, b.product_id]);
    return { devA, devB, a, b, order };
  }

  async function paid(buyer: Caller, orderId: string, provider: 'yookassa' | 'tbank') {
    const tx = await initiatePayment(suite.system.api, buyer.token, { order_id: orderId, provider });
    await suite.sandbox.pay(provider, tx.provider_payment_id!);
    await transactionBecomes(suite.system.api, buyer.token, tx.transaction_id, 'completed');
    return tx;
  }

  describe('a paid order', () => {
    it('given an order of two games paid at YooKassa, then it completes: both games in the library, one sale receipt fiscalized at the register with FFD 1.2 lines, each developer credited 70 %, the buyer told twice, every step in the progress', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { devA, devB, a, b, order } = await givenOrderOfTwoGames(buyer);
      await paid(buyer, order.order_id, 'yookassa');

      const done = await orderReaches(suite.system.api, buyer.token, order.order_id);
      assert.equal(done.status, 'completed');
      assert.deepEqual(
        { ...done.progress, steps: undefined },
        { paid: true, in_library: true, confirmation_sent: true, receipt_registered: true, receipt_sent: true, developer_credited: true, recorded: true, steps: undefined },
      );
      const steps = done.progress.steps.map((s) => s.step);
      for (const step of ['paid', `in_library:${a.product_id}`, `in_library:${b.product_id}`, 'confirmation_sent', 'receipt_registered', 'receipt_sent', `developer_credited:${a.product_id}`, 'recorded']) assert.ok(steps.includes(step), step);
      assert.ok(steps.indexOf('paid') < steps.indexOf(`in_library:${a.product_id}`) && steps.indexOf('receipt_registered') < steps.indexOf('receipt_sent'), steps.join(' → '));

      const library = await libraryOf(suite.system.api, buyer.token);
      assert.deepEqual(library.map((g) => g.product_id).sort(), [a.product_id, b.product_id].sort());
      assert.ok(library.every((g) => g.order_id === order.order_id && g.acquisition === 'purchase'));

      const [receipt, ...others] = await receiptsOf(suite.system.api, buyer.token, order.order_id);
      assert.equal(others.length, 0);
      assert.equal(receipt!.operation, 'sell');
      assert.equal(receipt!.status, 'fiscalized_success');
      assert.deepEqual(receipt!.total, { value: '1798.90', currency: 'RUB' }, 'the receipt total equals the payment');
      assert.deepEqual(
        receipt!.lines.map((l) => [l.name, l.quantity, l.price, l.sum, l.vat, l.payment_object, l.payment_method]),
        [
          ['Тайга: ключ активации', 1, '1499.00', '1499.00', 'vat22', 'intellectual_activity', 'full_payment'],
          ['Farm Story', 1, '299.90', '299.90', 'none', 'intellectual_activity', 'full_payment'],
        ],
      );
      assert.match(receipt!.fiscal!.fiscal_document_number, /^\d+$/);
      assert.match(receipt!.fiscal!.fiscal_sign, /^\d+$/);
      // at the register: exactly one document for the sale, sent to the buyer's e-mail, total = payment
      const atRegister = suite.register.receipts().filter((r) => r.external_id.startsWith(`${receipt!.receipt_id}.`));
      assert.equal(atRegister.length, 1);
      assert.equal(atRegister[0]!.operation, 'sell');
      assert.equal(atRegister[0]!.total, 1798.9);
      assert.deepEqual(atRegister[0]!.payments, [{ type: 1, sum: 1798.9 }]);
      assert.deepEqual(atRegister[0]!.items.map((i) => [i.payment_object, i.measure, i.vat.type]), [[9, 0, 'vat22'], [9, 0, 'none']]);

      const shareA = await balanceOf(suite.system.api, devA.token);
      assert.deepEqual(shareA.balances.map((x) => [x.amount_minor, x.currency]), [['104930', 'RUB']], '70 % of 1499.00 = 1049.30');
      const shareB = await balanceOf(suite.system.api, devB.token);
      assert.deepEqual(shareB.balances.map((x) => x.amount_minor), ['20993'], '70 % of 299.90 = 209.93');

      const inbox = await inboxOf(suite.system.api, buyer.token);
      const kinds = inbox.map((n) => n.kind).sort();
      assert.deepEqual(kinds, ['game-store.order_confirmed', 'game-store.receipt_registered']);
      const told = inbox.find((n) => n.kind === 'game-store.receipt_registered')!;
      assert.ok(told.body.includes(receipt!.fiscal!.fiscal_document_number) && told.body.includes(receipt!.fiscal!.fiscal_sign), told.body);
    });

    it('given a paid order, then the published stream tells order.processing.completed, library.game.added and developer.balance.updated, and a fiscal receipt status — with no e-mail in any message', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order, a } = await givenOrderOfTwoGames(buyer);
      await paid(buyer, order.order_id, 'tbank');
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const all: { type: string; data: Record<string, unknown> }[] = [];
      let after: string | undefined;
      let raw = '';
      for (;;) {
        const page = await request(suite.system.api).get('/streams/game-store.purchases').query({ limit: 500, ...(after ? { after } : {}) }).set('Authorization', await admin()).expect(200);
        all.push(...page.body.items);
        raw += JSON.stringify(page.body);
        after = page.body.next_cursor;
        if (!page.body.has_more) break;
      }
      const mine = all.filter((m) => m.data.order_id === order.order_id || m.data.buyer_id === buyer.id);
      const types = mine.map((m) => m.type);
      assert.equal(types.filter((t) => t === 'order.processing.completed').length, 1);
      assert.equal(types.filter((t) => t === 'library.game.added').length, 2);
      assert.equal(types.filter((t) => t === 'developer.balance.updated').length, 2);
      assert.equal(types.filter((t) => t === 'payment.fiscal.receipt.status.updated').length, 1);
      assert.ok(mine.some((m) => m.type === 'library.game.added' && m.data.product_id === a.product_id));
      assert.ok(!raw.includes(buyer.email), 'no e-mail in the published stream');
    });

    it('given an order, when its payment is declined, then the order is cancelled: nothing in the library, no receipt, no credit', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order, devA } = await givenOrderOfTwoGames(buyer);
      const tx = await initiatePayment(suite.system.api, buyer.token, { order_id: order.order_id, provider: 'tbank' });
      await suite.sandbox.decline('tbank', tx.provider_payment_id!);
      const cancelled = await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.status === 'cancelled');
      assert.ok(cancelled.progress.steps.some((s) => s.step === 'cancelled'));
      assert.equal(cancelled.progress.paid, false);
      assert.deepEqual(await libraryOf(suite.system.api, buyer.token), []);
      assert.deepEqual(await receiptsOf(suite.system.api, buyer.token, order.order_id), []);
      assert.deepEqual((await balanceOf(suite.system.api, devA.token)).balances, []);
      // a cancelled order is not paid again
      const again = await request(suite.system.api).post('/api/v1/payments/transactions/initiate').set('Authorization', buyer.token).send({ order_id: order.order_id, provider: 'yookassa', success_url: 'https://shop.example/paid' });
      assert.equal(again.status, 409, JSON.stringify(again.body));
    });
  });

  describe('refunds', () => {
    it('given a completed order, when support refunds it whole, then the provider pays it back once, the games leave the library, the developers are debited to zero, a sell_refund receipt is registered and the buyer is told', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order, devA, devB } = await givenOrderOfTwoGames(buyer);
      const tx = await paid(buyer, order.order_id, 'yookassa');
      await orderReaches(suite.system.api, buyer.token, order.order_id);

      const asked = await refund(suite.system.api, await support(), order.order_id, { reason: 'the buyer changed their mind' });
      assert.deepEqual(asked.amount, { value: '1798.90', currency: 'RUB' });
      assert.equal(asked.items.length, 2);
      const refunded = await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.status === 'refunded' && o.progress.steps.some((s) => s.step === `refund_notified:${asked.refund_id}`));
      assert.equal(refunded.refunds[0]!.status, 'confirmed');

      assert.equal(suite.sandbox.refunds('yookassa', tx.provider_payment_id!).length, 1, 'paid back once');
      assert.deepEqual(await libraryOf(suite.system.api, buyer.token), []);
      for (const dev of [devA, devB]) assert.deepEqual((await balanceOf(suite.system.api, dev.token)).balances.map((b) => b.amount_minor), ['0']);
      const receipts = await receiptsOf(suite.system.api, buyer.token, order.order_id);
      assert.deepEqual(receipts.map((r) => [r.operation, r.status, r.total.value]), [['sell', 'fiscalized_success', '1798.90'], ['sell_refund', 'fiscalized_success', '1798.90']]);
      const kinds = (await inboxOf(suite.system.api, buyer.token)).map((n) => n.kind).sort();
      assert.deepEqual(kinds, ['game-store.order_confirmed', 'game-store.receipt_registered', 'game-store.receipt_registered', 'game-store.refund_completed']);

      // nothing left to refund
      const again = await refund(suite.system.api, await support(), order.order_id, { reason: 'again' }, 409);
      assert.equal(again.code, 'refund.nothing_left');
    });

    it('given a completed order of two games at T-Bank, when one game is refunded and then the other, then each refund returns its item only, never more than was paid, and a repeat of a refunded item is 409', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order, a, b, devA, devB } = await givenOrderOfTwoGames(buyer);
      const tx = await paid(buyer, order.order_id, 'tbank');
      await orderReaches(suite.system.api, buyer.token, order.order_id);

      const first = await refund(suite.system.api, await admin(), order.order_id, { reason: 'does not start', items: [a.product_id] });
      assert.deepEqual(first.amount, { value: '1499.00', currency: 'RUB' });
      const repeat = await refund(suite.system.api, await support(), order.order_id, { reason: 'again', items: [a.product_id] }, 409);
      assert.equal(repeat.code, 'refund.item_refunded');
      const partly = await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.status === 'partially_refunded' && o.progress.steps.some((s) => s.step === `refund_notified:${first.refund_id}`));
      assert.equal(partly.refunds.length, 1);
      assert.deepEqual((await libraryOf(suite.system.api, buyer.token)).map((g) => g.product_id), [b.product_id]);
      assert.deepEqual((await balanceOf(suite.system.api, devA.token)).balances.map((x) => x.amount_minor), ['0']);
      assert.deepEqual((await balanceOf(suite.system.api, devB.token)).balances.map((x) => x.amount_minor), ['20993']);

      const second = await refund(suite.system.api, await support(), order.order_id, { reason: 'the rest', items: [b.product_id] });
      await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.status === 'refunded' && o.progress.steps.some((s) => s.step === `refund_notified:${second.refund_id}`));
      const atProvider = suite.sandbox.refunds('tbank', tx.provider_payment_id!);
      assert.deepEqual(atProvider.map((r) => r.amountMinor).sort(), [29990n, 149900n].sort());
      const receipts = await receiptsOf(suite.system.api, buyer.token, order.order_id);
      assert.deepEqual(receipts.map((r) => [r.operation, r.total.value]).sort(), [['sell', '1798.90'], ['sell_refund', '1499.00'], ['sell_refund', '299.90']].sort());
      assert.deepEqual(await libraryOf(suite.system.api, buyer.token), []);
    });

    it('given refunds of an order that is not paid, an item not in it, or by a buyer, then 409 / 422 / 403 and nothing is recorded', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfTwoGames(buyer);
      assert.equal((await refund(suite.system.api, await support(), order.order_id, { reason: 'x' }, 409)).code, 'order.not_paid');
      await refund(suite.system.api, buyer.token, order.order_id, { reason: 'x' }, 403);
      await refund(suite.system.api, await support(), order.order_id, { reason: '' }, 400);
      await refund(suite.system.api, await support(), '00000000-0000-4000-8000-000000000000', { reason: 'x' }, 404);
      const detail = await orderDetail(suite.system.api, buyer.token, order.order_id);
      assert.deepEqual(detail.refunds, []);
    });
  });

  describe('the live feed', () => {
    it('given an order, when the buyer follows GET /orders/{id}/events and pays, then the feed tells paid → in the library → receipt sent as Server-Sent Events', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order } = await givenOrderOfTwoGames(buyer);
      const controller = new AbortController();
      const response = await fetch(`${suite.system.api}/api/v1/orders/${order.order_id}/events`, { headers: { Authorization: buyer.token, Accept: 'text/event-stream' }, signal: controller.signal });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const seen = (step: string) => text.includes(`"step":"${step}"`);
      const reading = (async () => {
        while (!seen('receipt_sent')) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      })();
      await paid(buyer, order.order_id, 'yookassa');
      await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`feed so far: ${text}`)), 30_000))]);
      controller.abort();
      assert.ok(text.indexOf('"step":"paid"') < text.indexOf('"step":"in_library:') && text.indexOf('"step":"in_library:') < text.indexOf('"step":"receipt_sent"'), text);
      assert.match(text, /id: \d+\nevent: step\ndata: /);
      // another buyer cannot follow it
      assert.equal((await fetch(`${suite.system.api}/api/v1/orders/${order.order_id}/events`, { headers: { Authorization: (await registeredBuyer(suite.system.api)).token } })).status, 404);
    });
  });

  describe('BI', () => {
    it('given a refunded purchase, then bi.purchases has a row per item sold, bi.refunds per item refunded, bi.fiscal_receipts both receipts — as the BI reader sees them', async () => {
      const buyer = await registeredBuyer(suite.system.api);
      const { order, a } = await givenOrderOfTwoGames(buyer);
      await paid(buyer, order.order_id, 'yookassa');
      await orderReaches(suite.system.api, buyer.token, order.order_id);
      const asked = await refund(suite.system.api, await support(), order.order_id, { reason: 'bi', items: [a.product_id] });
      await orderReaches(suite.system.api, buyer.token, order.order_id, (o) => o.progress.steps.some((s) => s.step === `refund_notified:${asked.refund_id}`));
      const rows = async (table: string) => {
        const answer = await request(suite.system.api).get(`/api/admin/bi/${table}`).query({ column: 'order_id', equals: order.order_id }).set('Authorization', await admin());
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        return answer.body.rows as Record<string, unknown>[];
      };
      await eventually(async () => ((await rows('refunds')).length === 1 ? true : undefined));
      const purchases = await rows('purchases');
      assert.equal(purchases.length, 2);
      assert.ok(purchases.every((p) => p.developer_share !== null));
      assert.equal((await rows('fiscal_receipts')).length, 2);
    });
  });
});
