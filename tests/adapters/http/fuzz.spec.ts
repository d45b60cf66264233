import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { businessContexts } from '../../../bin/contexts.js';
import { ManualClock } from '../../../platform/clock.js';
import { BAD_PATH_SEGMENTS, hostileBody, hostileQueryValue, hostileString, IMPOSSIBLE_DATES, junkCursor, nestedJsonText, urlText } from '../../support/hostile-input.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';

type Schema = { readonly [keyword: string]: unknown };
interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly schema?: Schema;
}
interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: Schema }> };
}
interface Call {
  readonly method: string;
  readonly path: string;
  readonly token?: string | undefined;
  readonly body?: string | undefined;
  readonly contentType?: string | undefined;
  readonly idempotencyKey?: string | undefined;
}

/** How many random requests each route gets (FUZZ_RUNS overrides); the seed makes a failure repeatable. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

/**
 * The fuzz suite (issue "Hardening", item 8): every operation of /openapi.json, so every route
 * added later is covered without a line here, gets hostile requests on the embedded default —
 * from every kind of caller, forged tokens included. No answer may be a 5xx, and every refusal
 * is problem+json naming its status.
 */
describe('fuzz: every route of /openapi.json against hostile input (fast-check, seeded)', function () {
  this.timeout(600_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let dataDir: string;
  let operations: { method: string; path: string; operation: Operation }[];
  const tokens: Record<string, string | undefined> = { anonymous: undefined };
  const realIds: string[] = [];

  before(async () => {
    database = await openTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-fuzz-'));
    system = await startTestSystem({
      database,
      clock: new ManualClock(new Date()),
      env: { DATA_DIR: dataDir, ADMIN_EMAILS: 'fuzz-admin@example.com' },
      contexts: businessContexts,
    });
    const document = (await (await fetch(`${system.api}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method, path, operation })));

    const post = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${system.api}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      assert.ok(res.status < 300, `${path}: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const admin = await post('/api/auth/register', { email: 'fuzz-admin@example.com', password: 'fuzzing is fun', display_name: 'Admin' });
    tokens.admin = admin.access_token;
    const user = await post('/api/auth/register', { email: 'fuzz-user@example.com', password: 'fuzzing is fun', display_name: 'User' });
    tokens.user = user.access_token;
    realIds.push(user.user.id);
    const organizer = await post('/api/auth/register', { email: 'fuzz-org@example.com', password: 'fuzzing is fun', display_name: 'Org' });
    tokens.organizer = (await post('/api/users/me/become-organizer', {}, organizer.access_token)).access_token;
    const scopes = [
      ...new Set(operations.flatMap(({ operation }) => ((operation as Record<string, unknown>)['x-scopes'] as string[] | undefined) ?? [])),
    ];
    const principal = await post('/api/admin/service-principals', { name: 'fuzzer', scopes }, tokens.admin);
    tokens.service = (await post('/api/auth/token', { grant_type: 'client_credentials', client_id: principal.client_id, client_secret: principal.client_secret })).access_token;
    realIds.push(principal.client_id);
    const gathering = await post(
      '/api/events',
      { title: 'Fuzz night', venue: 'Hall', starts_at: '2027-07-01T18:00:00Z', ends_at: '2027-07-01T22:00:00Z', capacity: 10 },
      tokens.organizer,
    );
    realIds.push(gathering.id);

    const adminClaims = { kind: 'user', id: admin.user.id, roles: ['user', 'admin'], scopes: [] } as const;
    tokens.wrongKey = await signAccessToken(adminClaims, { secret: 'another-secret-of-at-least-32-characters', ttlSeconds: 600 });
    tokens.expired = await signAccessToken(adminClaims, { secret: TEST_JWT_SECRET, ttlSeconds: 60, now: 1_000_000 });
    tokens.noExpiry = await new SignJWT({ kind: 'user', roles: ['user', 'admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(admin.user.id)
      .setIssuer('ledgerline')
      .setIssuedAt()
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    tokens.algNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: admin.user.id, kind: 'user', roles: ['admin'], iss: 'ledgerline', exp: 4102444800 })}.`;
    tokens.junk = 'not.a.token';
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  /** Send one request; the answer must be below 500 and, when a refusal, problem+json. */
  async function send(call: Call): Promise<number> {
    const headers: Record<string, string> = { 'X-Correlation-Id': 'fuzz' };
    if (call.token !== undefined) headers.Authorization = `Bearer ${call.token}`;
    if (call.body !== undefined) headers['Content-Type'] = call.contentType ?? 'application/json';
    if (call.idempotencyKey !== undefined) headers['Idempotency-Key'] = call.idempotencyKey;
    const res = await fetch(`${system.api}${call.path}`, { method: call.method.toUpperCase(), headers, ...(call.body === undefined ? {} : { body: call.body }) });
    const text = await res.text();
    const shown = `${call.method.toUpperCase()} ${call.path.slice(0, 300)} body=${(call.body ?? '').slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
    assert.ok(res.status < 500, `no 5xx: ${shown}`);
    if (res.status >= 400) {
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `a refusal is problem+json: ${shown}`);
      const problem = JSON.parse(text) as { status?: number; code?: string };
      assert.equal(problem.status, res.status, `the problem names its status: ${shown}`);
      assert.equal(typeof problem.code, 'string', shown);
    }
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `nosniff: ${shown}`);
    return res.status;
  }

  const pathOf = (template: string, values: Readonly<Record<string, string>>) => template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
  const paramsOf = (operation: Operation, where: Parameter['in']) => (operation.parameters ?? []).filter((p) => p.in === where);
  const bodySchemaOf = (operation: Operation) => operation.requestBody?.content['application/json']?.schema;
  const queryString = (entries: readonly (readonly [string, string | readonly string[]])[]) => {
    const parts = entries.flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v: string) => `${urlText(name)}=${urlText(v)}`));
    return parts.length ? `?${parts.join('&')}` : '';
  };

  it('given every documented route, when the classes of the hostile-input probe are sent, then none gives a 5xx or a non-problem refusal', async () => {
    let sent = 0;
    for (const { method, path, operation } of operations) {
      const pathParams = paramsOf(operation, 'path').map((p) => p.name);
      const fill = (value: string) => Object.fromEntries(pathParams.map((name) => [name, value]));
      const goodPath = pathOf(path, fill(realIds[realIds.length - 1]!));
      const hasBody = operation.requestBody !== undefined || method === 'post' || method === 'put' || method === 'patch';
      const calls: Call[] = [];
      // malformed percent-encoding, NUL and lone surrogates in every path parameter, before and after authentication
      for (const token of [undefined, tokens.admin]) {
        for (const segment of [...BAD_PATH_SEGMENTS, urlText('\ud800'), urlText('a\u0000')]) if (pathParams.length) calls.push({ method, path: pathOf(path, fill(segment)), token });
      }
      // forged tokens of every kind
      for (const forged of ['wrongKey', 'expired', 'noExpiry', 'algNone', 'junk']) calls.push({ method, path: goodPath, token: tokens[forged] });
      const token = tokens.admin;
      if (hasBody) {
        // a deeply nested body (depth 5,000 in about 10 KB) with an Idempotency-Key
        calls.push({ method, path: goodPath, token, body: nestedJsonText(5000), idempotencyKey: 'deep-body' });
        const properties = Object.keys(((bodySchemaOf(operation)?.properties ?? {}) as object) ?? {});
        for (const bad of ['\u0000', '\ud800', 'x\udfffy', ...IMPOSSIBLE_DATES.slice(0, 3)]) {
          const body = Object.fromEntries((properties.length ? properties : ['name']).map((name) => [name, bad]));
          calls.push({ method, path: goodPath, token, body: JSON.stringify(body), idempotencyKey: `bad-${sent}-${calls.length}` });
        }
        calls.push({ method, path: goodPath, token, body: JSON.stringify({ 'key\u0000': 1, ['\ud800']: 2 }) });
        calls.push({ method, path: goodPath, token, body: '{"a":', contentType: 'application/json' });
        calls.push({ method, path: goodPath, token, body: 'plain text', contentType: 'text/plain' });
      }
      // NUL, lone surrogates, impossible dates and junk cursors in the query
      for (const query of paramsOf(operation, 'query')) {
        for (const bad of ['\u0000', '\ud800', ...IMPOSSIBLE_DATES.slice(0, 3), 'eyJzdGFydHNBdCI6Ii0xIn0', 'eyJzZXEiOiIifQ', '!!!']) {
          calls.push({ method, path: `${goodPath}${queryString([[query.name, bad]])}`, token });
        }
      }
      calls.push({ method, path: `${goodPath}?x=%zz&%00=1&y=${urlText('\udc00')}`, token });
      const started = Date.now();
      for (const call of calls) {
        await send(call);
        sent++;
      }
      if (process.env.FUZZ_TIMING) process.stderr.write(`fuzz ${method.toUpperCase()} ${path}: ${calls.length} calls in ${Date.now() - started} ms\n`);
    }
    assert.ok(sent > 500, `sent ${sent}`);
  });

  it('given every documented route, when random hostile requests are sent from every kind of caller, then none gives a 5xx or a non-problem refusal', async () => {
    const callers = Object.keys(tokens);
    for (const { method, path, operation } of operations) {
      const pathArb = fc
        .tuple(
          ...paramsOf(operation, 'path').map((p) =>
            fc.oneof(fc.constantFrom(...realIds), hostileString.map(urlText), fc.constantFrom(...BAD_PATH_SEGMENTS)).map((value) => [p.name, value] as const),
          ),
        )
        .map((entries) => pathOf(path, Object.fromEntries(entries)));
      const queryArb = fc
        .tuple(
          ...paramsOf(operation, 'query').map((p) => fc.option(hostileQueryValue(p.schema, p.name), { nil: undefined }).map((value) => [p.name, value] as const)),
          fc.option(fc.tuple(hostileString, hostileString), { nil: undefined }),
          fc.option(junkCursor, { nil: undefined }),
        )
        .map((entries) => {
          const extra = entries.at(-2) as [string, string] | undefined;
          const cursor = entries.at(-1) as string | undefined;
          const documented = (entries.slice(0, -2) as (readonly [string, string | string[] | undefined])[]).filter((e): e is [string, string | string[]] => e[1] !== undefined);
          return queryString([...documented, ...(extra ? [extra] : []), ...(cursor && !documented.some(([n]) => n === 'cursor') ? [['cursor', cursor] as const] : [])]);
        });
      const hasBody = operation.requestBody !== undefined;
      const bodyArb = hasBody ? hostileBody(bodySchemaOf(operation)) : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...callers),
          pathArb,
          queryArb,
          bodyArb,
          fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/merge-patch+json'),
          fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('é', ' ', 'x'.repeat(300))), { nil: undefined }),
          async (caller, routePath, query, body, contentType, idempotencyKey) => {
            await send({ method, path: `${routePath}${query}`, token: tokens[caller], body, contentType, idempotencyKey });
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    }
  });

  it('given a long run of hostile requests, when it is over, then the heap is back near where it started (nothing per request is retained)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapMiB = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed / 1_048_576;
    };
    const hostile = (i: number): Call => {
      const { method, path } = operations[i % operations.length]!;
      const target = path.replace(/\{\w+\}/g, i % 3 === 0 ? '%zz' : `x${i}`);
      switch (i % 4) {
        case 0:
          return { method: 'post', path: i % 2 ? '/api/auth/login' : '/api/auth/token', body: JSON.stringify({ email: `who${i}@example.com`, password: 'wrong password', grant_type: 'client_credentials', client_id: `svc_${i}`, client_secret: 'x' }) };
        case 1:
          return { method, path: `${target}?cursor=${i}&q=${'y'.repeat(200)}`, token: `forged.${i}.token` };
        case 2:
          return { method: 'post', path: target, token: tokens.user, body: JSON.stringify({ text: 'x'.repeat(2000), n: i }), idempotencyKey: `abuse-${i}` };
        default:
          return { method: method === 'get' ? 'delete' : method, path: target, token: tokens.algNone, body: nestedJsonText(300) };
      }
    };
    for (let i = 0; i < 300; i++) await send(hostile(i)); // warm up code paths first
    const before = heapMiB();
    for (let i = 300; i < 2300; i++) await send(hostile(i));
    const after = heapMiB();
    assert.ok(after - before < 32, `heap grew from ${before.toFixed(1)} to ${after.toFixed(1)} MiB over 2,000 hostile requests`);
  });
});
