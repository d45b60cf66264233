import assert from 'node:assert/strict';
import { startPaymentSandbox, type PaymentSandbox } from '../../../../adapters/payments/sandbox/payment-sandbox.js';
import { tbankToken } from '../../../../adapters/payments/sandbox/tbank-token.js';
import { eventually } from '../../../support/eventually.js';
import { startWebhookReceiver, tbankClient, type WebhookReceiver } from './sandbox-test-kit.js';

describe('Payment sandbox: the local T-Bank EACQ v2, raw HTTP', () => {
  let sandbox: PaymentSandbox;
  let shop: WebhookReceiver;
  let tbank: ReturnType<typeof tbankClient>;
  let clock = new Date('2026-03-01T10:00:00.000Z');
  let orders = 0;

  before(async () => {
    shop = await startWebhookReceiver();
    sandbox = await startPaymentSandbox({ port: 0, now: () => clock, delivery: { firstRetryMs: 10, attempts: 4 } });
    tbank = tbankClient(sandbox);
  });
  after(async () => {
    await sandbox.stop();
    await shop.close();
  });
  beforeEach(() => {
    shop.reply = () => ({ status: 200, body: 'OK' });
  });

  const init = (over: Record<string, unknown> = {}) =>
    tbank('Init', {
      Amount: 149900,
      OrderId: `tx_${++orders}`,
      Description: 'Заказ ord_1',
      NotificationURL: `${shop.url}/webhooks/tbank`,
      SuccessURL: 'https://shop.example/success',
      FailURL: 'https://shop.example/fail',
      ...over,
    });
  const notesFor = (paymentId: string) => shop.received.filter((n) => String(n.body.PaymentId) === paymentId).map((n) => n.body);

  describe('the Token on every request', () => {
    it('given a request signed with another password, when sent to any method, then HTTP 200 Success false ErrorCode "204"', async () => {
      for (const method of ['Init', 'GetState', 'GetQr', 'Cancel', 'CheckOrder', 'Confirm']) {
        const res = await tbank(method, { Amount: 1000, OrderId: 'x', PaymentId: '1' }, { password: 'not-the-password' });
        assert.equal(res.status, 200);
        assert.deepEqual([res.body.Success, res.body.ErrorCode, res.body.Message], [false, '204', 'Неверный токен']);
      }
    });

    it('given a tampered field after signing, or another TerminalKey, when sent, then "204" too', async () => {
      const fields = { TerminalKey: sandbox.tbank.terminalKey, Amount: 1000, OrderId: 'tampered' };
      const Token = tbankToken(fields, sandbox.tbank.password);
      const res = await tbank('Init', { ...fields, Amount: 1 }, { token: Token });
      assert.equal(res.body.ErrorCode, '204');
      const other = await tbank('Init', { TerminalKey: 'SomeoneElseDEMO', Amount: 1000, OrderId: 'o' });
      assert.equal(other.body.ErrorCode, '204');
    });

    it('given a nested Receipt and DATA, when signed without them, then accepted (they are not part of the Token)', async () => {
      const receipt = { Email: 'u@example.com', Taxation: 'osn', Items: [{ Name: 'Игра X', Price: 74950, Quantity: 2, Amount: 149900, Tax: 'vat22', PaymentObject: 'intellectual_activity' }] };
      const res = await init({ Receipt: receipt, DATA: { Source: 'ledgerline' } });
      assert.equal(res.body.Success, true);
    });
  });

  describe('Init, GetState, CheckOrder', () => {
    it('given an Init, when answered, then NEW with a string PaymentId and the sandbox PaymentURL', async () => {
      const res = await init({ OrderId: 'tx_shape' });
      assert.deepEqual(
        { ...res.body, PaymentId: undefined },
        { Success: true, ErrorCode: '0', TerminalKey: sandbox.tbank.terminalKey, Status: 'NEW', PaymentId: undefined, OrderId: 'tx_shape', Amount: 149900, PaymentURL: `${sandbox.url}/pay/tbank/${res.body.PaymentId}` },
      );
      assert.match(res.body.PaymentId, /^\d+$/);
      const state = await tbank('GetState', { PaymentId: res.body.PaymentId });
      assert.deepEqual([state.body.Success, state.body.Status, state.body.PaymentId, state.body.OrderId, state.body.Amount], [true, 'NEW', res.body.PaymentId, 'tx_shape', 149900]);
    });

    it('given the same OrderId twice, when Init is called again, then a second payment (Init is not idempotent) and CheckOrder lists both', async () => {
      const first = await init({ OrderId: 'tx_twice' });
      const second = await init({ OrderId: 'tx_twice' });
      assert.notEqual(first.body.PaymentId, second.body.PaymentId);
      const order = await tbank('CheckOrder', { OrderId: 'tx_twice' });
      assert.equal(order.body.Success, true);
      assert.deepEqual(order.body.Payments.map((p: { PaymentId: string; Status: string }) => [p.PaymentId, p.Status]), [[first.body.PaymentId, 'NEW'], [second.body.PaymentId, 'NEW']]);
      assert.deepEqual((await tbank('CheckOrder', { OrderId: 'tx_never' })).body.Payments, []);
    });

    const refused: [string, Record<string, unknown>, string][] = [
      ['an amount under the 1 ₽ card minimum', { Amount: 99 }, '9999'],
      ['an amount in rubles as a string', { Amount: '1499.00' }, '9999'],
      ['no OrderId', { OrderId: undefined }, '2'],
      ['a RedirectDueDate in the past', { RedirectDueDate: '2020-01-01T00:00:00+03:00' }, '12'],
      ['Receipt items not adding up to Amount', { Receipt: { Email: 'u@example.com', Taxation: 'osn', Items: [{ Name: 'Игра', Price: 100000, Quantity: 1, Amount: 100000, Tax: 'vat22' }] } }, '9999'],
    ];
    for (const [what, change, code] of refused) {
      it(`given ${what}, when Init is called, then Success false with ErrorCode "${code}" and a Message`, async () => {
        const res = await init(change);
        assert.equal(res.status, 200);
        assert.deepEqual([res.body.Success, res.body.ErrorCode], [false, code]);
        assert.equal(typeof res.body.Message, 'string');
      });
    }

    it('given an unknown PaymentId, when GetState is called, then Success false', async () => {
      const res = await tbank('GetState', { PaymentId: '1' });
      assert.equal(res.body.Success, false);
      assert.notEqual(res.body.ErrorCode, '0');
    });
  });

  describe('paying, declining and notifications', () => {
    it('given a card payment, when the buyer pays, then CONFIRMED and signed AUTHORIZED then CONFIRMED notifications with a numeric PaymentId', async () => {
      const { body } = await init();
      await sandbox.pay('tbank', body.PaymentId);
      assert.equal((await tbank('GetState', { PaymentId: body.PaymentId })).body.Status, 'CONFIRMED');
      const notes = notesFor(body.PaymentId);
      assert.deepEqual(notes.map((n) => n.Status), ['AUTHORIZED', 'CONFIRMED']);
      for (const note of notes) {
        assert.equal(note.Token, tbankToken(note, sandbox.tbank.password), 'signed with the terminal password');
        assert.deepEqual([note.TerminalKey, note.OrderId, note.Success, note.ErrorCode, note.Amount, note.PaymentId], [sandbox.tbank.terminalKey, body.OrderId, true, '0', 149900, Number(body.PaymentId)]);
        assert.equal(typeof note.Pan, 'string');
      }
      assert.equal(shop.received.find((n) => n.body.PaymentId === Number(body.PaymentId))!.path, '/webhooks/tbank');
    });

    it('given a payment, when the buyer declines, then REJECTED and a REJECTED notification with Success false', async () => {
      const { body } = await init();
      await sandbox.decline('tbank', body.PaymentId);
      assert.equal((await tbank('GetState', { PaymentId: body.PaymentId })).body.Status, 'REJECTED');
      const [note] = notesFor(body.PaymentId);
      assert.deepEqual([note!.Status, note!.Success], ['REJECTED', false]);
      assert.notEqual(note!.ErrorCode, '0');
    });

    it('given a shop that does not answer exactly OK, when notified, then redelivered until it does', async () => {
      const { body } = await init();
      const replies = [{ status: 200, body: 'ok' }, { status: 200, body: '<html>OK</html>' }, { status: 500, body: 'OK' }];
      shop.reply = (_, note) => (String(note.PaymentId) === body.PaymentId && note.Status === 'AUTHORIZED' ? (replies.shift() ?? { status: 200, body: 'OK' }) : { status: 200, body: 'OK' });
      await sandbox.pay('tbank', body.PaymentId);
      // the sandbox logs a delivery once its reply is in (after the shop has received it): wait on the log
      const tries = await eventually(async () => {
        const logged = sandbox.deliveries().filter((d) => String((d.body as { PaymentId: number }).PaymentId) === body.PaymentId && (d.body as { Status: string }).Status === 'AUTHORIZED');
        return logged.length === 4 ? logged : undefined;
      });
      assert.deepEqual(tries.map((d) => [d.status, d.reply]), [[200, 'ok'], [200, '<html>OK</html>'], [500, 'OK'], [200, 'OK']]);
    });

    it('given a delivered notification, when redelivered twice, then the same signed body arrives twice more', async () => {
      const { body } = await init();
      await sandbox.pay('tbank', body.PaymentId);
      await sandbox.redeliver('tbank', body.PaymentId, 2);
      assert.deepEqual(notesFor(body.PaymentId).map((n) => n.Status), ['AUTHORIZED', 'CONFIRMED', 'CONFIRMED', 'CONFIRMED']);
    });

    it('given a two-stage Init (PayType T), when paid, then AUTHORIZED until Confirm makes it CONFIRMED', async () => {
      const { body } = await init({ PayType: 'T' });
      await sandbox.pay('tbank', body.PaymentId);
      assert.equal((await tbank('GetState', { PaymentId: body.PaymentId })).body.Status, 'AUTHORIZED');
      const confirmed = await tbank('Confirm', { PaymentId: body.PaymentId });
      assert.deepEqual([confirmed.body.Success, confirmed.body.Status], [true, 'CONFIRMED']);
      assert.equal((await tbank('Confirm', { PaymentId: body.PaymentId })).body.ErrorCode, '8');
    });

    it('given RedirectDueDate passes unpaid, when the state is asked, then DEADLINE_EXPIRED and it can no longer be paid', async () => {
      const { body } = await init({ RedirectDueDate: new Date(clock.getTime() + 10 * 60_000).toISOString() });
      clock = new Date(clock.getTime() + 11 * 60_000);
      assert.equal((await tbank('GetState', { PaymentId: body.PaymentId })).body.Status, 'DEADLINE_EXPIRED');
      await assert.rejects(sandbox.pay('tbank', body.PaymentId), /no longer be paid/);
    });
  });

  describe('SBP: GetQr', () => {
    it('given an Init, when GetQr (PAYLOAD by default), then an NSPK-shaped payload and a numeric PaymentId; paying by it sends CONFIRMED', async () => {
      const { body } = await init();
      const qr = await tbank('GetQr', { PaymentId: body.PaymentId });
      assert.equal(qr.body.Success, true);
      assert.equal(qr.body.PaymentId, Number(body.PaymentId));
      assert.match(qr.body.Data, new RegExp(`^${sandbox.url}/sbp/qr/[A-Z0-9]{32}\\?type=02&bank=100000000001&sum=149900&cur=RUB$`));
      const image = await tbank('GetQr', { PaymentId: body.PaymentId, DataType: 'IMAGE' });
      assert.match(image.body.Data, /^<svg[\s\S]*<\/svg>\s*$/);
      await sandbox.pay('tbank', body.PaymentId);
      assert.deepEqual(sandbox.payments('tbank').find((p) => p.id === body.PaymentId), { id: body.PaymentId, status: 'CONFIRMED', amountMinor: 149900n, transactionId: body.OrderId, method: 'sbp' });
      assert.deepEqual(notesFor(body.PaymentId).map((n) => n.Status), ['CONFIRMED']);
    });

    it('given an amount under the 10 ₽ SBP minimum, when GetQr, then Success false', async () => {
      const { body } = await init({ Amount: 999 });
      const qr = await tbank('GetQr', { PaymentId: body.PaymentId });
      assert.equal(qr.body.Success, false);
    });
  });

  describe('Cancel', () => {
    it('given a NEW payment, when cancelled with an ExternalRequestId twice, then CANCELED once and the repeat returns the current state', async () => {
      const { body } = await init();
      const first = await tbank('Cancel', { PaymentId: body.PaymentId, ExternalRequestId: 'cancel-1' });
      assert.deepEqual([first.body.Success, first.body.Status, first.body.PaymentId, first.body.OriginalAmount, first.body.NewAmount], [true, 'CANCELED', body.PaymentId, 149900, 0]);
      const again = await tbank('Cancel', { PaymentId: body.PaymentId, ExternalRequestId: 'cancel-1' });
      assert.deepEqual(again.body, first.body);
      assert.equal((await tbank('Cancel', { PaymentId: body.PaymentId, ExternalRequestId: 'cancel-2' })).body.ErrorCode, '8');
    });

    it('given a CONFIRMED payment, when cancelled in part then in full, then PARTIAL_REFUNDED, REFUNDED and their notifications; the same ExternalRequestId refunds once', async () => {
      const { body } = await init();
      await sandbox.pay('tbank', body.PaymentId);
      const part = await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 49900, ExternalRequestId: 'refund-1' });
      assert.deepEqual([part.body.Status, part.body.OriginalAmount, part.body.NewAmount], ['PARTIAL_REFUNDED', 149900, 100000]);
      assert.equal((await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 49900, ExternalRequestId: 'refund-1' })).body.NewAmount, 100000);
      const rest = await tbank('Cancel', { PaymentId: body.PaymentId, ExternalRequestId: 'refund-2' });
      assert.deepEqual([rest.body.Status, rest.body.NewAmount], ['REFUNDED', 0]);
      assert.deepEqual(notesFor(body.PaymentId).map((n) => n.Status), ['AUTHORIZED', 'CONFIRMED', 'PARTIAL_REFUNDED', 'REFUNDED']);
    });
  });

  describe('Cancel with Amount: refunds', () => {
    const paid = async (over: Record<string, unknown> = {}) => {
      const { body } = await init(over);
      await sandbox.pay('tbank', body.PaymentId);
      return body.PaymentId as string;
    };
    const returned = (paymentId: string) => sandbox.refunds('tbank', paymentId).map((r) => [r.amountMinor, r.status, r.refundId]);
    const state = async (paymentId: string) => (await tbank('GetState', { PaymentId: paymentId })).body;

    it('given a Cancel whose Amount was changed after signing (or left out of the Token), then "204" and nothing returned', async () => {
      const paymentId = await paid();
      const fields = { TerminalKey: sandbox.tbank.terminalKey, PaymentId: paymentId, Amount: 100, ExternalRequestId: 'rf_tampered' };
      const signedForLess = tbankToken(fields, sandbox.tbank.password);
      assert.equal((await tbank('Cancel', { ...fields, Amount: 149900 }, { token: signedForLess })).body.ErrorCode, '204');
      const { Amount: _left, ...withoutAmount } = fields;
      assert.equal((await tbank('Cancel', fields, { token: tbankToken(withoutAmount, sandbox.tbank.password) })).body.ErrorCode, '204');
      assert.deepEqual([returned(paymentId), (await state(paymentId)).Status], [[], 'CONFIRMED']);
    });

    it('given two parts and then the rest, then PARTIAL_REFUNDED, PARTIAL_REFUNDED, REFUNDED with OriginalAmount / NewAmount; GetState, CheckOrder and the signed notifications keep the payment\'s Amount', async () => {
      const paymentId = await paid();
      const answers = [];
      for (const [amount, id] of [[50000, 'rf_a'], [50000, 'rf_b'], [49900, 'rf_c']] as const) answers.push((await tbank('Cancel', { PaymentId: paymentId, Amount: amount, ExternalRequestId: id })).body);
      assert.deepEqual(
        answers.map((a) => [a.Success, a.ErrorCode, a.Status, a.PaymentId, a.OriginalAmount, a.NewAmount, a.ExternalRequestId]),
        [
          [true, '0', 'PARTIAL_REFUNDED', paymentId, 149900, 99900, 'rf_a'],
          [true, '0', 'PARTIAL_REFUNDED', paymentId, 99900, 49900, 'rf_b'],
          [true, '0', 'REFUNDED', paymentId, 49900, 0, 'rf_c'],
        ],
      );
      assert.deepEqual(returned(paymentId), [[50000n, 'PARTIAL_REFUNDED', 'rf_a'], [50000n, 'PARTIAL_REFUNDED', 'rf_b'], [49900n, 'REFUNDED', 'rf_c']]);
      assert.deepEqual([(await state(paymentId)).Status, (await state(paymentId)).Amount], ['REFUNDED', 149900]);
      const orderId = (await state(paymentId)).OrderId;
      assert.deepEqual((await tbank('CheckOrder', { OrderId: orderId })).body.Payments.map((p: { Status: string; Amount: number }) => [p.Status, p.Amount]), [['REFUNDED', 149900]]);
      const notes = await eventually(async () => (notesFor(paymentId).length === 5 ? notesFor(paymentId) : undefined));
      assert.deepEqual(notes.map((n) => [n.Status, n.Amount, n.Success, n.ErrorCode]), [['AUTHORIZED', 149900, true, '0'], ['CONFIRMED', 149900, true, '0'], ['PARTIAL_REFUNDED', 149900, true, '0'], ['PARTIAL_REFUNDED', 149900, true, '0'], ['REFUNDED', 149900, true, '0']]);
      for (const note of notes) assert.equal(note.Token, tbankToken(note, sandbox.tbank.password));
    });

    it('given more than is left, then Success false ErrorCode "9999" (Неверная сумма) and nothing returned; under 100 kopecks too', async () => {
      const paymentId = await paid();
      await tbank('Cancel', { PaymentId: paymentId, Amount: 100000, ExternalRequestId: 'rf_first' });
      const tooMuch = await tbank('Cancel', { PaymentId: paymentId, Amount: 49901, ExternalRequestId: 'rf_too_much' });
      assert.deepEqual([tooMuch.status, tooMuch.body.Success, tooMuch.body.ErrorCode, tooMuch.body.Message], [200, false, '9999', 'Неверная сумма']);
      assert.match(tooMuch.body.Details, /49900/);
      assert.equal((await tbank('Cancel', { PaymentId: paymentId, Amount: 99, ExternalRequestId: 'rf_tiny' })).body.ErrorCode, '9999');
      assert.deepEqual(returned(paymentId), [[100000n, 'PARTIAL_REFUNDED', 'rf_first']]);
      assert.equal((await tbank('Cancel', { PaymentId: paymentId, Amount: 49900, ExternalRequestId: 'rf_too_much' })).body.Status, 'REFUNDED', 'a refused id may be used again');
    });

    it('given the same ExternalRequestId again, then the operation\'s answer with the payment\'s current status and the money returned once; with another Amount, "9999" and nothing', async () => {
      const paymentId = await paid();
      const first = await tbank('Cancel', { PaymentId: paymentId, Amount: 10000, ExternalRequestId: 'rf_same' });
      const again = await tbank('Cancel', { PaymentId: paymentId, Amount: 10000, ExternalRequestId: 'rf_same' });
      assert.deepEqual(again.body, first.body);
      const other = await tbank('Cancel', { PaymentId: paymentId, Amount: 20000, ExternalRequestId: 'rf_same' });
      assert.deepEqual([other.body.Success, other.body.ErrorCode], [false, '9999']);
      assert.match(other.body.Details, /rf_same/);
      await tbank('Cancel', { PaymentId: paymentId, ExternalRequestId: 'rf_rest' });
      const late = await tbank('Cancel', { PaymentId: paymentId, Amount: 10000, ExternalRequestId: 'rf_same' });
      assert.deepEqual([late.body.Status, late.body.OriginalAmount, late.body.NewAmount], ['REFUNDED', 149900, 139900], 'the current state of the payment; the operation\'s amounts');
      assert.deepEqual(returned(paymentId), [[10000n, 'PARTIAL_REFUNDED', 'rf_same'], [139900n, 'REFUNDED', 'rf_rest']]);
    });

    it('given a two-stage payment AUTHORIZED, when cancelled in part then in full, then PARTIAL_REVERSED then REVERSED (the hold released)', async () => {
      const { body } = await init({ PayType: 'T' });
      await sandbox.pay('tbank', body.PaymentId);
      assert.equal((await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 49900, ExternalRequestId: 'rv_1' })).body.Status, 'PARTIAL_REVERSED');
      assert.equal((await tbank('Cancel', { PaymentId: body.PaymentId, ExternalRequestId: 'rv_2' })).body.Status, 'REVERSED');
      assert.deepEqual(returned(body.PaymentId), [[49900n, 'PARTIAL_REVERSED', 'rv_1'], [100000n, 'REVERSED', 'rv_2']]);
    });

    it('given a NEW payment, when cancelled with an Amount, then CANCELED in full (Amount ignored) and no refund is listed', async () => {
      const { body } = await init();
      const res = await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 100, ExternalRequestId: 'c_new' });
      assert.deepEqual([res.body.Status, res.body.NewAmount], ['CANCELED', 0]);
      assert.deepEqual(returned(body.PaymentId), []);
    });

    it('given a pending fault, then REFUNDING (ASYNC_REFUNDING for SBP) and its part held: a repeat answers it, another Cancel meanwhile is "8"; when decided, PARTIAL_REFUNDED and its notification', async () => {
      const { body } = await init();
      await tbank('GetQr', { PaymentId: body.PaymentId });
      await sandbox.pay('tbank', body.PaymentId);
      const injected = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ provider: 'tbank', operation: 'Cancel', kind: 'pending', pendingMs: 60_000 }) });
      assert.equal(injected.status, 204);
      const held = await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 100000, ExternalRequestId: 'rf_slow' });
      assert.deepEqual([held.body.Success, held.body.Status, held.body.NewAmount], [true, 'ASYNC_REFUNDING', 49900]);
      assert.equal((await state(body.PaymentId)).Status, 'ASYNC_REFUNDING');
      assert.equal((await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 100000, ExternalRequestId: 'rf_slow' })).body.Status, 'ASYNC_REFUNDING');
      assert.equal((await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 100, ExternalRequestId: 'rf_meanwhile' })).body.ErrorCode, '8');
      assert.deepEqual(notesFor(body.PaymentId).map((n) => n.Status), ['CONFIRMED']);
      clock = new Date(clock.getTime() + 60_000);
      const decided = await tbank('Cancel', { PaymentId: body.PaymentId, Amount: 100000, ExternalRequestId: 'rf_slow' });
      assert.deepEqual([decided.body.Status, decided.body.NewAmount], ['PARTIAL_REFUNDED', 49900]);
      await eventually(async () => notesFor(body.PaymentId).length === 2);
      assert.deepEqual(notesFor(body.PaymentId).map((n) => [n.Status, n.Amount]), [['CONFIRMED', 149900], ['PARTIAL_REFUNDED', 149900]]);
      assert.deepEqual(returned(body.PaymentId), [[100000n, 'PARTIAL_REFUNDED', 'rf_slow']]);
    });

    it('given a canceled fault, then REFUNDING, then turned down: the repeat is Success false with the ErrorCode, the payment is CONFIRMED again with all its money', async () => {
      const paymentId = await paid();
      sandbox.injectFault({ provider: 'tbank', operation: 'Cancel', kind: 'canceled', pendingMs: 1000 });
      const held = await tbank('Cancel', { PaymentId: paymentId, Amount: 149900, ExternalRequestId: 'rf_turned_down' });
      assert.deepEqual([held.body.Success, held.body.Status], [true, 'REFUNDING']);
      clock = new Date(clock.getTime() + 1000);
      const repeat = await tbank('Cancel', { PaymentId: paymentId, Amount: 149900, ExternalRequestId: 'rf_turned_down' });
      assert.deepEqual([repeat.status, repeat.body.Success, repeat.body.ErrorCode, repeat.body.Message], [200, false, '11', 'Невозможно провести операцию']);
      assert.equal((await state(paymentId)).Status, 'CONFIRMED');
      assert.deepEqual(returned(paymentId), [[149900n, 'REJECTED', 'rf_turned_down']]);
      sandbox.injectFault({ provider: 'tbank', operation: 'Cancel', kind: 'canceled', errorCode: '1051', message: 'Недостаточно средств' });
      const atOnce = await tbank('Cancel', { PaymentId: paymentId, Amount: 100, ExternalRequestId: 'rf_at_once' });
      assert.deepEqual([atOnce.body.Success, atOnce.body.ErrorCode, atOnce.body.Message], [false, '1051', 'Недостаточно средств']);
      assert.equal((await tbank('Cancel', { PaymentId: paymentId, Amount: 149900, ExternalRequestId: 'rf_anew' })).body.Status, 'REFUNDED');
    });

    it('given a timeout fault on a refund, when the client gives up, then it was carried out; the repeat answers it and the money left once', async () => {
      const paymentId = await paid();
      sandbox.injectFault({ provider: 'tbank', operation: 'Cancel', kind: 'timeout' });
      await assert.rejects(tbank('Cancel', { PaymentId: paymentId, Amount: 149900, ExternalRequestId: 'rf_lost' }, { signal: AbortSignal.timeout(300) }), /abort|timeout/i);
      assert.deepEqual(returned(paymentId), [[149900n, 'REFUNDED', 'rf_lost']]);
      const again = await tbank('Cancel', { PaymentId: paymentId, Amount: 149900, ExternalRequestId: 'rf_lost' });
      assert.deepEqual([again.body.Success, again.body.Status], [true, 'REFUNDED']);
      assert.equal(returned(paymentId).length, 1);
    }).timeout(60_000);

    it('given an http500 fault on a refund, then nothing is done; the repeat refunds once', async () => {
      const paymentId = await paid();
      sandbox.injectFault({ provider: 'tbank', operation: 'Cancel', kind: 'http500' });
      assert.equal((await tbank('Cancel', { PaymentId: paymentId, Amount: 100, ExternalRequestId: 'rf_500' })).status, 500);
      assert.deepEqual(returned(paymentId), []);
      assert.equal((await tbank('Cancel', { PaymentId: paymentId, Amount: 100, ExternalRequestId: 'rf_500' })).body.Status, 'PARTIAL_REFUNDED');
      assert.equal(returned(paymentId).length, 1);
    });

    it('given refunds, when GET /sandbox/tbank/payments/{id}/refunds, then each once with its amount, status and ExternalRequestId; a refund fault on another method is refused', async () => {
      const paymentId = await paid();
      await tbank('Cancel', { PaymentId: paymentId, Amount: 1234, ExternalRequestId: 'rf_control' });
      const res = await fetch(`${sandbox.url}/sandbox/tbank/payments/${paymentId}/refunds`);
      const [listed] = (await res.json()) as Record<string, unknown>[];
      assert.deepEqual({ ...listed, createdAt: undefined }, { id: `${paymentId}-1`, paymentId, status: 'PARTIAL_REFUNDED', amountMinor: '1234', refundId: 'rf_control', createdAt: undefined });
      assert.equal((await fetch(`${sandbox.url}/sandbox/tbank/payments/1/refunds`)).status, 404);
      assert.equal((await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ provider: 'tbank', operation: 'Init', kind: 'pending' }) })).status, 400);
    });
  });

  describe('faults on demand', () => {
    it('given an error fault on Init, when called, then that ErrorCode and Message, and no payment; the next Init works', async () => {
      sandbox.injectFault({ provider: 'tbank', operation: 'Init', kind: 'error', errorCode: '99', message: 'Попробуйте позже' });
      const failed = await init({ OrderId: 'tx_fault' });
      assert.deepEqual([failed.status, failed.body.Success, failed.body.ErrorCode, failed.body.Message], [200, false, '99', 'Попробуйте позже']);
      assert.deepEqual((await tbank('CheckOrder', { OrderId: 'tx_fault' })).body.Payments, []);
      assert.equal((await init({ OrderId: 'tx_fault' })).body.Success, true);
    });

    it('given an http500 fault on GetState (over POST /sandbox/faults), when called, then HTTP 500 once', async () => {
      const { body } = await init();
      const injected = await fetch(`${sandbox.url}/sandbox/faults`, { method: 'POST', body: JSON.stringify({ provider: 'tbank', operation: 'GetState', kind: 'http500' }) });
      assert.equal(injected.status, 204);
      assert.equal((await tbank('GetState', { PaymentId: body.PaymentId })).status, 500);
      assert.equal((await tbank('GetState', { PaymentId: body.PaymentId })).status, 200);
    });

    it('given a timeout fault on Init, when the client gives up, then the payment exists anyway and CheckOrder finds it', async () => {
      sandbox.injectFault({ provider: 'tbank', operation: 'Init', kind: 'timeout' });
      await assert.rejects(tbank('Init', { Amount: 149900, OrderId: 'tx_lost_reply' }, { signal: AbortSignal.timeout(300) }), /abort|timeout/i);
      const order = await tbank('CheckOrder', { OrderId: 'tx_lost_reply' });
      assert.deepEqual(order.body.Payments.map((p: { Status: string }) => p.Status), ['NEW']);
    });
  });
});
