import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { OptimisticCertificateDecisions } from '../../../commands/gift-certificates/certificate-decisions.js';
import { streamOfPool } from '../../../domain/gift-certificates/certificate-pool.js';
import { streamOfMessage } from '../../../domain/gift-certificates/channel-messages.js';
import { streamOfCertificate } from '../../../domain/gift-certificates/gift-certificate.js';
import { ManualClock } from '../../../platform/clock.js';
import { storedEventsText } from '../../support/event-log-under-test.js';
import { openTestDatabase } from '../../support/test-database.js';
import { channel, eventually, loadedBatch, operator, startGcp } from './gcp-harness.js';

/**
 * G-3, G-5, G-6 over HTTP: the channels post their All_SalesOrder / All_Payments / All_Clients
 * messages, the order-matching saga pairs an order with its payment (in either order, however
 * often they come) and the certificate's stream — its ledger — shows what came of it.
 */
describe('gift certificates: channel messages and order matching over HTTP (G-3, G-5, G-6, G-8)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  let reserver: string;
  let shop: string;
  let psp: string;
  let crm: string;
  let sequence = 0;

  before(async () => {
    database = await openTestDatabase();
    system = await startGcp({ database, clock });
    reserver = await channel('web-shop', ['gcp:reserve']);
    shop = await channel('web-shop', ['gcp:orders']);
    psp = await channel('psp', ['gcp:payments']);
    crm = await channel('crm', ['gcp:clients']);
    await loadedBatch(system.api, await operator(), { batch_id: 'om-1000', count: 40, nominal: '1000', currency: 'RUB', valid_days: 365 });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const occurredAt = () => clock.now().toISOString();
  const reserve = async (channelName = 'web') => {
    const answer = await request(system.api).get('/certificates/next').query({ channel: channelName, nominal: '1000', currency: 'RUB', request_id: `om-${++sequence}` }).set('Authorization', reserver).expect(200);
    return answer.body as { id: string; number: string };
  };
  const purchase = (orderId: string, certificateId: string, extra: Record<string, unknown> = {}) => ({
    message_id: `so-${orderId}`,
    order_id: orderId,
    kind: 'certificate_purchase',
    certificate_id: certificateId,
    amount: '1000.00',
    currency: 'RUB',
    channel: 'web',
    notification_channel: 'email',
    client_id: 'client-7',
    occurred_at: occurredAt(),
    ...extra,
  });
  const payment = (orderId: string, extra: Record<string, unknown> = {}) => ({
    message_id: `pay-${orderId}`,
    payment_id: `p-${orderId}`,
    order_id: orderId,
    kind: 'authorization',
    amount: '1000.00',
    currency: 'RUB',
    method: 'card',
    occurred_at: occurredAt(),
    ...extra,
  });
  const postOrder = (body: unknown, token = shop) => request(system.api).post('/channels/sales-orders').set('Authorization', token).send(body as object);
  const postPayment = (body: unknown, token = psp) => request(system.api).post('/channels/payments').set('Authorization', token).send(body as object);
  const ledger = async (certificateId: string) => system.dependencies.store.readStream(streamOfCertificate(certificateId));
  const types = async (certificateId: string) => (await ledger(certificateId)).map((e) => e.type);
  const untilLedger = (certificateId: string, type: string) => eventually(async () => ((await types(certificateId)).includes(type) ? types(certificateId) : undefined));
  const poolEvents = async (type: string, certificateId: string) =>
    (await system.dependencies.store.readStream(streamOfPool('1000.00', 'RUB'))).filter((e) => e.type === type && (e.data as { certificateId: string }).certificateId === certificateId);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  /** A certificate issued through the whole flow (reserve, order, authorization). */
  const issued = async (orderId: string) => {
    const certificate = await reserve();
    await postOrder(purchase(orderId, certificate.id)).expect(202);
    await postPayment(payment(orderId)).expect(202);
    await untilLedger(certificate.id, 'CertificateNotificationRequested');
    return certificate;
  };

  describe('issue (G-3)', () => {
    it('given a reserved certificate, when the order and then its payment authorization arrive, then it is ISSUED and then NOTIFICATION_REQUESTED, and its reservation is issued', async () => {
      const certificate = await reserve();
      const order = await postOrder(purchase('o-1', certificate.id)).expect(202);
      assert.deepEqual(order.body, { message_id: 'so-o-1', duplicate: false });
      await settle();
      assert.deepEqual(await types(certificate.id), [], 'an order alone issues nothing');
      await postPayment(payment('o-1')).expect(202);
      assert.deepEqual(await untilLedger(certificate.id, 'CertificateNotificationRequested'), ['CertificateIssued', 'CertificateNotificationRequested']);
      const [issuedEvent, requested] = await ledger(certificate.id);
      assert.deepEqual(
        { ...(issuedEvent!.data as Record<string, unknown>), issuedAt: undefined, expiresAt: undefined },
        { certificateId: certificate.id, number: certificate.number, nominal: '1000.00', currency: 'RUB', channel: 'web', orderId: 'o-1', paymentId: 'p-o-1', clientId: 'client-7', issuedAt: undefined, expiresAt: undefined, by: 'system:gcp-order-matching' },
      );
      assert.equal((requested!.data as { notificationChannel: string }).notificationChannel, 'email');
      assert.equal(requested!.metadata.correlationId, order.headers['x-correlation-id'] ?? requested!.metadata.correlationId);
      assert.equal((await poolEvents('ReservationIssued', certificate.id)).length, 1);
    });

    it('given a reserved certificate, when the payment arrives before the order, then it is issued just the same', async () => {
      const certificate = await reserve();
      await postPayment(payment('o-2')).expect(202);
      await settle();
      assert.deepEqual(await types(certificate.id), []);
      await postOrder(purchase('o-2', certificate.id)).expect(202);
      assert.deepEqual(await untilLedger(certificate.id, 'CertificateNotificationRequested'), ['CertificateIssued', 'CertificateNotificationRequested']);
    });

    it('given a certificate named by its number, then the order resolves it and it is issued', async () => {
      const certificate = await reserve();
      const { certificate_id: _id, ...byNumber } = purchase('o-3', certificate.id);
      await postOrder({ ...byNumber, certificate_number: certificate.number.toLowerCase() }).expect(202);
      await postPayment(payment('o-3')).expect(202);
      await untilLedger(certificate.id, 'CertificateIssued');
    });

    it('given an issued certificate, when its reservation TTL passes, then it does not return to the pool', async () => {
      const certificate = await issued('o-4');
      clock.advance(31 * 60_000);
      await settle();
      await settle();
      assert.equal((await poolEvents('ReservationReleased', certificate.id)).length, 0, 'an issued reservation never lapses');
    });

    it('given the same message id sent again with the same body, then 202 duplicate: true; with another body, 409 gcp.message_conflict', async () => {
      const certificate = await reserve();
      const order = purchase('o-6', certificate.id);
      const pay = payment('o-6');
      await postOrder(order).expect(202);
      await postPayment(pay).expect(202);
      await untilLedger(certificate.id, 'CertificateNotificationRequested');
      const before = await ledger(certificate.id);
      // the same bodies, keys in another order, at once and again
      const reordered = Object.fromEntries(Object.entries(order).reverse());
      const repeats = await Promise.all([postOrder(order), postOrder(reordered), postPayment(pay), postPayment(pay)]);
      for (const repeat of repeats) assert.deepEqual([repeat.status, repeat.body.duplicate], [202, true], JSON.stringify(repeat.body));
      const conflict = await postOrder({ ...order, amount: '999.00' }).expect(409);
      assert.equal(conflict.body.code, 'gcp.message_conflict');
      assert.equal((await postPayment({ ...pay, kind: 'capture' }).expect(409)).body.code, 'gcp.message_conflict');
      await settle();
      assert.equal((await ledger(certificate.id)).length, before.length);
      assert.equal((await system.dependencies.store.readStream(streamOfMessage('All_SalesOrder', 'web-shop', 'so-o-6'))).length, 1);
      assert.equal((await system.dependencies.store.readStream(streamOfMessage('All_Payments', 'psp', 'pay-o-6'))).length, 1);
    });

    for (const [name, messages] of [
      ['payment, order, payment again, order again', ['payment', 'order', 'payment', 'order']],
      ['order, the order resent under a new message id, payment, the payment resent under a new message id', ['order', 'order-resent', 'payment', 'payment-resent']],
    ] as const) {
      it(`given the messages in the order ${name}, then it is issued exactly once`, async () => {
        const orderId = `perm-${name.length}-${messages.length}`;
        const certificate = await reserve();
        for (const message of messages) {
          if (message === 'order') await postOrder(purchase(orderId, certificate.id)).expect(202);
          if (message === 'order-resent') await postOrder(purchase(orderId, certificate.id, { message_id: `so-${orderId}-again` })).expect(202);
          if (message === 'payment') await postPayment(payment(orderId)).expect(202);
          if (message === 'payment-resent') await postPayment(payment(orderId, { message_id: `pay-${orderId}-again` })).expect(202);
        }
        await untilLedger(certificate.id, 'CertificateNotificationRequested');
        await settle();
        assert.deepEqual(await types(certificate.id), ['CertificateIssued', 'CertificateNotificationRequested']);
        assert.equal((await poolEvents('ReservationIssued', certificate.id)).length, 1);
      });
    }

    it('given a payment of another amount than the order, then nothing is issued and the certificate shows CertificateIssueRefused with the reason', async () => {
      const certificate = await reserve();
      await postOrder(purchase('o-7', certificate.id)).expect(202);
      await postPayment(payment('o-7', { amount: '900' })).expect(202);
      await untilLedger(certificate.id, 'CertificateIssueRefused');
      const events = await ledger(certificate.id);
      assert.deepEqual(events.map((e) => e.type), ['CertificateIssueRefused']);
      assert.equal((events[0]!.data as { reason: string }).reason, 'payment 900.00 RUB differs from order 1000.00 RUB');
      assert.equal((await poolEvents('ReservationIssued', certificate.id)).length, 0);
    });

    it('given an order of another amount than the certificate’s nominal, then it is refused with the reason', async () => {
      const certificate = await reserve();
      await postOrder(purchase('o-8', certificate.id, { amount: '500' })).expect(202);
      await postPayment(payment('o-8', { amount: '500.00' })).expect(202);
      await untilLedger(certificate.id, 'CertificateIssueRefused');
      assert.equal(((await ledger(certificate.id))[0]!.data as { reason: string }).reason, "order 500.00 RUB differs from the certificate's nominal 1000.00 RUB");
    });

    it('given an order from another channel than the one that reserved, then it is refused with the reason', async () => {
      const certificate = await reserve('web');
      await postOrder(purchase('o-9', certificate.id, { channel: 'pos-3' })).expect(202);
      await postPayment(payment('o-9')).expect(202);
      await untilLedger(certificate.id, 'CertificateIssueRefused');
      assert.match(((await ledger(certificate.id))[0]!.data as { reason: string }).reason, /reserved by channel web, not pos-3/);
    });

    it('given a reservation that lapsed (past GCP_RESERVATION_TTL_MINUTES), when the order and payment arrive, then it is refused: the reservation lapsed', async () => {
      const certificate = await reserve();
      clock.advance(31 * 60_000);
      await eventually(async () => (await poolEvents('ReservationReleased', certificate.id)).length === 1);
      await postOrder(purchase('o-10', certificate.id)).expect(202);
      await postPayment(payment('o-10')).expect(202);
      await untilLedger(certificate.id, 'CertificateIssueRefused');
      assert.deepEqual(await types(certificate.id), ['CertificateIssueRefused']);
      assert.match(((await ledger(certificate.id))[0]!.data as { reason: string }).reason, /reservation lapsed/);
    });
  });

  describe('redemption by messages (G-5)', () => {
    const redemption = (orderId: string, number: string, amount: string) => ({
      message_id: `so-${orderId}`,
      order_id: orderId,
      kind: 'certificate_redemption',
      certificate_number: number,
      amount,
      currency: 'RUB',
      channel: 'pos-1',
      occurred_at: occurredAt(),
    });
    const capture = (orderId: string, amount: string, kind = 'capture') => payment(orderId, { kind, amount });

    it('given an issued certificate, when a redemption order and its capture arrive, then the amount is redeemed; a capture of another amount is RedemptionRefused with the reason', async () => {
      const certificate = await issued('o-r1');
      await postPayment(capture('r-1', '250.50')).expect(202);
      await postOrder(redemption('r-1', certificate.number, '250.50')).expect(202);
      await untilLedger(certificate.id, 'CertificateRedeemed');
      const redeemed = (await ledger(certificate.id)).find((e) => e.type === 'CertificateRedeemed')!.data as Record<string, unknown>;
      assert.deepEqual([redeemed.orderId, redeemed.paymentId, redeemed.amount, redeemed.remainingBalance, redeemed.status, redeemed.holdId], ['r-1', 'p-r-1', '250.50', '749.50', 'PARTIALLY_REDEEMED', null]);
      await postOrder(redemption('r-2', certificate.number, '100.00')).expect(202);
      await postPayment(capture('r-2', '90.00')).expect(202);
      await untilLedger(certificate.id, 'RedemptionRefused');
      const refused = (await ledger(certificate.id)).find((e) => e.type === 'RedemptionRefused')!.data as Record<string, unknown>;
      assert.deepEqual([refused.orderId, refused.reason], ['r-2', 'payment 90.00 RUB differs from order 100.00 RUB']);
      // more than is left: refused by the ledger
      await postOrder(redemption('r-3', certificate.number, '800')).expect(202);
      await postPayment(capture('r-3', '800')).expect(202);
      await eventually(async () => (await ledger(certificate.id)).filter((e) => e.type === 'RedemptionRefused').length === 2);
      const last = (await ledger(certificate.id)).at(-1)!.data as { reason: string };
      assert.match(last.reason, /only 749.50 RUB can be spent/);
    });

    it('given a POS hold for the order, then the capture takes the hold; a void payment of another order releases its hold ("payment voided")', async () => {
      const certificate = await issued('o-r2');
      const decisions = new OptimisticCertificateDecisions(system.dependencies.store);
      const now = clock.now();
      assert.equal((await decisions.decide({ certificateId: certificate.id, command: { type: 'HandOutCvc', cvcHash: 'h', now, by: 'test' } }))._tag, 'Right');
      for (const [holdId, orderId] of [['hold-a', 'r-10'], ['hold-b', 'r-11']]) {
        const held = await decisions.decide({ certificateId: certificate.id, command: { type: 'HoldRedemption', holdId: holdId!, orderId: orderId!, amount: '100', cvcHash: 'h', heldUntil: new Date(now.getTime() + 900_000).toISOString(), maxCvcFailures: 5, now, by: 'test' } });
        assert.equal(held._tag, 'Right');
      }
      await postOrder(redemption('r-10', certificate.number, '100')).expect(202);
      await postPayment(capture('r-10', '100')).expect(202);
      await postOrder(redemption('r-11', certificate.number, '100')).expect(202);
      await postPayment(capture('r-11', '100', 'void')).expect(202);
      await untilLedger(certificate.id, 'RedemptionReleased');
      await untilLedger(certificate.id, 'CertificateRedeemed');
      const events = await ledger(certificate.id);
      const redeemed = events.find((e) => e.type === 'CertificateRedeemed')!.data as Record<string, unknown>;
      assert.deepEqual([redeemed.holdId, redeemed.remainingBalance], ['hold-a', '900.00']);
      const released = events.find((e) => e.type === 'RedemptionReleased')!.data as Record<string, unknown>;
      assert.deepEqual([released.holdId, released.reason, released.availableBalance], ['hold-b', 'payment voided', '900.00']);
      assert.equal((await decisions.current(certificate.id)).holds.size, 0);
    });
  });

  describe('refund (G-6)', () => {
    const refund = (orderId: string, certificateId: string, bank?: Record<string, string>) => ({
      message_id: `so-${orderId}`,
      order_id: orderId,
      kind: 'certificate_refund',
      certificate_id: certificateId,
      amount: '1000.00',
      currency: 'RUB',
      channel: 'web',
      ...(bank ? { bank_details: bank } : {}),
      occurred_at: occurredAt(),
    });

    it('given a refund order with bank details, then REFUND_PENDING, and its refund payment makes it REFUNDED; the bank details are kept sealed', async () => {
      const certificate = await issued('o-f1');
      await postOrder(refund('f-1', certificate.id, { account_number: '40817810099910004312', bik: '044525225', holder_name: 'Ivan Petrov' })).expect(202);
      await untilLedger(certificate.id, 'CertificateRefundRequested');
      const requested = (await ledger(certificate.id)).find((e) => e.type === 'CertificateRefundRequested')!.data as Record<string, unknown>;
      assert.deepEqual([requested.status, requested.refundId, requested.amount], ['REFUND_PENDING', 'order:f-1', '1000.00']);
      assert.deepEqual(JSON.parse(requested.bankDetails as string), { account_number: '40817810099910004312', bik: '044525225', holder_name: 'Ivan Petrov' });
      const stored = await storedEventsText(database, { streamNames: [streamOfCertificate(certificate.id), streamOfMessage('All_SalesOrder', 'web-shop', 'so-f-1')] });
      assert.equal(stored.length, 5);
      for (const row of stored) assert.ok(!row.data.includes('40817810099910004312') && !row.data.includes('Ivan'), `sealed in the log: ${row.data}`);
      await postPayment(payment('f-1', { kind: 'refund' })).expect(202);
      await untilLedger(certificate.id, 'CertificateRefunded');
      const { rows: sagaRows } = await sql<{ state: string }>`select state::text as state from saga_state`.execute(database.db);
      assert.ok(!sagaRows.some((row) => row.state.includes('40817810099910004312')), 'no bank account in the saga state');
      const { rows: outbox } = await sql<{ payload: string }>`select payload::text as payload from outbox`.execute(database.db);
      assert.ok(!outbox.some((row) => row.payload.includes('40817810099910004312')), 'no bank account in the outbox');
    });

    it('given a refund order without bank details, then REFUND_PENDING_DETAILS', async () => {
      const certificate = await issued('o-f2');
      await postOrder(refund('f-2', certificate.id)).expect(202);
      await untilLedger(certificate.id, 'CertificateRefundRequested');
      assert.equal(((await ledger(certificate.id)).find((e) => e.type === 'CertificateRefundRequested')!.data as { status: string }).status, 'REFUND_PENDING_DETAILS');
    });
  });

  describe('clients (G-8)', () => {
    it('given a CRM message of a client, then it is recorded once; a repeat is a duplicate', async () => {
      const body = { message_id: 'c-1', client_id: 'client-7', name: 'Anna', email: 'anna@example.com', phone: '+7 999 123-45-67', consent: true, occurred_at: occurredAt() };
      assert.deepEqual((await request(system.api).post('/channels/clients').set('Authorization', crm).send(body).expect(202)).body, { message_id: 'c-1', duplicate: false });
      assert.deepEqual((await request(system.api).post('/channels/clients').set('Authorization', crm).send(body).expect(202)).body, { message_id: 'c-1', duplicate: true });
      const [event] = await system.dependencies.store.readStream(streamOfMessage('All_Clients', 'crm', 'c-1'));
      assert.deepEqual([event!.type, (event!.data as { email: string }).email], ['ClientReceived', 'anna@example.com']);
    });
  });

  describe('refusals of the ingestion routes', () => {
    it('given a body with a field missing, malformed or unknown, then 400 naming the field', async () => {
      const certificate = await reserve();
      const good = purchase('o-bad', certificate.id);
      const cases: [Record<string, unknown>, string][] = [
        [{ ...good, amount: undefined }, 'amount'],
        [{ ...good, amount: '10.001' }, 'amount'],
        [{ ...good, amount: '-1' }, 'amount'],
        [{ ...good, amount: 10.5 }, 'amount'],
        [{ ...good, amount: '0' }, 'amount'],
        [{ ...good, currency: 'rub' }, 'currency'],
        [{ ...good, occurred_at: '2026-02-30T10:00:00Z' }, 'occurred_at'],
        [{ ...good, occurred_at: '2026-05-01 10:00' }, 'occurred_at'],
        [{ ...good, message_id: 'has space' }, 'message_id'],
        [{ ...good, message_id: 'x'.repeat(101) }, 'message_id'],
        [{ ...good, kind: 'certificate_gift' }, 'kind'],
        [{ ...good, order_id: undefined }, 'order_id'],
        [{ ...good, ammount: '1000.00' }, 'ammount'],
        [{ ...good, certificate_number: certificate.number }, 'certificate_id'],
        [{ ...good, certificate_id: undefined }, 'certificate_id'],
        [{ ...good, notification_channel: undefined }, 'notification_channel'],
        [{ ...good, bank_details: { account_number: '1', bik: '2', holder_name: 'x' } }, 'bank_details'],
        [{ ...good, kind: 'certificate_refund', bank_details: { account_number: '1', bik: '2' } }, 'bank_details.holder_name'],
      ];
      for (const [body, field] of cases) {
        const answer = await postOrder(body);
        assert.equal(answer.status, 400, `${field}: ${JSON.stringify(answer.body)}`);
        assert.match(answer.headers['content-type'] ?? '', /problem\+json/);
        assert.ok(JSON.stringify(answer.body).includes(`"${field}"`), `${field} is named: ${JSON.stringify(answer.body)}`);
      }
      for (const [body, field] of [
        [{ ...payment('o-bad'), amount: '10.001' }, 'amount'],
        [{ ...payment('o-bad'), kind: 'chargeback' }, 'kind'],
        [{ ...payment('o-bad'), payment_id: undefined }, 'payment_id'],
      ] as [Record<string, unknown>, string][]) {
        const answer = await postPayment(body);
        assert.equal(answer.status, 400);
        assert.ok(JSON.stringify(answer.body).includes(`"${field}"`), JSON.stringify(answer.body));
      }
      const client = await request(system.api).post('/channels/clients').set('Authorization', crm).send({ message_id: 'c-bad', client_id: 'c', email: 'not-an-email', occurred_at: occurredAt() }).expect(400);
      assert.ok(JSON.stringify(client.body).includes('"email"'));
    });

    it('given an unknown certificate, then 422 gcp.unknown_certificate', async () => {
      const answer = await postOrder(purchase('o-unknown', 'no-such-certificate')).expect(422);
      assert.equal(answer.body.code, 'gcp.unknown_certificate');
      const byNumber = { ...purchase('o-unknown-2', 'x'), certificate_id: undefined, certificate_number: 'NOPE-0000' };
      assert.equal((await postOrder(byNumber).expect(422)).body.code, 'gcp.unknown_certificate');
    });

    it('given the wrong scope, then 403; given no token, then 401', async () => {
      const certificate = await reserve();
      await postOrder(purchase('o-scope', certificate.id), psp).expect(403);
      await postOrder(purchase('o-scope', certificate.id), reserver).expect(403);
      await postPayment(payment('o-scope'), shop).expect(403);
      await request(system.api).post('/channels/clients').set('Authorization', psp).send({ message_id: 'c-2', client_id: 'c', occurred_at: occurredAt() }).expect(403);
      await request(system.api).post('/channels/sales-orders').send(purchase('o-scope', certificate.id)).expect(401);
      await request(system.api).post('/channels/payments').send(payment('o-scope')).expect(401);
      await request(system.api).post('/channels/clients').send({ message_id: 'c-2', client_id: 'c', occurred_at: occurredAt() }).expect(401);
    });
  });
});
