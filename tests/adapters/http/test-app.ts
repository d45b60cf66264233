import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import { migrate } from '../../../adapters/database/migrations.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { createHttpApp, type HttpApp } from '../../../adapters/http/create-app.js';
import { httpMigrations } from '../../../adapters/http/http-migrations.js';
import { CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../../adapters/http/pagination.js';
import type { Principal, Role } from '../../../adapters/http/principal.js';
import { TokenBucketLimiter, tooManyAttempts } from '../../../adapters/http/rate-limiter.js';
import { databaseReadiness, type ReadinessCheck } from '../../../adapters/http/readiness.js';
import { defineRoute, type Route } from '../../../adapters/http/route.js';
import { IntegerFromText, IsoDateTime } from '../../../adapters/http/text-codecs.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import { DomainErrorException, domainError, type DomainError } from '../../../domain/decider.js';
import { openTestDatabase } from '../../support/test-database.js';

export const JWT_SECRET = 'test-secret-of-at-least-thirty-two-characters';

export type TestDatabase = Awaited<ReturnType<typeof openTestDatabase>>;

/** Sample routes exercising every edge behaviour, with counters to see how often handlers ran. */
export interface SampleApp extends HttpApp {
  readonly database: TestDatabase;
  readonly logLines: string[];
  readonly handlerRuns: Map<string, number>;
  /** Resolves the request parked in GET /test/slow. */
  readonly gates: { release: (() => void) | undefined; entered: Promise<void> };
  readonly readiness: { failing: boolean };
  dispose(): Promise<void>;
}

const CreateSlot = t.type({
  title: t.string,
  startsAt: IsoDateTime,
  capacity: t.number,
  kind: t.union([t.literal('standard'), t.literal('vip')]),
});

const ItemKey = t.type({ id: t.number });
const NoteKey = t.type({ at: CursorTimestamp, name: t.string });

export async function openSampleApp(options: { readonly extraChecks?: readonly ReadinessCheck[]; readonly metricsToken?: string } = {}): Promise<SampleApp> {
  const database = await openTestDatabase();
  await migrate(database, httpMigrations);
  await sql`create table sample_items (id integer primary key, name text not null)`.execute(database.db);
  await sql`insert into sample_items select g, 'item ' || g from generate_series(1, 25) g`.execute(database.db);
  await sql`create table sample_notes (name text not null, note jsonb not null, at timestamptz)`.execute(database.db);

  const logLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const handlerRuns = new Map<string, number>();
  const ran = (name: string) => handlerRuns.set(name, (handlerRuns.get(name) ?? 0) + 1);
  let enter!: () => void;
  const gates: SampleApp['gates'] = { release: undefined, entered: new Promise<void>((resolve) => (enter = resolve)) };
  const readiness = { failing: false };
  const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1 / 30 });

  const routes: Route[] = [
    defineRoute({
      method: 'post',
      path: '/test/slots',
      summary: 'Create a slot (decoding sample)',
      tags: ['test'],
      auth: 'public',
      body: CreateSlot,
      responses: { 201: { description: 'Created', schema: t.type({ id: t.string, title: t.string }) } },
      handle: async ({ body }) => {
        ran('slots');
        return { status: 201, body: { id: `slot-${handlerRuns.get('slots')}`, title: body.title }, headers: { Location: '/test/slots/1' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/test/slots/:slotId',
      summary: 'Read a slot (path and query decoding sample)',
      tags: ['test'],
      auth: 'public',
      params: t.type({ slotId: IntegerFromText }),
      query: t.partial({ verbose: t.keyof({ yes: null, no: null }) }),
      responses: { 200: { description: 'The slot' } },
      handle: async ({ params, query }) => ({ status: 200, body: { slotId: params.slotId, verbose: query.verbose ?? 'no' } }),
    }),
    defineRoute({
      method: 'post',
      path: '/test/refusals/:kind',
      summary: 'Refuse with a domain error of the given kind (thrown)',
      tags: ['test'],
      auth: 'public',
      params: t.type({ kind: t.string }),
      idempotency: 'off',
      responses: { 204: { description: 'Never' } },
      handle: async ({ params }) => {
        throw new DomainErrorException(
          params.kind === 'rate_limited'
            ? tooManyAttempts('test.slow_down', 'Slow down', 17)
            : domainError(params.kind as DomainError['kind'], `test.${params.kind}`, `Refused: ${params.kind}`, 'someField'),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/test/refusals/:kind',
      summary: 'Refuse with a domain error of the given kind (returned as Left)',
      tags: ['test'],
      auth: 'public',
      params: t.type({ kind: t.string }),
      responses: { 200: { description: 'When kind is "none"' } },
      handle: async ({ params }) =>
        params.kind === 'none'
          ? right({ status: 200, body: { ok: true } })
          : left(domainError(params.kind as DomainError['kind'], `test.${params.kind}`, `Refused: ${params.kind}`)),
    }),
    defineRoute({
      method: 'post',
      path: '/test/bells',
      summary: 'Ring a bell (a body that is all optional, or none)',
      tags: ['test'],
      auth: 'public',
      idempotency: 'off',
      body: t.union([t.undefined, t.partial({ loud: t.boolean })]),
      responses: { 200: { description: 'Rung', schema: t.type({ loud: t.boolean }) } },
      handle: async ({ body }) => ({ status: 200, body: { loud: body?.loud ?? false } }),
    }),
    defineRoute({
      method: 'get',
      path: '/test/crash',
      summary: 'Fail unexpectedly',
      tags: ['test'],
      auth: 'public',
      responses: { 200: { description: 'Never' } },
      handle: async () => {
        throw new Error('database password is hunter2 at /srv/secret/internal.ts:42');
      },
    }),
    ...guardedRoutes(),
    defineRoute({
      method: 'post',
      path: '/test/orders',
      summary: 'Place an order (idempotency sample)',
      tags: ['test'],
      auth: { roles: ['user'] },
      body: t.type({ amount: t.number }),
      responses: { 201: { description: 'Placed' } },
      handle: async ({ body, principal }) => {
        ran('orders');
        if (body.amount === 13) {
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        if (body.amount < 0) return left(domainError('rule_violated', 'order.negative', 'Amount must be positive', 'amount'));
        if (body.amount === 500) throw new Error('PSP unreachable');
        return { status: 201, body: { orderNo: handlerRuns.get('orders'), amount: body.amount, by: principal.id } };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/test/orders/:id',
      summary: 'Replace an order (opted into idempotency)',
      tags: ['test'],
      auth: 'public',
      idempotency: 'required',
      body: t.type({ amount: t.number }),
      responses: { 200: { description: 'Replaced' } },
      handle: async ({ params }) => {
        ran('replace');
        return { status: 200, body: { id: params.id, run: handlerRuns.get('replace') } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/test/items',
      summary: 'List items (keyset pagination sample)',
      tags: ['test'],
      auth: 'public',
      query: t.intersection([pageQuery, t.partial({ prefix: t.string })]),
      responses: { 200: { description: 'A page', schema: pageCodec(t.type({ id: t.number, name: t.string })) } },
      handle: async ({ query }) => {
        const page = readPageRequest(query, ItemKey, { defaultLimit: 10, maxLimit: 50 });
        const rows = await database.db
          .selectFrom('sample_items')
          .select(['id', 'name'])
          .$if(page.after !== undefined, (q) => q.where('id', '>', page.after!.id))
          .orderBy('id')
          .limit(page.limit + 1)
          .execute();
        return { status: 200, body: pageOf(rows as { id: number; name: string }[], page, (r) => ({ id: r.id }), ItemKey) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/test/login',
      summary: 'Log in (rate limit sample)',
      tags: ['test'],
      auth: 'public',
      idempotency: 'off',
      body: t.type({ email: t.string }),
      responses: { 204: { description: 'Accepted' } },
      handle: async ({ body }) => {
        const decision = limiter.take(`login:${body.email}`);
        if (!decision.allowed) throw new DomainErrorException(tooManyAttempts('auth.too_many_attempts', 'Too many login attempts', decision.retryAfterSeconds));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/test/notes/:name',
      summary: 'Keep a note (text reaching text and jsonb columns)',
      tags: ['test'],
      auth: 'public',
      body: t.intersection([t.type({ text: t.string }), t.partial({ at: IsoDateTime, tags: t.array(t.string) })]),
      responses: { 201: { description: 'Kept' } },
      handle: async ({ params, body }) => {
        await sql`insert into sample_notes (name, note, at) values (${params.name}, ${JSON.stringify(body)}::jsonb, ${body.at ?? null})`.execute(database.db);
        return { status: 201, body: { name: params.name } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/test/notes',
      summary: 'List notes after an instant (keyset pagination over a timestamp)',
      tags: ['test'],
      auth: 'public',
      query: pageQuery,
      responses: { 200: { description: 'A page' } },
      handle: async ({ query }) => {
        const page = readPageRequest(query, NoteKey);
        const { rows } = await sql<{ name: string; at: Date }>`
          select name, at from sample_notes
          where at is not null and (${page.after?.at ?? null}::timestamptz is null or (at, name) > (${page.after?.at ?? null}::timestamptz, ${page.after?.name ?? ''}))
          order by at, name limit ${page.limit + 1}`.execute(database.db);
        return { status: 200, body: pageOf(rows, page, (r) => ({ at: r.at as unknown as string, name: r.name }), NoteKey) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/test/slow',
      summary: 'Answer when the test says so (graceful shutdown sample)',
      tags: ['test'],
      auth: 'public',
      responses: { 200: { description: 'Done' } },
      handle: async () => {
        await new Promise<void>((resolve) => {
          gates.release = resolve;
          enter();
        });
        return { status: 200, body: { finished: true } };
      },
    }),
  ];

  const app = createHttpApp({
    routes,
    database,
    logger,
    jwtSecret: JWT_SECRET,
    bodyLimitBytes: 4096,
    metricsToken: options.metricsToken,
    readinessChecks: [
      databaseReadiness(database),
      {
        name: 'eventstore',
        check: async () => {
          if (readiness.failing) throw new Error('connection refused');
        },
      },
      ...(options.extraChecks ?? []),
    ],
  });
  return { ...app, database, logLines, handlerRuns, gates, readiness, dispose: () => database.dispose() };
}

/** One route per access rule, for the guard matrix. */
function guardedRoutes(): Route[] {
  const rules = {
    'any-user': {},
    organizer: { roles: ['organizer'] },
    'scanner-or-support': { roles: ['scanner', 'support'] },
    'service-scope': { scopes: ['rewards:ingest'] },
  } as const;
  return Object.entries(rules).map(([name, rule]) =>
    defineRoute({
      method: 'get',
      path: `/test/guarded/${name}`,
      summary: `Guarded by ${name}`,
      tags: ['test'],
      auth: rule,
      responses: { 200: { description: 'Allowed' } },
      handle: async ({ principal }) => ({ status: 200, body: { id: principal.id, kind: principal.kind } }),
    }),
  );
}

export async function bearer(id: string, roles: readonly Role[], extra: Partial<Principal> = {}, ttlSeconds = 300): Promise<string> {
  const token = await signAccessToken({ kind: 'user', id, roles, scopes: [], ...extra }, { secret: JWT_SECRET, ttlSeconds });
  return `Bearer ${token}`;
}
