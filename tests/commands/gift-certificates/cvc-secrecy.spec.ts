import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import { giftCertificatesModule } from '../../../commands/gift-certificates/gift-certificates-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { eventually } from '../../support/eventually.js';
import { storedEventsText } from '../../support/event-log-under-test.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';
import { certificateGiven } from './certificate-given.js';
import { channel } from './gcp-harness.js';

/** The CVC as a value of its own (not six digits inside a longer run of letters and digits, as in a hash or a uuid). */
const occurrences = (text: string, cvc: string) => text.match(new RegExp(`(?<![0-9A-Za-z])${cvc}(?![0-9A-Za-z])`, 'g'))?.length ?? 0;

/**
 * G-4: "the CVC is never stored in clear text … it never appears in any event, log line, read
 * model, published message or stored idempotent response — a test scans all of them."
 */
describe('CVC secrecy (G-4)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  const logLines: string[] = [];

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({
      database,
      clock,
      contexts: [giftCertificatesModule()],
      env: { GCP_CVC_SECRET: 'cvc-secrecy-secret-of-at-least-32-characters' },
      logger: createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } }),
    });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given a CVC fetched (with an Idempotency-Key), delivered and used for holds, a capture, a wrong attempt and a release, then no event, table of any schema, published message or log line contains it', async () => {
    const given = certificateGiven(system);
    const certificate = await given.issued();
    const crm = await channel('crm', ['gcp:cvc']);
    const pos = await channel('pos-1', ['gcp:redeem']);
    const fetched = await request(system.api).get(`/certificates/${certificate.id}/cvc`).set('Authorization', crm).set('Idempotency-Key', 'cvc-fetch-1').expect(200);
    const cvc = fetched.body.cvc as string;
    assert.match(cvc, /^\d{6}$/);
    assert.equal(occurrences(fetched.text, cvc), 1, 'the scanner finds the CVC where it is');
    await request(system.api).get(`/certificates/${certificate.id}/cvc`).set('Authorization', crm).set('Idempotency-Key', 'cvc-fetch-1').expect(409); // not replayed from a store
    await request(system.api).post(`/certificates/${certificate.id}/notifications`).set('Authorization', crm).set('Idempotency-Key', 'sent-1').send({ status: 'sent' }).expect(200);
    const placed = await request(system.api).post(`/certificates/${certificate.id}/redemptions`).set('Authorization', pos).set('Idempotency-Key', 'hold-1').send({ order_id: 'sec-1', amount: '100.00', cvc }).expect(201);
    await request(system.api).post(`/certificates/${certificate.id}/redemptions`).set('Authorization', pos).set('Idempotency-Key', 'hold-1').send({ order_id: 'sec-1', amount: '100.00', cvc }).expect(200);
    await request(system.api).post(`/certificates/${certificate.id}/redemptions`).set('Authorization', pos).send({ order_id: 'sec-2', amount: '50.00', cvc }).expect(201);
    await request(system.api).post(`/certificates/${certificate.id}/redemptions`).set('Authorization', pos).send({ order_id: 'sec-3', amount: '1.00', cvc: String((Number(cvc) + 7) % 1_000_000).padStart(6, '0') }).expect(403);
    await request(system.api).post(`/certificates/${certificate.id}/redemptions`).set('Authorization', pos).send({ order_id: 'sec-4', amount: '1.005', cvc }).expect(400);
    await request(system.api).post(`/certificates/${certificate.id}/redemptions/${placed.body.hold_id}/release`).set('Authorization', pos).expect(200);
    await given.decide(certificate.id, { type: 'RedeemCertificate', orderId: 'sec-2', paymentId: 'pay-sec-2', amount: '50.00' });

    // the read side has caught up (its projections and the published stream, when they exist)
    const consumer = await channel('bi-consumer', ['stream:GiftCertificates.Stream']);
    const published = await eventually(async () => {
      const page = await request(system.api).get('/streams/GiftCertificates.Stream').query({ limit: '500' }).set('Authorization', consumer);
      if (page.status === 404) return { status: 404, text: '' };
      return page.status === 200 && page.text.includes('PARTIALLY_REDEEMED') ? { status: 200, text: page.text } : undefined;
    }, 20_000).catch(() => ({ status: 0, text: '' }));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const found: string[] = [];
    const events = await storedEventsText(database);
    assert.ok(events.some((e) => e.type === 'CertificateCvcHandedOut'));
    for (const event of events) if (occurrences(event.data + event.metadata, cvc) > 0) found.push(`event ${event.type} of ${event.streamName}`);

    const { rows: tables } = await sql<{ table_schema: string; table_name: string }>`
      select table_schema, table_name from information_schema.tables
      where table_schema in (${database.schema}, ${database.biSchema}) and table_type in ('BASE TABLE', 'VIEW')`.execute(database.db);
    assert.ok(tables.some((t) => t.table_name === 'http_idempotency_keys') && tables.some((t) => t.table_name === 'saga_state'), 'idempotency records and saga state are scanned');
    for (const table of tables) {
      const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(`${table.table_schema}.${table.table_name}`)} as t`.execute(database.db);
      for (const { row } of rows) if (occurrences(row, cvc) > 0) found.push(`row of ${table.table_schema}.${table.table_name}: ${row.slice(0, 200)}`);
    }
    if (published.status === 200 && occurrences(published.text, cvc) > 0) found.push('GiftCertificates.Stream');
    assert.ok(logLines.length > 10, 'the log was captured');
    for (const line of logLines) if (occurrences(line, cvc) > 0) found.push(`log line ${line.slice(0, 200)}`);
    assert.deepEqual(found, [], `the CVC ${cvc} was found`);
    console.log(`      scanned ${events.length} events, ${tables.length} tables, ${logLines.length} log lines${published.status === 200 ? ', the published stream' : ' (no published stream yet)'}`);
  });
});
