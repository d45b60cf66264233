import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { streamOfCertificate } from '../../../domain/gift-certificates/gift-certificate.js';
import { ManualClock } from '../../../platform/clock.js';
import { schemaViolations, type Schema } from '../../support/json-schema-check.js';
import { storedEventsText } from '../../support/event-log-under-test.js';
import { openTestDatabase } from '../../support/test-database.js';
import { certificateGiven } from './certificate-given.js';
import { channel, eventually, operator, startGcp } from './gcp-harness.js';

describe('a gift certificate’s lifecycle over HTTP (G-4 … G-7, expiry)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  let given: ReturnType<typeof certificateGiven>;
  let crm: string;
  let pos: string;
  let otherPos: string;
  let support: string;
  let orders: string;

  before(async () => {
    database = await openTestDatabase();
    system = await startGcp({ database, clock });
    given = certificateGiven(system);
    crm = await channel('crm', ['gcp:cvc']);
    pos = await channel('pos-1', ['gcp:redeem']);
    otherPos = await channel('pos-2', ['gcp:redeem']);
    support = await operator('sup-1', ['gift_support']);
    orders = await channel('web-shop-orders', ['gcp:orders']);
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const api = () => request(system.api);
  const fetchCvc = (id: string) => api().get(`/certificates/${id}/cvc`).set('Authorization', crm);
  const hold = (id: string, body: Record<string, unknown>, token = pos) => api().post(`/certificates/${id}/redemptions`).set('Authorization', token).send(body);
  const events = async (id: string) => system.dependencies.store.readStream(streamOfCertificate(id));
  const status = async (id: string) => (await given.certificates.current(id)).status;

  it('given an issued certificate, when the CRM fetches the CVC, then six digits once; a second call is 409 gcp.cvc_already_handed_out', async () => {
    const certificate = await given.issued();
    const first = await fetchCvc(certificate.id).expect(200);
    assert.match(first.body.cvc, /^\d{6}$/);
    assert.deepEqual(Object.keys(first.body).sort(), ['certificate_id', 'cvc', 'generation']);
    assert.equal(first.body.generation, 1);
    assert.equal(first.headers['cache-control'], 'no-store');
    const second = await fetchCvc(certificate.id).expect(409);
    assert.equal(second.body.code, 'gcp.cvc_already_handed_out');
    assert.ok(!JSON.stringify(second.body).includes(first.body.cvc));
    const handedOut = (await events(certificate.id)).find((e) => e.type === 'CertificateCvcHandedOut')!;
    assert.ok(!JSON.stringify([handedOut.data, handedOut.metadata]).includes(first.body.cvc), 'only a keyed hash is kept');
  });

  it('given a failed delivery, when the CRM asks for a reissue, then a new CVC is handed out, the new one holds and the old one is refused', async () => {
    const certificate = await given.issued();
    await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).send({ status: 'failed' }).expect(400);
    await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).send({ status: 'failed', reason: 'mailbox full' }).expect(409); // no CVC fetched yet
    const old = (await fetchCvc(certificate.id).expect(200)).body.cvc as string;
    assert.equal((await api().post(`/certificates/${certificate.id}/actions/reissue-cvc`).set('Authorization', crm).expect(409)).body.code, 'gcp.reissue_not_allowed');
    const failed = await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).send({ status: 'failed', reason: 'mailbox full' }).expect(200);
    assert.equal(failed.body.status, 'NOTIFICATION_FAILED');
    const reissued = await api().post(`/certificates/${certificate.id}/actions/reissue-cvc`).set('Authorization', crm).expect(200);
    assert.deepEqual([reissued.body.status, reissued.body.generation], ['NOTIFICATION_REQUESTED', 2]);
    const fresh = await fetchCvc(certificate.id).expect(200);
    assert.equal(fresh.body.generation, 2);
    await fetchCvc(certificate.id).expect(409);
    const refused = await hold(certificate.id, { order_id: 'pos-order-1', amount: '10.00', cvc: old }).expect(403);
    assert.equal(refused.body.code, 'gcp.wrong_cvc');
    if (fresh.body.cvc !== old) await hold(certificate.id, { order_id: 'pos-order-1', amount: '10.00', cvc: fresh.body.cvc }).expect(201);
    const sent = await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).send({ status: 'sent' }).expect(200);
    assert.equal(sent.body.status, 'NOTIFICATION_SENT');
    await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).send({ status: 'sent' }).expect(200);
  });

  it('given holds, when the payments capture them, then a partial one is PARTIALLY_REDEEMED with the remaining balance and the full rest REDEEMED with 0; a retried hold is the same hold', async () => {
    const certificate = await given.issued();
    const cvc = (await fetchCvc(certificate.id).expect(200)).body.cvc;
    const first = await hold(certificate.id, { order_id: 'o-1', amount: '300.50', cvc }).expect(201);
    assert.deepEqual(
      { ...first.body, hold_id: undefined, held_until: undefined },
      { hold_id: undefined, held_until: undefined, certificate_id: certificate.id, order_id: 'o-1', amount: '300.50', available_balance: '699.50', status: 'pending' },
    );
    assert.equal(new Date(first.body.held_until).getTime(), clock.now().getTime() + 15 * 60_000);
    const retry = await hold(certificate.id, { order_id: 'o-1', amount: '300.50', cvc }).expect(200);
    assert.equal(retry.body.hold_id, first.body.hold_id);
    const tooMuch = await hold(certificate.id, { order_id: 'o-2', amount: '700.00', cvc }).expect(409);
    assert.deepEqual([tooMuch.body.code, tooMuch.body.field], ['gcp.insufficient_balance', 'amount']);

    const partial = await given.decide(certificate.id, { type: 'RedeemCertificate', orderId: 'o-1', paymentId: 'p-1', amount: '300.50' });
    assert.equal(partial.state.status, 'PARTIALLY_REDEEMED');
    assert.equal((partial.events[0]!.data as { remainingBalance: string }).remainingBalance, '699.50');
    assert.equal((await hold(certificate.id, { order_id: 'o-1', amount: '1.00', cvc }).expect(409)).body.code, 'gcp.order_already_redeemed');

    const rest = await hold(certificate.id, { order_id: 'o-3', amount: '699.50', cvc }).expect(201);
    assert.equal(rest.body.available_balance, '0.00');
    const full = await given.decide(certificate.id, { type: 'RedeemCertificate', orderId: 'o-3', paymentId: 'p-3', amount: '699.50' });
    assert.equal(full.state.status, 'REDEEMED');
    assert.equal(full.state.balance, 0n);
    assert.equal((await hold(certificate.id, { order_id: 'o-4', amount: '0.01', cvc }).expect(409)).body.code, 'gcp.insufficient_balance');
  });

  it('given a hold, then only the POS that placed it releases it and the amount can be spent again; a released hold is 404', async () => {
    const certificate = await given.issued({ nominal: '500.00' });
    const cvc = (await fetchCvc(certificate.id).expect(200)).body.cvc;
    const placed = await hold(certificate.id, { order_id: 'r-1', amount: '500.00', cvc }).expect(201);
    const release = (token: string) => api().post(`/certificates/${certificate.id}/redemptions/${placed.body.hold_id}/release`).set('Authorization', token);
    assert.equal((await release(otherPos).expect(404)).body.code, 'gcp.hold_not_found');
    await release(crm).expect(403);
    const released = await release(pos).expect(200);
    assert.deepEqual([released.body.status, released.body.available_balance, released.body.amount], ['released', '500.00', '500.00']);
    await release(pos).expect(404);
    await api().post(`/certificates/${certificate.id}/redemptions/not-a-hold/release`).set('Authorization', pos).expect(404);
    await hold(certificate.id, { order_id: 'r-2', amount: '500.00', cvc }, otherPos).expect(201);
  });

  it('given wrong CVCs, then each is 403 gcp.wrong_cvc and the fifth locks the certificate "too many CVC failures"; after an unlock they are limited per minute (429 with Retry-After)', async () => {
    const certificate = await given.issued();
    const cvc = (await fetchCvc(certificate.id).expect(200)).body.cvc as string;
    const wrong = String((Number(cvc) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 1; i <= 5; i++) {
      const refused = await hold(certificate.id, { order_id: `w-${i}`, amount: '1.00', cvc: wrong }).expect(403);
      assert.equal(refused.body.code, 'gcp.wrong_cvc');
      if (i === 5) assert.match(refused.body.detail, /locked/);
    }
    assert.equal(await status(certificate.id), 'LOCKED');
    const locked = (await events(certificate.id)).find((e) => e.type === 'CertificateLocked')!;
    assert.equal((locked.data as { reason: string }).reason, 'too many CVC failures');
    assert.equal((await hold(certificate.id, { order_id: 'w-6', amount: '1.00', cvc }).expect(409)).body.code, 'gcp.certificate_locked');

    await api().post(`/certificates/${certificate.id}/actions/unlock`).set('Authorization', support).send({ reason: 'customer called, verified' }).expect(200);
    const limited = await hold(certificate.id, { order_id: 'w-7', amount: '1.00', cvc: wrong }).expect(429);
    assert.equal(limited.body.code, 'gcp.too_many_cvc_attempts');
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    await hold(certificate.id, { order_id: 'w-8', amount: '1.00', cvc }).expect(201); // the right CVC is never limited
    clock.advance(61_000);
    assert.equal((await hold(certificate.id, { order_id: 'w-9', amount: '1.00', cvc: wrong }).expect(403)).body.code, 'gcp.wrong_cvc');
  });

  it('given support locks with a reason, then holds are refused 409 gcp.certificate_locked; unlock restores the previous status; who and why are in the events', async () => {
    const certificate = await given.issued();
    const cvc = (await fetchCvc(certificate.id).expect(200)).body.cvc;
    await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).send({ status: 'sent' }).expect(200);
    await api().post(`/certificates/${certificate.id}/actions/lock`).set('Authorization', support).send({}).expect(400);
    await api().post(`/certificates/${certificate.id}/actions/lock`).set('Authorization', support).send({ reason: 'x'.repeat(501) }).expect(400);
    await api().post(`/certificates/${certificate.id}/actions/lock`).set('Authorization', pos).send({ reason: 'suspicious' }).expect(403);
    await api().post(`/certificates/${certificate.id}/actions/lock`).set('Authorization', await operator('op-9')).send({ reason: 'suspicious' }).expect(403);
    const locked = await api().post(`/certificates/${certificate.id}/actions/lock`).set('Authorization', support).send({ reason: 'suspicious activity' }).expect(200);
    assert.equal(locked.body.status, 'LOCKED');
    assert.equal((await hold(certificate.id, { order_id: 'l-1', amount: '1.00', cvc }).expect(409)).body.code, 'gcp.certificate_locked');
    assert.equal((await fetchCvc(certificate.id).expect(409)).body.code, 'gcp.certificate_locked');
    const unlocked = await api().post(`/certificates/${certificate.id}/actions/unlock`).set('Authorization', support).send({ reason: 'checked with the buyer' }).expect(200);
    assert.equal(unlocked.body.status, 'NOTIFICATION_SENT');
    assert.equal((await api().post(`/certificates/${certificate.id}/actions/unlock`).set('Authorization', support).send({ reason: 'again' }).expect(409)).body.code, 'gcp.not_locked');
    await hold(certificate.id, { order_id: 'l-1', amount: '1.00', cvc }).expect(201);
    const audit = (await events(certificate.id)).filter((e) => e.type === 'CertificateLocked' || e.type === 'CertificateUnlocked').map((e) => e.data as { by: string; reason: string });
    assert.deepEqual(audit.map((a) => [a.by, a.reason]), [['user:sup-1', 'suspicious activity'], ['user:sup-1', 'checked with the buyer']]);
  });

  it('given a refund waiting for bank details, when support (or the channel) supplies them, then REFUND_PENDING; the details only in a sealed event field', async () => {
    const certificate = await given.issued();
    const url = `/certificates/${certificate.id}/refund-details`;
    const details = { account_number: '40817810099910004312', bik: '044525225', holder_name: 'Ivan Petrov' };
    assert.equal((await api().post(url).set('Authorization', support).send({ bank_details: details }).expect(404)).body.code, 'gcp.refund_not_found');
    await given.decide(certificate.id, { type: 'RequestRefund', refundId: 'refund-1', orderId: `order-${certificate.id}`, bankDetails: null });
    assert.equal(await status(certificate.id), 'REFUND_PENDING_DETAILS');
    await api().post(url).set('Authorization', support).send({ bank_details: { ...details, bik: '12' } }).expect(400);
    await api().post(url).set('Authorization', support).send({ bank_details: { ...details, account_number: 'x' } }).expect(400);
    await api().post(url).set('Authorization', support).send({}).expect(400);
    await api().post(url).set('Authorization', pos).send({ bank_details: details }).expect(403);
    assert.equal((await api().post(url).set('Authorization', support).send({ refund_id: 'refund-9', bank_details: details }).expect(404)).body.code, 'gcp.refund_not_found');
    const provided = await api().post(url).set('Authorization', orders).send({ refund_id: 'refund-1', bank_details: details }).expect(200);
    assert.equal(provided.body.status, 'REFUND_PENDING');
    clock.advance(1); // the same command at the same instant is a retry
    assert.equal((await api().post(url).set('Authorization', support).send({ bank_details: details }).expect(409)).body.code, 'gcp.refund_details_not_awaited');
    const stored = (await storedEventsText(database, { streamNames: [streamOfCertificate(certificate.id)] })).map((event) => event.data).join('\n');
    for (const secret of [details.account_number, details.holder_name]) assert.ok(!stored.includes(secret), `${secret} is sealed in the log`);
    const decoded = (await events(certificate.id)).find((e) => e.type === 'CertificateRefundDetailsProvided')!;
    assert.deepEqual(JSON.parse((decoded.data as { bankDetails: string }).bankDetails), details);
  });

  it('given unknown certificates, wrong scopes or bad amounts, then 404 / 403 / 400 everywhere', async () => {
    const certificate = await given.issued();
    const cvc = (await fetchCvc(certificate.id).expect(200)).body.cvc;
    for (const id of [randomUUID(), 'not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
      const answers = [
        await fetchCvc(id),
        await api().post(`/certificates/${id}/notifications`).set('Authorization', crm).send({ status: 'sent' }),
        await api().post(`/certificates/${id}/actions/reissue-cvc`).set('Authorization', crm),
        await hold(id, { order_id: 'u-1', amount: '1.00', cvc: '123456' }),
        await api().post(`/certificates/${id}/redemptions/h-${'0'.repeat(32)}/release`).set('Authorization', pos),
        await api().post(`/certificates/${id}/actions/lock`).set('Authorization', support).send({ reason: 'r' }),
        await api().post(`/certificates/${id}/actions/unlock`).set('Authorization', support).send({ reason: 'r' }),
        await api().post(`/certificates/${id}/refund-details`).set('Authorization', support).send({ bank_details: { account_number: '40817810099910004312', bik: '044525225', holder_name: 'A' } }),
      ];
      for (const answer of answers) assert.deepEqual([answer.status, answer.body.code], [404, 'gcp.certificate_not_found'], JSON.stringify(answer.body));
    }
    await api().get(`/certificates/${certificate.id}/cvc`).set('Authorization', pos).expect(403);
    await hold(certificate.id, { order_id: 's-1', amount: '1.00', cvc }, crm).expect(403);
    await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', pos).send({ status: 'sent' }).expect(403);
    await api().get(`/certificates/${certificate.id}/cvc`).expect(401);
    for (const amount of ['10.001', '-1', '0', '0.00', 'abc', 10.5, '1e3', '', null]) {
      const answer = await hold(certificate.id, { order_id: 'b-1', amount, cvc });
      assert.equal(answer.status, 400, `amount ${JSON.stringify(amount)}`);
      assert.equal(answer.body.field, 'amount');
    }
    for (const bad of [{ amount: '1.00', cvc }, { order_id: 'b-1', amount: '1.00' }, { order_id: 'b-1', amount: '1.00', cvc: '12345' }, { order_id: 'b 1', amount: '1.00', cvc }]) await hold(certificate.id, bad).expect(400);
    await api().post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).send({ status: 'delivered' }).expect(400);
  });

  it('given the whole flow, then every 2xx answer is exactly as documented in /openapi.json', async () => {
    const document = (await api().get('/openapi.json').expect(200)).body as Schema & { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>> };
    const documented = (method: string, template: string, answer: { status: number; body: unknown }) => {
      const schema = document.paths[template]![method]!.responses[String(answer.status)]!.content['application/json']!.schema;
      assert.deepEqual(schemaViolations(schema, answer.body, document), [], `${method} ${template} ${answer.status} answers as documented`);
    };
    const certificate = await given.issued();
    const id = certificate.id;
    const cvc = await fetchCvc(id).expect(200);
    documented('get', '/certificates/{id}/cvc', cvc);
    documented('post', '/certificates/{id}/notifications', await api().post(`/certificates/${id}/notifications`).set('Authorization', crm).send({ status: 'failed', reason: 'bounced' }).expect(200));
    documented('post', '/certificates/{id}/actions/reissue-cvc', await api().post(`/certificates/${id}/actions/reissue-cvc`).set('Authorization', crm).expect(200));
    const fresh = (await fetchCvc(id).expect(200)).body.cvc;
    const placed = await hold(id, { order_id: 'd-1', amount: '10.00', cvc: fresh }).expect(201);
    documented('post', '/certificates/{id}/redemptions', placed);
    documented('post', '/certificates/{id}/redemptions', await hold(id, { order_id: 'd-1', amount: '10.00', cvc: fresh }).expect(200));
    documented('post', '/certificates/{id}/redemptions/{hold_id}/release', await api().post(`/certificates/${id}/redemptions/${placed.body.hold_id}/release`).set('Authorization', pos).expect(200));
    documented('post', '/certificates/{id}/actions/lock', await api().post(`/certificates/${id}/actions/lock`).set('Authorization', support).send({ reason: 'check' }).expect(200));
    documented('post', '/certificates/{id}/actions/unlock', await api().post(`/certificates/${id}/actions/unlock`).set('Authorization', support).send({ reason: 'fine' }).expect(200));
    await given.decide(id, { type: 'RequestRefund', refundId: 'rf-d', orderId: `order-${id}`, bankDetails: null });
    documented('post', '/certificates/{id}/refund-details', await api().post(`/certificates/${id}/refund-details`).set('Authorization', support).send({ bank_details: { account_number: '40817810099910004312', bik: '044525225', holder_name: 'A B' } }).expect(200));
  });

  it('given a hold not captured within GCP_HOLD_TTL_MINUTES, then a durable timer releases it ("timeout") and its amount can be spent again', async () => {
    const certificate = await given.issued({ nominal: '200.00' });
    const cvc = (await fetchCvc(certificate.id).expect(200)).body.cvc;
    await hold(certificate.id, { order_id: 't-1', amount: '200.00', cvc }).expect(201);
    await hold(certificate.id, { order_id: 't-2', amount: '1.00', cvc }).expect(409);
    clock.advance(16 * 60_000);
    const released = await eventually(async () => (await events(certificate.id)).find((e) => e.type === 'RedemptionReleased'));
    assert.equal((released.data as { reason: string }).reason, 'timeout');
    const again = await hold(certificate.id, { order_id: 't-2', amount: '200.00', cvc }).expect(201);
    assert.equal(again.body.available_balance, '0.00');
  });

  it('given a certificate past its expiry, then a durable timer makes it EXPIRED with the unredeemed balance and holds are refused 409 gcp.certificate_expired', async () => {
    const certificate = await given.issued({ nominal: '750.00', validDays: 30 });
    const cvc = (await fetchCvc(certificate.id).expect(200)).body.cvc;
    await hold(certificate.id, { order_id: 'e-1', amount: '250.00', cvc }).expect(201);
    await given.decide(certificate.id, { type: 'RedeemCertificate', orderId: 'e-1', paymentId: 'pe-1', amount: '250.00' });
    clock.set(new Date(Date.parse(certificate.expiresAt) + 1000));
    const expired = await eventually(async () => (await events(certificate.id)).find((e) => e.type === 'CertificateExpired'));
    assert.equal((expired.data as { unredeemedBalance: string }).unredeemedBalance, '500.00');
    assert.equal(await status(certificate.id), 'EXPIRED');
    assert.equal((await hold(certificate.id, { order_id: 'e-2', amount: '1.00', cvc }).expect(409)).body.code, 'gcp.certificate_expired');
  });
});
