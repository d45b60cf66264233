import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { businessContexts } from '../../../bin/contexts.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';

type Schema = { readonly [keyword: string]: unknown };
interface Operation {
  readonly parameters?: readonly { readonly name: string; readonly in: string; readonly schema?: Schema }[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: Schema }> };
  readonly 'x-scopes'?: readonly string[];
}

/** Internal type names a validation message must never show (io-ts expressions, brands). */
const INTERNALS = ['|', '&', '{', 'Partial<', 'Branded', 'Readonly'];

/** A value of another type than `schema` asks for. */
function wrongValue(schema: Schema | undefined): unknown {
  switch (schema?.type) {
    case 'string':
      return 42;
    case 'object':
      return 'not an object';
    case 'array':
      return 'not a list';
    default:
      return schema?.enum || schema?.anyOf || schema?.const !== undefined ? 'platinum' : 'x';
  }
}

/** Each property of an object schema given a value of the wrong type (nested objects and lists too). */
function wrongBodies(schema: Schema): unknown[] {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const flat = Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, wrongValue(s)]));
  const nested = Object.fromEntries(
    Object.entries(properties).map(([name, s]) => [name, s.type === 'array' ? [wrongValue(s.items as Schema)] : s.type === 'object' ? { ...(wrongBodies(s)[1] as object) } : wrongValue(s)]),
  );
  return [{}, flat, nested, [], null];
}

/**
 * A new user's first mistakes, against every route of the product: an empty body, each field
 * of the wrong type, a list where an object belongs, a bad path parameter and query value. The
 * 400s name fields in words, never with the codecs' internal type expressions.
 */
describe('validation messages of every route (the whole product)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let dataDir: string;

  before(async () => {
    database = await openTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-messages-'));
    system = await startTestSystem({ database, clock: new ManualClock(new Date()), env: { DATA_DIR: dataDir }, contexts: businessContexts });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  const send = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${system.api}${path}`, {
      method: method.toUpperCase(),
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as { code?: string; detail?: string; field?: string; errors?: { field: string; message: string }[] }) : undefined };
  };

  it('given an empty body, wrong types, a bad path parameter and query value on every route, when refused, then no message shows an internal type name', async () => {
    const document = (await (await fetch(`${system.api}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method, path, operation })));
    const scopes = [...new Set(operations.flatMap(({ operation }) => operation['x-scopes'] ?? []))];
    const token = await signAccessToken({ kind: 'user', id: 'message-walker', roles: ['user', 'admin'], scopes }, { secret: TEST_JWT_SECRET, ttlSeconds: 600 });

    const offending: string[] = [];
    let refusals = 0;
    for (const { method, path, operation } of operations) {
      if (path === '/metrics') continue;
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => `${p.name}=${p.schema?.type === 'string' && !p.schema.format && !p.schema.enum ? 'x' : 'not-a-value'}`);
      const target = `${path.replace(/\{[^}]+\}/g, 'not-an-id')}${query.length ? `?${query.join('&')}` : ''}`;
      const schema = operation.requestBody?.content['application/json']?.schema;
      const bodies = schema ? wrongBodies(schema) : [undefined];
      for (const body of bodies) {
        const answer = await send(method, target, token, body);
        if (answer.status !== 400 || !answer.body) continue;
        refusals++;
        const messages = [answer.body.detail ?? '', ...(answer.body.errors ?? []).map((e) => `${e.field} ${e.message}`)];
        for (const message of messages) {
          if (INTERNALS.some((internal) => message.includes(internal))) offending.push(`${method.toUpperCase()} ${path} ${JSON.stringify(body)}: ${message}`);
        }
        if (answer.body.code === 'request.invalid') assert.ok(answer.body.field, `${method.toUpperCase()} ${path}: the first offending field is named`);
      }
    }
    assert.deepEqual(offending, []);
    assert.ok(refusals > 60, `the walk met refusals (${refusals})`);
  });

  it('given a ticket type of an unknown kind and an event starting "tomorrow", when sent, then the messages list the kinds and describe the date and the title’s length in words', async () => {
    const organizer = await signAccessToken({ kind: 'user', id: 'message-organizer', roles: ['user', 'organizer'], scopes: [] }, { secret: TEST_JWT_SECRET, ttlSeconds: 600 });
    const start = Date.now() + 7 * 86400_000;
    const event = { title: 'Words, not types', venue: 'Hall', starts_at: new Date(start).toISOString(), ends_at: new Date(start + 3600_000).toISOString(), capacity: 10 };
    const tomorrow = await send('post', '/api/events', organizer, { ...event, starts_at: 'tomorrow' });
    assert.equal(tomorrow.status, 400);
    assert.equal(tomorrow.body?.field, 'starts_at');
    assert.equal(tomorrow.body?.detail, 'Invalid request: starts_at must be an ISO-8601 date-time with a zone, e.g. 2026-05-01T18:00:00Z (got "tomorrow")');

    const short = await send('post', '/api/events', organizer, { ...event, title: 'x' });
    assert.deepEqual(short.body?.errors, [{ field: 'title', in: 'body', message: 'must be text of 3 to 200 characters (got "x")' }]);

    const created = await send('post', '/api/events', organizer, event);
    assert.equal(created.status, 201);
    const id = (created.body as unknown as { id: string }).id;
    assert.equal((await send('post', `/api/events/${id}/publish`, organizer)).status, 200);
    const ticketType = { kind: 'platinum', quantity: 5, price: '10.00', sales_start: new Date().toISOString(), sales_end: new Date(start).toISOString() };
    const platinum = await send('post', `/api/events/${id}/ticket-types`, organizer, ticketType);
    assert.equal(platinum.status, 400);
    assert.deepEqual(platinum.body?.errors, [{ field: 'kind', in: 'body', message: 'must be one of standard, vip, early_bird (got "platinum")' }]);

    const empty = await send('post', `/api/events/${id}/ticket-types`, organizer, {});
    assert.equal(empty.body?.field, 'kind', 'a body without any field names the first one missing');
    assert.match(empty.body?.detail ?? '', /^Invalid request: kind is required; quantity is required/);
  });
});
