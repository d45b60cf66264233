import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { notificationsModule } from '../../../commands/notifications/notifications-module.js';
import { ticketingModule } from '../../../commands/ticketing/ticketing-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { gatheringBody, RecordingChannel, ticketTypeBody } from '../../commands/ticketing/ticketing-harness.js';
import { schemaViolations, type Schema } from '../../support/json-schema-check.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';

describe('the JSON-schema checker of the tests', () => {
  it('given values and schemas, then type, required, properties, items, enum, const, anyOf, oneOf, allOf and nullable are checked, and undocumented properties are named', () => {
    const schema: Schema = { type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' }, tags: { type: 'array', items: { enum: ['a', 'b'] } } }, required: ['id'] };
    assert.deepEqual(schemaViolations(schema, { id: 'x', n: 2, tags: ['a'] }), []);
    assert.deepEqual(schemaViolations(schema, { n: 2.5, tags: ['c'], extra: 1 }), [
      '$.id: is required',
      '$.n: 2.5 is not integer',
      '$.tags[0]: "c" is not one of ["a","b"]',
      '$.extra: is not documented',
    ]);
    assert.deepEqual(schemaViolations({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 3), ['$: matches 0 of the anyOf branches']);
    assert.deepEqual(schemaViolations({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 3), ['$: matches 2 of the oneOf branches']);
    assert.deepEqual(schemaViolations({ type: 'string', nullable: true }, null), []);
    assert.deepEqual(schemaViolations({ const: 'x' }, 'y'), ['$: is not "x"']);
    const both: Schema = { allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { b: { type: 'number' } } }] };
    assert.deepEqual(schemaViolations(both, { a: 'x', b: 1 }), []);
    assert.deepEqual(schemaViolations(both, { a: 'x', c: 1 }), ['$.c: is not documented']);
    assert.deepEqual(schemaViolations({ type: 'object', additionalProperties: { type: 'string' } }, { RUB: 1 }), ['$.RUB: 1 is not string']);
  });
});

interface Documented {
  readonly paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
}

/**
 * Every 2xx answer the README's walkthrough meets is fully described by /openapi.json: the
 * body matches the schema documented for its operation and status, and carries nothing the
 * schema does not list.
 */
describe('answers against /openapi.json: a walkthrough of accounts and ticketing', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let document: Documented;
  const clock = new ManualClock(new Date());
  const checked: string[] = [];
  const violations: string[] = [];

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({
      database,
      clock,
      env: { ADMIN_EMAILS: 'admin@example.com' },
      contexts: [accountsModule(), ticketingModule(), notificationsModule({ channel: new RecordingChannel() })],
    });
    document = (await request(system.api).get('/openapi.json').expect(200)).body;
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  /** Send a request to the operation `method template` and check its 2xx answer against the documented schema. */
  const call = async (method: 'get' | 'post' | 'put' | 'patch', template: string, options: { params?: Record<string, string>; body?: unknown; token?: string; query?: Record<string, string>; expect: number }) => {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? ''));
    let req = request(system.api)[method](path);
    if (options.token) req = req.set('Authorization', `Bearer ${options.token}`);
    if (options.query) req = req.query(options.query);
    const res = await (options.body === undefined ? req : req.send(options.body as object));
    assert.equal(res.status, options.expect, `${method.toUpperCase()} ${template}: ${res.status} ${JSON.stringify(res.body)}`);
    const declared = document.paths[template]?.[method]?.responses[String(res.status)];
    assert.ok(declared, `${method.toUpperCase()} ${template} documents its ${res.status}`);
    if (res.status < 300 && res.text) {
      const schema = declared.content?.['application/json']?.schema;
      if (!schema) violations.push(`${method.toUpperCase()} ${template} ${res.status}: the body is not described`);
      else violations.push(...schemaViolations(schema, res.body, document as unknown as Schema).map((v) => `${method.toUpperCase()} ${template} ${res.status} ${v}`));
      checked.push(`${method.toUpperCase()} ${template} ${res.status}`);
    }
    return res.body;
  };

  it('given people following the README, when each answer is compared with its documented schema, then every 2xx body is fully described', async () => {
    const register = (email: string, name: string) => call('post', '/api/auth/register', { body: { email, password: `${name} password 1`, display_name: name }, expect: 201 });
    const admin = await register('admin@example.com', 'Admin');
    const olga = await register('olga@example.com', 'Olga');
    const boris = await register('boris@example.com', 'Boris');
    const door = await register('door@example.com', 'Door');
    await call('get', '/api/users/me', { token: boris.access_token, expect: 200 });

    const organizer = (await call('post', '/api/users/me/become-organizer', { token: olga.access_token, expect: 200 })).access_token;
    const now = clock.now();
    const event = await call('post', '/api/events', { token: organizer, body: gatheringBody(now, 10 * 86400_000, { capacity: 100 }), expect: 201 });
    await call('put', '/api/events/{id}', { params: { id: event.id }, token: organizer, body: gatheringBody(now, 10 * 86400_000, { capacity: 100, title: 'Jazz at Dusk' }), expect: 200 });
    await call('patch', '/api/events/{id}', { params: { id: event.id }, token: organizer, body: { venue: 'Hermitage Garden' }, expect: 200 });
    await call('post', '/api/events/{id}/publish', { params: { id: event.id }, token: organizer, expect: 200 });
    const typed = await call('post', '/api/events/{id}/ticket-types', { params: { id: event.id }, token: organizer, body: ticketTypeBody(now, { quantity: 50 }), expect: 201 });
    const sale = await call('post', '/api/events/{id}/tickets', { params: { id: event.id }, token: boris.access_token, body: { ticket_type_id: typed.ticket_type_id, quantity: 2 }, expect: 201 });
    await call('get', '/api/tickets', { token: boris.access_token, expect: 200 });
    await call('get', '/api/events', { expect: 200 });
    await call('get', '/api/events/{id}', { params: { id: event.id }, expect: 200 });
    await call('get', '/api/organizer/events', { token: organizer, expect: 200 });

    await call('post', '/api/admin/users/{id}/roles', { params: { id: door.user.id }, token: admin.access_token, body: { role: 'scanner' }, expect: 200 });
    const scanner = (await call('post', '/api/auth/login', { body: { email: 'door@example.com', password: 'Door password 1' }, expect: 200 })).access_token;
    const [first, second] = sale.tickets.map((ticket: { code: string }) => ticket.code);
    await call('post', '/api/tickets/{code}/validate', { params: { code: first }, token: scanner, body: { event_id: event.id }, expect: 200 });
    await call('post', '/api/tickets/{code}/validate', { params: { code: 'NOT-A-CODE' }, token: scanner, body: {}, expect: 200 });
    await call('post', '/api/tickets/{code}/checkin', { params: { code: first }, token: scanner, body: { event_id: event.id }, expect: 200 });
    await call('post', '/api/tickets/{code}/validate', { params: { code: first }, token: scanner, expect: 200 });
    await call('post', '/api/tickets/{code}/checkin', { params: { code: second }, token: organizer, expect: 200 });
    await call('get', '/api/events/{id}/sales', { params: { id: event.id }, token: organizer, expect: 200 });
    await call('post', '/api/auth/refresh', { body: { refresh_token: boris.refresh_token }, expect: 200 });
    await call('post', '/api/events/{id}/cancel', { params: { id: event.id }, token: organizer, body: { reason: 'storm warning' }, expect: 200 });

    assert.deepEqual(violations, []);
    assert.ok(checked.length >= 20, `answers checked: ${checked.length}`);
  });
});
