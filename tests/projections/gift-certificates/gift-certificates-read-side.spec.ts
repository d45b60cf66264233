import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import type { GiftCertificateCommand } from '../../../domain/gift-certificates/gift-certificate.js';
import { certificateProjection } from '../../../projections/gift-certificates/certificate-projection.js';
import { channelMessageProjection } from '../../../projections/gift-certificates/channel-message-projection.js';
import { replayProjection } from '../../../projections/replay.js';
import { ManualClock } from '../../../platform/clock.js';
import { schemaViolations, type Schema } from '../../support/json-schema-check.js';
import { openTestDatabase } from '../../support/test-database.js';
import { asBiReader, ledgerDriver, serviceToken, startReadSide, userToken } from './read-side-harness.js';

const CVC_HASH = 'cvc-hash-4f1d9e0c';
const IBAN = 'DE89370400440532013000';
const CLIENT = { name: 'Ivan Petrov', email: 'ivan.petrov@example.com', phone: '+79001234567' };
const NUMBERS = { c1: 'GCREADSIDE000001', c2: 'GCREADSIDE000002', c3: 'GCREADSIDE000003', c4: 'GCREADSIDE000004', e1: 'GCREADSIDE000050' };

/**
 * The gift-certificate read side (G-1, G-7, G-8): the read model and audit, the BI tables,
 * GiftCertificates.Stream — fed by the real deciders and codecs straight into the log.
 */
describe('gift certificates read side: read model, audit, BI tables and GiftCertificates.Stream', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date('2026-03-01T10:00:00.000Z'));
  const expiresAt = '2027-03-01T00:00:00.000Z';
  let support: string;
  let document: Schema;

  const at = () => clock.now();
  const step = (ms = 1_000) => clock.advance(ms);
  const issue = (certificateId: string, number: string, channel: string, orderId: string): GiftCertificateCommand => ({
    type: 'IssueCertificate',
    certificateId,
    number,
    nominal: '1000.00',
    currency: 'RUB',
    channel,
    expiresAt,
    orderId,
    paymentId: `pay-${orderId}`,
    clientId: 'client-77',
    notificationChannel: 'email',
    correlationId: `corr-${orderId}`,
    now: at(),
    by: 'system:gcp-order-matching',
  });

  before(async () => {
    database = await openTestDatabase();
    system = await startReadSide({ database, clock });
    support = await userToken('support-1', ['gift_support']);
    document = (await request(system.api).get('/openapi.json').expect(200)).body;
    const log = ledgerDriver(system, clock);
    const rub = (id: string, number: string) => ({ certificateId: id, number, expiresAt });
    await log.load('batch-rs-1', '1000.00', 'RUB', [rub('c-1', NUMBERS.c1), rub('c-2', NUMBERS.c2), rub('c-3', NUMBERS.c3), rub('c-4', NUMBERS.c4)]);
    await log.load('batch-rs-2', '50.00', 'EUR', [{ certificateId: 'e-1', number: NUMBERS.e1, expiresAt }]);
    step();
    const reserve = (requestId: string, channel: string, nominal = '1000.00', currency = 'RUB') =>
      log.pool(nominal, currency, { type: 'ReserveCertificate', requestId, channel, nominal, currency, ttlMinutes: 30, now: at() }, `service:${requestId.split(':')[0]}`);
    await reserve('web-shop:order-1', 'web');
    await reserve('pos-7:order-2', 'pos');
    await reserve('pos-7:order-3', 'pos');
    await reserve('web-shop:order-4', 'web');
    await reserve('pos-7:order-9', 'pos', '50.00', 'EUR');
    const exhausted = await reserve('pos-7:order-10', 'pos', '50.00', 'EUR');
    assert.equal(exhausted._tag, 'Left', 'the EUR pool ran dry');
    step();
    await log.pool('1000.00', 'RUB', { type: 'ConfirmReservation', certificateId: 'c-1', channel: 'web', now: at() }, 'system:gcp-order-matching');

    // c-1: ISSUED → NOTIFICATION_REQUESTED → NOTIFICATION_SENT → PARTIALLY_REDEEMED → LOCKED → PARTIALLY_REDEEMED → REDEEMED
    await log.certificate('c-1', issue('c-1', NUMBERS.c1, 'web', 'o-1'));
    step();
    await log.certificate('c-1', { type: 'HandOutCvc', cvcHash: CVC_HASH, now: at(), by: 'service:crm' });
    await log.certificate('c-1', { type: 'RecordNotification', outcome: 'sent', now: at(), by: 'service:crm' });
    step();
    await log.certificate('c-1', { type: 'HoldRedemption', holdId: 'h-1', orderId: 'r-1', amount: '300', cvcHash: CVC_HASH, heldUntil: new Date(at().getTime() + 900_000).toISOString(), maxCvcFailures: 5, now: at(), by: 'service:pos-7' });
    step();
    await log.certificate('c-1', { type: 'RedeemCertificate', orderId: 'r-1', paymentId: 'pay-r-1', amount: '300', now: at(), by: 'system:gcp-order-matching' });
    step();
    await log.certificate('c-1', { type: 'LockCertificate', reason: 'suspicious activity', now: at(), by: 'user:support-1' });
    step();
    await log.certificate('c-1', { type: 'UnlockCertificate', reason: 'checked with the buyer', now: at(), by: 'user:support-1' });
    step();
    await log.certificate('c-1', { type: 'RedeemCertificate', orderId: 'r-2', paymentId: 'pay-r-2', amount: '700', now: at(), by: 'system:gcp-order-matching' });

    // c-2: issued, redeemed in part, then expired with 900.00 unredeemed
    await log.certificate('c-2', issue('c-2', NUMBERS.c2, 'pos', 'o-2'));
    await log.certificate('c-2', { type: 'HandOutCvc', cvcHash: 'other-hash', now: at(), by: 'service:crm' });
    await log.certificate('c-2', { type: 'RedeemCertificate', orderId: 'r-3', paymentId: 'pay-r-3', amount: '100', now: at(), by: 'system:gcp-order-matching' });
    await log.certificate('c-2', { type: 'HoldRedemption', holdId: 'h-2', orderId: 'r-4', amount: '50', cvcHash: 'other-hash', heldUntil: new Date(at().getTime() + 900_000).toISOString(), maxCvcFailures: 5, now: at(), by: 'service:pos-7' });
    await log.certificate('c-2', { type: 'ExpireCertificate', now: new Date('2027-03-02T00:00:00.000Z'), by: 'system:gcp-expiry' });

    // c-3: order and payment disagreed: nothing issued, the reason visible
    await log.certificate('c-3', { type: 'RefuseIssue', orderId: 'o-3', reason: 'the payment of 900.00 differs from the order of 1000.00', now: at(), by: 'system:gcp-order-matching' });

    // c-4: refunded; the bank details came later (sealed in the log, nowhere in the read side)
    await log.certificate('c-4', issue('c-4', NUMBERS.c4, 'web', 'o-4'));
    step();
    await log.certificate('c-4', { type: 'RequestRefund', refundId: 'rf-1', orderId: 'o-4r', bankDetails: null, now: at(), by: 'system:gcp-order-matching' });
    step();
    await log.certificate('c-4', { type: 'ProvideRefundDetails', refundId: 'rf-1', bankDetails: JSON.stringify({ iban: IBAN }), now: at(), by: 'user:support-1' });
    step();
    await log.certificate('c-4', { type: 'CompleteRefund', refundId: 'rf-1', paymentId: 'pay-rf-1', amount: '1000.00', now: at(), by: 'system:gcp-order-matching' });

    const common = (messageId: string) => ({ source: 'web-shop', messageId, fingerprint: `fp-${messageId}`, receivedAt: at().toISOString(), occurredAt: '2026-03-01T09:59:00.000Z' });
    await log.message('All_SalesOrder', {
      type: 'SalesOrderReceived',
      data: { ...common('m-1'), orderId: 'o-1', kind: 'certificate_refund', certificateId: 'c-1', certificateNumber: NUMBERS.c1, amount: '1000.00', currency: 'RUB', channel: 'web', notificationChannel: 'email', clientId: 'client-77', bankDetails: JSON.stringify({ iban: IBAN }) },
    });
    await log.message('All_Payments', { type: 'PaymentReceived', data: { ...common('m-2'), paymentId: 'pay-o-1', orderId: 'o-1', kind: 'authorization', amount: '1000.00', currency: 'RUB', method: 'card' } });
    await log.message('All_Clients', { type: 'ClientReceived', data: { ...common('m-3'), source: 'crm', clientId: 'client-77', ...CLIENT, consent: true } });
    await log.settled();
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const documented = (method: string, template: string, status: number, body: unknown) => {
    const schema = (document as any).paths[template][method].responses[String(status)].content['application/json'].schema;
    assert.deepEqual(schemaViolations(schema, body, document), [], `${method} ${template} answers as documented`);
  };

  it('given a certificate walked through its life, when support reads it, then the read model has its status, balance, channel, notification, version and who changed it last', async () => {
    const c1 = (await request(system.api).get('/certificates/c-1').set('Authorization', support).expect(200)).body;
    documented('get', '/certificates/{id}', 200, c1);
    assert.deepEqual(
      { status: c1.status, remaining_balance: c1.remaining_balance, pending_amount: c1.pending_amount, channel: c1.channel, notification_channel: c1.notification_channel, correlation_id: c1.correlation_id, lock_reason: c1.lock_reason, order_id: c1.order_id, client_id: c1.client_id, version: c1.version, updated_by: c1.updated_by },
      { status: 'REDEEMED', remaining_balance: '0.00', pending_amount: '0.00', channel: 'web', notification_channel: 'email', correlation_id: 'corr-o-1', lock_reason: null, order_id: 'o-1', client_id: 'client-77', version: 9, updated_by: 'system:gcp-order-matching' },
    );
    const c2 = (await request(system.api).get(`/certificates/by-number/${NUMBERS.c2.toLowerCase()}`).set('Authorization', support).expect(200)).body;
    documented('get', '/certificates/by-number/{number}', 200, c2);
    assert.deepEqual([c2.status, c2.remaining_balance, c2.pending_amount], ['EXPIRED', '900.00', '0.00'], 'expiry keeps the unredeemed balance, drops the hold');
    const c3 = (await request(system.api).get('/certificates/c-3').set('Authorization', support).expect(200)).body;
    assert.deepEqual([c3.status, c3.issue_problem], ['RESERVED', 'the payment of 900.00 differs from the order of 1000.00']);
    const e1 = (await request(system.api).get('/certificates/e-1').set('Authorization', support).expect(200)).body;
    assert.deepEqual([e1.status, e1.channel, e1.remaining_balance, e1.version], ['RESERVED', 'pos', null, 0]);
  });

  it('given every status, when the list is filtered by status and channel and paged, then it answers exactly those, as documented', async () => {
    const list = async (query: Record<string, string>) => {
      const body = (await request(system.api).get('/certificates').query(query).set('Authorization', support).expect(200)).body;
      documented('get', '/certificates', 200, body);
      return body;
    };
    assert.deepEqual((await list({ status: 'REDEEMED' })).items.map((c: { id: string }) => c.id), ['c-1']);
    assert.deepEqual((await list({ status: 'EXPIRED' })).items.map((c: { id: string }) => c.id), ['c-2']);
    assert.deepEqual((await list({ status: 'RESERVED', channel: 'pos' })).items.map((c: { id: string }) => c.id).sort(), ['c-3', 'e-1']);
    assert.deepEqual((await list({ status: 'LOCKED' })).items, []);
    const first = await list({ limit: '2' });
    const second = await list({ limit: '2', cursor: first.nextCursor });
    const third = await list({ limit: '2', cursor: second.nextCursor });
    assert.deepEqual([...first.items, ...second.items, ...third.items].map((c: { id: string }) => c.id).sort(), ['c-1', 'c-2', 'c-3', 'c-4', 'e-1']);
    assert.equal(third.nextCursor, null);
    assert.deepEqual((await list({ status: 'REFUNDED' })).items.map((c: { id: string; remaining_balance: string }) => [c.id, c.remaining_balance]), [['c-4', '0.00']]);
    for (const status of ['ISSUED', 'NOTIFICATION_REQUESTED', 'NOTIFICATION_SENT', 'NOTIFICATION_FAILED', 'PARTIALLY_REDEEMED', 'REFUND_PENDING', 'REFUND_PENDING_DETAILS', 'AVAILABLE']) await list({ status });
    const bad = await request(system.api).get('/certificates').query({ status: 'ACTIVE' }).set('Authorization', support).expect(400);
    assert.match(JSON.stringify(bad.body), /status/);
  });

  it('given a certificate, when support reads its audit, then every event of it is there in order with who, why, amount and the status after — never the CVC hash, never bank details', async () => {
    const page1 = (await request(system.api).get('/certificates/c-1/audit').query({ limit: '4' }).set('Authorization', support).expect(200)).body;
    documented('get', '/certificates/{id}/audit', 200, page1);
    const page2 = (await request(system.api).get('/certificates/c-1/audit').query({ limit: '100', cursor: page1.nextCursor }).set('Authorization', support).expect(200)).body;
    const entries = [...page1.items, ...page2.items];
    assert.deepEqual(
      entries.map((e: { type: string; status_after: string }) => `${e.type}:${e.status_after}`),
      [
        'CertificateReserved:RESERVED',
        'ReservationIssued:RESERVED',
        'CertificateIssued:ISSUED',
        'CertificateNotificationRequested:NOTIFICATION_REQUESTED',
        'CertificateCvcHandedOut:NOTIFICATION_REQUESTED',
        'CertificateNotificationSent:NOTIFICATION_SENT',
        'RedemptionHeld:NOTIFICATION_SENT',
        'CertificateRedeemed:PARTIALLY_REDEEMED',
        'CertificateLocked:LOCKED',
        'CertificateUnlocked:PARTIALLY_REDEEMED',
        'CertificateRedeemed:REDEEMED',
      ],
    );
    assert.deepEqual(entries.map((e: { seq: number }) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const locked = entries.find((e: { type: string }) => e.type === 'CertificateLocked');
    assert.deepEqual([locked.by, locked.reason], ['user:support-1', 'suspicious activity']);
    const held = entries.find((e: { type: string }) => e.type === 'RedemptionHeld');
    assert.deepEqual([held.amount, held.hold_id, held.order_id, held.by], ['300.00', 'h-1', 'r-1', 'service:pos-7']);
    assert.equal(entries[0].by, 'service:web-shop');
    assert.equal(entries.at(-1).remaining_balance, '0.00');
    assert.doesNotMatch(JSON.stringify(entries), new RegExp(`${CVC_HASH}|${IBAN}`));
    const refused = (await request(system.api).get('/certificates/c-3/audit').set('Authorization', support).expect(200)).body.items;
    assert.deepEqual(refused.map((e: { type: string }) => e.type), ['CertificateReserved', 'CertificateIssueRefused']);
    await request(system.api).get('/certificates/no-such/audit').set('Authorization', support).expect(404);
    await request(system.api).get('/certificates/c-1/audit').query({ cursor: 'nonsense!' }).set('Authorization', support).expect(400);
  });

  it('given the certificate read model, when the BI reader queries the bi tables, then current state, one snapshot per status change, pool blocks and the channel messages are there, without personal data', async () => {
    const bi = (table: string) => sql.table(`${database.biSchema}.${table}`);
    const current = await asBiReader(database, (trx) =>
      sql<Record<string, unknown>>`select id, number, status, nominal::text, remaining_balance::text, currency, channel, notification_channel, correlation_id, lock_reason, version, updated_by from ${bi('gift_certificates')} order by id`.execute(trx),
    );
    assert.deepEqual(
      current.rows.map((r) => [r.id, r.status, r.remaining_balance, r.channel, r.version]),
      [
        ['c-1', 'REDEEMED', '0.00', 'web', 9],
        ['c-2', 'EXPIRED', '900.00', 'pos', 6],
        ['c-3', 'RESERVED', null, 'pos', 1],
        ['c-4', 'REFUNDED', '0.00', 'web', 5],
        ['e-1', 'RESERVED', null, 'pos', 0],
      ],
    );
    const unredeemed = await asBiReader(database, (trx) => sql<{ v: string }>`select sum(remaining_balance)::text as v from ${bi('gift_certificates')} where status = 'EXPIRED'`.execute(trx));
    assert.equal(unredeemed.rows[0]!.v, '900.00');

    const snapshots = await asBiReader(database, (trx) =>
      sql<{ seq: number; status: string; remaining_balance: string | null; version: number; lock_reason: string | null }>`
        select seq, status, remaining_balance::text, version, lock_reason from ${bi('gift_certificate_snapshots')} where certificate_id = 'c-1' order by seq`.execute(trx),
    );
    assert.deepEqual(
      snapshots.rows.map((r) => [r.seq, r.status, r.remaining_balance, r.version, r.lock_reason]),
      [
        [1, 'RESERVED', null, 0, null],
        [2, 'ISSUED', '1000.00', 1, null],
        [3, 'NOTIFICATION_REQUESTED', '1000.00', 2, null],
        [4, 'NOTIFICATION_SENT', '1000.00', 4, null],
        [5, 'PARTIALLY_REDEEMED', '700.00', 6, null],
        [6, 'LOCKED', '700.00', 7, 'suspicious activity'],
        [7, 'PARTIALLY_REDEEMED', '700.00', 8, null],
        [8, 'REDEEMED', '0.00', 9, null],
      ],
    );
    const blocks = await asBiReader(database, (trx) => sql<{ nominal: string; currency: string; channel: string }>`select nominal::text, currency, channel from ${bi('gift_pool_blocks')}`.execute(trx));
    assert.deepEqual(blocks.rows, [{ nominal: '50.00', currency: 'EUR', channel: 'pos' }]);

    const orders = await asBiReader(database, (trx) => sql<Record<string, unknown>>`select * from ${bi('gift_sales_orders')}`.execute(trx));
    assert.deepEqual([orders.rows.length, orders.rows[0]!.order_id, orders.rows[0]!.kind, orders.rows[0]!.bank_details_given], [1, 'o-1', 'certificate_refund', true]);
    const payments = await asBiReader(database, (trx) => sql<Record<string, unknown>>`select payment_id, kind, amount::text, method from ${bi('gift_payments')}`.execute(trx));
    assert.deepEqual(payments.rows, [{ payment_id: 'pay-o-1', kind: 'authorization', amount: '1000.00', method: 'card' }]);
    const clients = await asBiReader(database, (trx) => sql<Record<string, unknown>>`select client_id, consent, name_given, email_given, phone_given from ${bi('gift_clients')}`.execute(trx));
    assert.deepEqual(clients.rows, [{ client_id: 'client-77', consent: true, name_given: true, email_given: true, phone_given: true }]);

    // no CVC hash, bank details or contact data anywhere in the read model or the BI schema
    for (const [schema, table] of [
      [database.schema, 'rm_gift_certificates'],
      [database.schema, 'rm_gift_certificate_audit'],
      ...['gift_certificates', 'gift_certificate_snapshots', 'gift_pool_blocks', 'gift_sales_orders', 'gift_payments', 'gift_clients'].map((t) => [database.biSchema, t]),
    ] as const) {
      const { rows } = await sql`select * from ${sql.table(`${schema}.${table}`)}`.execute(database.db);
      assert.doesNotMatch(JSON.stringify(rows), new RegExp([CVC_HASH, IBAN, CLIENT.name, CLIENT.email, CLIENT.phone].map((s) => s.replace(/[.+]/g, '\\$&')).join('|')), table);
    }
    const comments = await sql<{ table_name: string; comment: string | null }>`
      select c.relname as table_name, obj_description(c.oid, 'pg_class') as comment from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${database.biSchema} and c.relname like 'gift_%' and c.relkind = 'r' order by 1`.execute(database.db);
    assert.deepEqual(comments.rows.map((r) => r.table_name), ['gift_certificate_snapshots', 'gift_certificates', 'gift_clients', 'gift_payments', 'gift_pool_blocks', 'gift_sales_orders']);
    for (const row of comments.rows) assert.ok(row.comment && row.comment.length > 20, `${row.table_name} is commented`);
  });

  it('given GiftCertificates.Stream, when a consumer reads it, then every status change is the full GiftCertificate object in order, and ISSUE_BLOCKED; never the CVC or bank details', async () => {
    const consumer = await serviceToken('bi-consumer', ['stream:GiftCertificates.Stream']);
    const page = await request(system.api).get('/streams/GiftCertificates.Stream').query({ limit: '500' }).set('Authorization', consumer).expect(200);
    documented('get', '/streams/{name}', 200, page.body);
    assert.doesNotMatch(page.text, new RegExp(`${CVC_HASH}|${IBAN}|cvc`, 'i'));
    type Envelope = { id: string; type: string; version: number; subject: string; data: Record<string, unknown> };
    const items = page.body.items as Envelope[];
    assert.ok(items.every((m) => m.type === 'gift_certificate.status_changed' && m.version === 1));
    const c1 = items.filter((m) => m.subject === 'c-1').map((m) => m.data);
    assert.deepEqual(
      c1.map((d) => [d.status, d.remaining_balance, d.version]),
      [
        ['ISSUED', '1000.00', 1],
        ['NOTIFICATION_REQUESTED', '1000.00', 2],
        ['NOTIFICATION_SENT', '1000.00', 4],
        ['PARTIALLY_REDEEMED', '700.00', 6],
        ['LOCKED', '700.00', 7],
        ['PARTIALLY_REDEEMED', '700.00', 8],
        ['REDEEMED', '0.00', 9],
      ],
    );
    assert.deepEqual(c1[4], {
      id: 'c-1',
      number: NUMBERS.c1,
      status: 'LOCKED',
      nominal: '1000.00',
      remaining_balance: '700.00',
      currency: 'RUB',
      channel: 'web',
      expires_at: expiresAt,
      notification_channel: 'email',
      correlation_id: 'corr-o-1',
      lock_reason: 'suspicious activity',
      version: 7,
      updated_at: c1[4]!.updated_at,
      updated_by: 'user:support-1',
    });
    assert.deepEqual(items.filter((m) => m.subject === 'c-2').map((m) => m.data.status), ['ISSUED', 'NOTIFICATION_REQUESTED', 'PARTIALLY_REDEEMED', 'EXPIRED']);
    assert.equal(items.filter((m) => m.subject === 'c-3').length, 0, 'a refused issue changes no status');
    assert.deepEqual(items.filter((m) => m.subject === 'c-4').map((m) => m.data.status), ['ISSUED', 'NOTIFICATION_REQUESTED', 'REFUND_PENDING_DETAILS', 'REFUND_PENDING', 'REFUNDED']);
    const blocked = items.filter((m) => m.data.status === 'ISSUE_BLOCKED');
    assert.deepEqual(blocked.map((m) => [m.subject, m.data.nominal, m.data.currency, m.data.number, m.data.channel]), [['pool:EUR:50.00', '50.00', 'EUR', null, 'pos']]);

    // the same objects as BI's snapshot rows (one fold for both)
    const snapshots = await sql<{ status: string; version: number; updated_at: Date }>`
      select status, version, updated_at from ${sql.table(`${database.biSchema}.gift_certificate_snapshots`)} where certificate_id = 'c-1' and seq > 1 order by seq`.execute(database.db);
    assert.deepEqual(snapshots.rows.map((r) => [r.status, r.version, new Date(r.updated_at).toISOString()]), c1.map((d) => [d.status, d.version, d.updated_at]));

    // paging one message at a time gives the same messages (the fold resumes across pages)
    const oneByOne: Envelope[] = [];
    let after: string | undefined;
    for (let i = 0; i < items.length + 1; i++) {
      const next = (await request(system.api).get('/streams/GiftCertificates.Stream').query({ limit: '1', ...(after ? { after } : {}) }).set('Authorization', consumer).expect(200)).body;
      oneByOne.push(...next.items);
      after = next.next_cursor;
      if (!next.has_more) break;
    }
    assert.deepEqual(oneByOne, items);
    await request(system.api).get('/streams/GiftCertificates.Stream').set('Authorization', await serviceToken('nosy', ['gcp:reserve'])).expect(403);
  });

  it('given the live projections, when they are verified against a replay of the log, then every table (BI included) is equal', async () => {
    for (const projection of [certificateProjection(database.biSchema), channelMessageProjection(database.biSchema)]) {
      const report = await replayProjection(database, system.dependencies.store, projection, { mode: 'verify' });
      assert.equal(report.equal, true, JSON.stringify(report.tables));
      assert.ok(report.tables.every((t) => t.liveRows > 0), JSON.stringify(report.tables));
    }
    const report = await replayProjection(database, system.dependencies.store, certificateProjection(database.biSchema), { mode: 'verify' });
    assert.deepEqual(report.tables.map((t) => t.table).sort(), ['bi.gift_certificate_snapshots', 'bi.gift_certificates', 'bi.gift_pool_blocks', 'rm_gift_certificate_audit', 'rm_gift_certificates']);
  });

  it('given the query routes, then operator, support and admin see any certificate; the reserving channel its own; another channel 404; a plain user 403; no token 401', async () => {
    const read = (path: string, token?: string) => {
      const req = request(system.api).get(path);
      return (token ? req.set('Authorization', token) : req).then((res) => res.status);
    };
    const operator = await userToken('op-1', ['gift_operator']);
    const admin = await userToken('root', ['admin']);
    const web = await serviceToken('web-shop', ['gcp:reserve']);
    const pos = await serviceToken('pos-7', ['gcp:reserve']);
    const plain = await userToken('u-1', ['user']);
    for (const token of [operator, support, admin]) {
      assert.deepEqual(await Promise.all(['/certificates/c-1', `/certificates/by-number/${NUMBERS.c1}`, '/certificates/c-1/audit', '/certificates'].map((p) => read(p, token))), [200, 200, 200, 200]);
    }
    assert.deepEqual(await Promise.all(['/certificates/c-1', `/certificates/by-number/${NUMBERS.c1}`].map((p) => read(p, web))), [200, 200]);
    assert.deepEqual(await Promise.all(['/certificates/c-1', `/certificates/by-number/${NUMBERS.c1}`, '/certificates/e-1'].map((p) => read(p, pos))), [404, 404, 200]);
    const mine = (await request(system.api).get('/certificates').set('Authorization', pos).expect(200)).body.items.map((c: { id: string }) => c.id).sort();
    assert.deepEqual(mine, ['c-2', 'c-3', 'e-1'], 'a channel lists only what it reserved');
    assert.equal(await read('/certificates/c-1/audit', web), 403, 'the audit is for support');
    assert.deepEqual(await Promise.all(['/certificates/c-1', '/certificates', '/certificates/c-1/audit'].map((p) => read(p, plain))), [403, 403, 403]);
    assert.deepEqual(await Promise.all(['/certificates/c-1', '/certificates', '/certificates/c-1/audit'].map((p) => read(p))), [401, 401, 401]);
  });
});
