/**
 * `npm run bench -- connect [--quick] [--database=pglite,postgres] [--sequential=20] [--rates=10,20,40] [--seconds=10] [--poll-ms=5] [--trace=N]`
 *
 * Connect (issue 14, item 10): ingested events per second to completed reward actions, with the
 * default rule set. Per database, on a fresh database of its own (the PostgreSQL server: a
 * scratch database `bench_connect_<random>`, dropped after; PGlite: a fresh schema of an
 * on-disk PGlite), a system as `npm start` builds it for Connect (accounts + the gateway on the
 * TON emulator + rewards, role all, production polling: PROJECTION_POLL_MS and the outbox's
 * defaults; the default rules seeded at start, the local points ledger and Connect's own
 * off-chain G2A ledger).
 *
 * The events, as source services report them to `POST /connect/events` (service principals with
 * the scope `connect:report:<source>`), alternating:
 * - `referral.joined` (level 1, a new member each time): 100 points to the sponsor (one action);
 * - `voucher.premium_purchased` (a new buyer each time, a basic promoter, buyer_bonus_points 20):
 *   1 G2A off-chain to the partner and 20 points to the buyer (two actions; the promoter, not
 *   PRO, earns nothing).
 * Sponsors and partners are a few per case (SPONSORS, PARTNERS), so their ledger accounts see
 * several credits each, as they would.
 *
 * Measured per event, from the moment the bench starts the POST (wall clock and monotonic):
 * - `completed` (ours): until the last of the event's actions completed — its `completed_at` in
 *   `rm_reward_actions`, the time the dispatcher recorded `RewardActionCompleted` (the system's
 *   clock is this process's wall clock); the path: ingestion (EconomicEventIngested + Evaluated,
 *   answered) → dispatch saga → CreateRewardAction through the outbox → RewardActionCreated →
 *   saga → DispatchRewardAction through the outbox → the credit at the ledger → Completed;
 * - `seen`: until a poller (one query every `--poll-ms` for the events still pending) first saw
 *   all of the event's actions `completed` in `rm_reward_actions` (what GET /connect/rewards/{id}
 *   reads): `completed` + the reward projection's lag + up to one poll;
 * - `ingested` (baseline, the same events): the POST answered (201, the proposed actions listed):
 *   ingestion and rule evaluation alone, no dispatch wait.
 * A report answered 503 (Connect's members read model behind the log) is sent again after its
 * `Retry-After`, as a source service would; its times still run from the first POST's start, and
 * `retried503` counts such reports.
 * Loads: `sequential` — one event at a time (the next is posted once the previous one's actions
 * are seen completed); `steady N/s` — events posted at a fixed offered rate for `--seconds`
 * (open loop). perSecond = events / (first POST → last completion); actionsPerSecond likewise.
 * eventLoopBusy = the process's event-loop utilisation during the case (on PGlite the database
 * runs on that loop too). After each case: every action completed, one RewardActionCompleted per
 * action in the log, no dead letter, and the balances of the case's sponsors, partners and a
 * sample of buyers (GET /connect/users/{id}/balances) exactly what was earned (paid once).
 * `--trace=N` logs, for N events from the middle of each case, when (ms after the POST started,
 * on the database's clock) each event of its flow was appended and each effect enqueued and done.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startSystem, type RunningSystem } from '../adapters/app/system.js';
import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfig } from '../adapters/config/platform-config.js';
import type { Database } from '../adapters/database/database.js';
import { openDatabase } from '../adapters/database/open-database.js';
import { signAccessToken } from '../adapters/http/access-token.js';
import { createLogger } from '../adapters/observability/logger.js';
import { openTonGateway } from '../adapters/ton/open-ton-gateway.js';
import { accountsModule } from '../commands/accounts/accounts-module.js';
import { gatewayModule } from '../commands/blockchain/gateway-module.js';
import { inProcessGateway } from '../commands/blockchain/in-process-gateway.js';
import { rewardsModule } from '../commands/rewards/rewards-module.js';
import { numberOption, type Bench, type BenchContext } from './lib/bench.js';
import { onEachDatabase, steadyRates } from './lib/each-database.js';
import { call, percentile, round } from './lib/measures.js';
import type { BenchTarget, DatabaseName } from './lib/target.js';

const SECRET = 'connect-benchmark-secret-of-at-least-32-chars';
/** Sponsors (referral.joined) and partners (voucher.premium_purchased) of a case: each earns from several events. */
const SPONSORS = 20;
const PARTNERS = 10;
/** How long a case's actions may take to complete before the bench gives up on them. */
const SETTLE_TIMEOUT_MS = 60_000;
/** Buyers per case whose balances are read back (every sponsor's and partner's are). */
const BUYER_SAMPLE = 10;
const G2A = 1_000_000_000n;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const tokenOf = (principal: { kind: 'user' | 'service'; id: string; roles?: string[]; scopes?: string[] }) =>
  signAccessToken({ kind: principal.kind, id: principal.id, roles: principal.roles ?? [], scopes: principal.scopes ?? [] }, { secret: SECRET, ttlSeconds: 3600 });

type Kind = 'referral' | 'voucher';

/** One report, and when (ms after its POST started) each stage was reached. */
interface Reported {
  readonly kind: Kind;
  readonly body: Record<string, unknown>;
  /** Who earns what from it (target → points / G2A jetton units). */
  readonly earns: readonly { readonly userId: string; readonly points: bigint; readonly g2a: bigint }[];
  postedAt?: number;
  postedWall?: number;
  eventId?: string;
  expectedActions?: number;
  ingestedMs?: number;
  completedMs?: number;
  seenMs?: number;
  /** How many times it was answered 503 and sent again. */
  retries?: number;
  error?: string;
}

interface Connect {
  readonly api: string;
  readonly system: RunningSystem;
  readonly database: Database;
  readonly tokens: { readonly referral: string; readonly voucher: string; readonly support: string };
}

/** `count` reports of a case, alternating a referral and a voucher. */
function reportsOf(count: number, run: string): Reported[] {
  return Array.from({ length: count }, (_, i): Reported => {
    if (i % 2 === 0) {
      const sponsor = `bench-sponsor-${run}-${(i / 2) % SPONSORS}`;
      return {
        kind: 'referral',
        body: {
          external_id: `ref-${run}-${i}`,
          event_type: 'referral.joined',
          source_service: 'referral_service',
          actor_user_id: `bench-joiner-${run}-${i}`,
          primary_subject_user_id: sponsor,
          context: { level: 1 },
        },
        earns: [{ userId: sponsor, points: 100n, g2a: 0n }],
      };
    }
    const partner = `bench-partner-${run}-${((i - 1) / 2) % PARTNERS}`;
    const buyer = `bench-buyer-${run}-${i}`;
    return {
      kind: 'voucher',
      body: {
        external_id: `voucher-${run}-${i}`,
        event_type: 'voucher.premium_purchased',
        source_service: 'voucher_service',
        actor_user_id: buyer,
        context: { voucher_id: `v-${run}-${i}`, rf_partner_id: partner, pro_promoter_id: `bench-promoter-${run}`, price_minor: 150_000, buyer_bonus_points: 20 },
      },
      earns: [
        { userId: partner, points: 0n, g2a: G2A },
        { userId: buyer, points: 20n, g2a: 0n },
      ],
    };
  });
}

/** How many times a report answered 503 (the read side behind: `Retry-After`) is sent again, as a source service would. */
const MAX_RETRIES_503 = 10;

/**
 * Posts a report, and again after `Retry-After` while it is answered 503 (Connect refuses to
 * evaluate while its members read model is behind); records when it was answered 201 — from the
 * first POST's start — and what the rules proposed.
 */
async function post(connect: Connect, report: Reported): Promise<void> {
  report.postedAt = performance.now();
  report.postedWall = Date.now();
  const token = report.kind === 'referral' ? connect.tokens.referral : connect.tokens.voucher;
  const body = JSON.stringify({ ...report.body, occurred_at: new Date(report.postedWall).toISOString() });
  try {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${connect.api}/connect/events`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
      const json = (await response.json().catch(() => null)) as { event_id?: string; actions?: unknown[] } | null;
      if (response.status === 503 && attempt < MAX_RETRIES_503) {
        report.retries = attempt + 1;
        await sleep(1000 * Math.min(10, Number(response.headers.get('retry-after')) || 1));
        continue;
      }
      report.ingestedMs = performance.now() - report.postedAt;
      if (response.status !== 201) throw new Error(`POST /connect/events: ${response.status} ${JSON.stringify(json)}`);
      report.eventId = json!.event_id!;
      report.expectedActions = json!.actions!.length;
      return;
    }
  } catch (error) {
    report.error = String(error);
  }
}

/**
 * Watches `rm_reward_actions` for the events posted (one query per round for those still
 * pending) until stopped: `completedMs` from the last action's completed_at, `seenMs` when the
 * poller first saw them all completed.
 */
function watch(connect: Connect, reports: readonly Reported[], pollMs: number): { stop(): Promise<void>; settled(r: Reported): boolean; allSettled(): boolean } {
  let stopped = false;
  const byEvent = new Map<string, Reported>();
  const settled = (r: Reported) => r.error !== undefined || r.seenMs !== undefined;
  const loop = (async () => {
    while (!stopped) {
      for (const r of reports) if (r.eventId && !byEvent.has(r.eventId)) byEvent.set(r.eventId, r);
      const pending = [...byEvent.values()].filter((r) => r.seenMs === undefined).map((r) => r.eventId!);
      if (pending.length > 0) {
        const { rows } = await sql<{ event_id: string; completed: number; last_completed: Date | string | null }>`
          select event_id, count(*)::int as completed, max(completed_at) as last_completed
          from rm_reward_actions where event_id = any(${pending}::text[]) and status = 'completed' group by event_id`.execute(connect.database.db);
        const now = performance.now();
        for (const row of rows) {
          const r = byEvent.get(row.event_id);
          if (!r || r.seenMs !== undefined || row.completed < r.expectedActions!) continue;
          r.seenMs = now - r.postedAt!;
          r.completedMs = new Date(row.last_completed!).getTime() - r.postedWall!;
        }
      }
      await sleep(pollMs);
    }
  })();
  return {
    settled,
    allSettled: () => reports.every(settled),
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

const until = async (done: () => boolean, timeoutMs: number, pollMs = 2): Promise<boolean> => {
  for (const deadline = performance.now() + timeoutMs; !done(); await sleep(pollMs)) if (performance.now() > deadline) return false;
  return true;
};

/**
 * `--trace=N`: for N events from the middle of the case, when (ms after the POST started, on the
 * database's clock) each event of the flow was appended (the EconomicEvent's, its actions', the
 * ledger entries keyed by the action ids) and each effect enqueued and done — where the time goes.
 */
async function trace(ctx: BenchContext, connect: Connect, reports: readonly Reported[]): Promise<void> {
  for (const r of reports) {
    if (!r.eventId) continue;
    const { rows: actions } = await sql<{ action_id: string; reward_type: string }>`select action_id, reward_type from rm_reward_actions where event_id = ${r.eventId} order by action_id`.execute(connect.database.db);
    const ids = actions.map((a) => a.action_id);
    const { rows } = await sql<{ at: Date | string; what: string }>`
      select created_at as at, 'event ' || event_type || coalesce(' ' || left(substring(stream_name from '-(.*)$'), 4), '') as what from events
        where stream_name = ${`EconomicEvent-${r.eventId}`} or stream_name = any(${ids.map((id) => `RewardAction-${id}`)}::text[])
      union all select created_at, 'event ' || event_type from events where stream_name like 'PointsAccount-%' and data::text like any(${ids.map((id) => `%${id}%`)}::text[])
      union all select created_at, 'event ' || event_type from events where stream_name like 'G2aAccount-%' and data::text like any(${ids.map((id) => `%${id}%`)}::text[])
      union all select created_at, 'enqueued ' || kind || ' ' || left(coalesce(payload->>'actionId', ''), 4) from outbox where payload->>'eventId' = ${r.eventId} or payload->>'actionId' = any(${ids}::text[])
      union all select completed_at, 'done ' || kind || ' ' || left(coalesce(payload->>'actionId', ''), 4) from outbox where (payload->>'eventId' = ${r.eventId} or payload->>'actionId' = any(${ids}::text[])) and completed_at is not null
      order by 1`.execute(connect.database.db);
    const steps = rows.map((row) => `${new Date(row.at).getTime() - r.postedWall!} ${row.what}`);
    ctx.log(`  trace of ${r.kind} ${r.eventId.slice(0, 8)} (answered ${round(r.ingestedMs ?? Number.NaN)} ms, completed ${r.completedMs ?? '-'} ms, seen ${round(r.seenMs ?? Number.NaN)} ms; actions ${actions.map((a) => `${a.action_id.slice(0, 4)} ${a.reward_type}`).join(', ')}): ${steps.join(' | ')}`);
  }
}

/** What must hold after a case: every action completed once in the log, no dead letter, the balances exactly what was earned. */
async function check(connect: Connect, reports: readonly Reported[]) {
  const ids = reports.filter((r) => r.eventId).map((r) => r.eventId!);
  const expected = reports.reduce((n, r) => n + (r.expectedActions ?? 0), 0);
  const actions = await sql<{ action_id: string; status: string }>`select action_id, status from rm_reward_actions where event_id = any(${ids}::text[])`.execute(connect.database.db);
  const streams = actions.rows.map((a) => `RewardAction-${a.action_id}`);
  const completions = await sql<{ n: number }>`
    select count(*)::int as n from (select stream_name from events where stream_name = any(${streams}::text[]) and event_type = 'RewardActionCompleted' group by stream_name having count(*) = 1) once`.execute(connect.database.db);
  const dead = await sql<{ n: number }>`select count(*)::int as n from outbox where status = 'dead'`.execute(connect.database.db);
  // what each target earned in this case; every sponsor and partner, a sample of buyers
  const earned = new Map<string, { points: bigint; g2a: bigint }>();
  for (const r of reports)
    for (const e of r.earns) {
      const sum = earned.get(e.userId) ?? { points: 0n, g2a: 0n };
      earned.set(e.userId, { points: sum.points + e.points, g2a: sum.g2a + e.g2a });
    }
  const buyers = [...earned.keys()].filter((id) => id.startsWith('bench-buyer-')).slice(0, BUYER_SAMPLE);
  const sample = [...[...earned.keys()].filter((id) => !id.startsWith('bench-buyer-')), ...buyers];
  // the balances read model follows the ledgers within moments: a few seconds for it to agree
  let balancesAgree = false;
  for (const deadline = Date.now() + 10_000; !balancesAgree && Date.now() < deadline; ) {
    balancesAgree = true;
    for (const userId of sample) {
      const answer = await call('GET', `${connect.api}/connect/users/${encodeURIComponent(userId)}/balances`, connect.tokens.support);
      const want = earned.get(userId)!;
      if (answer.status !== 200 || answer.json.points !== want.points.toString() || answer.json.g2a?.balance !== want.g2a.toString()) {
        balancesAgree = false;
        break;
      }
    }
    if (!balancesAgree) await sleep(100);
  }
  return {
    actions: actions.rows.length,
    expectedActions: expected,
    actionsCompleted: actions.rows.filter((a) => a.status === 'completed').length,
    completedOnce: completions.rows[0]!.n,
    deadLetters: dead.rows[0]!.n,
    balancesAgree,
  };
}

/** One load on one database: the events posted, followed to completion, the figures recorded. */
async function runCase(ctx: BenchContext, connect: Connect, database: DatabaseName, load: { kind: 'sequential'; count: number } | { kind: 'steady'; rate: number; seconds: number }, pollMs: number, traced: number): Promise<void> {
  const count = load.kind === 'sequential' ? load.count : Math.max(1, Math.round(load.rate * load.seconds));
  const label = load.kind === 'sequential' ? 'sequential' : `steady ${load.rate}/s`;
  const reports = reportsOf(count, randomBytes(3).toString('hex'));
  ctx.log(`connect on ${database}, ${label}: ${count} events`);

  const loopBefore = performance.eventLoopUtilization();
  const watcher = watch(connect, reports, pollMs);
  const started = performance.now();
  if (load.kind === 'sequential') {
    for (const report of reports) {
      await post(connect, report);
      if (report.error) continue;
      if (!(await until(() => watcher.settled(report), 30_000))) throw new Error(`event ${report.eventId}: its actions not completed after 30 s`);
    }
  } else {
    const posting: Promise<void>[] = [];
    const interval = 1000 / load.rate;
    for (let i = 0; i < reports.length; i++) {
      const wait = started + i * interval - performance.now();
      if (wait > 0) await sleep(wait);
      posting.push(post(connect, reports[i]!));
    }
    await Promise.all(posting);
  }
  const lastPosted = Math.max(...reports.map((r) => r.postedAt!));
  const settled = await until(() => watcher.allSettled(), SETTLE_TIMEOUT_MS);
  await watcher.stop();
  const eventLoopBusy = round(performance.eventLoopUtilization(loopBefore).utilization, 2);
  const errors = reports.filter((r) => r.error !== undefined);
  if (!settled) ctx.note(`connect on ${database} (${label}): ${reports.filter((r) => !watcher.settled(r)).length} of ${count} events not completed after ${SETTLE_TIMEOUT_MS / 1000} s`);
  if (errors.length > 0) ctx.note(`connect on ${database} (${label}): ${errors.length} reports refused, e.g. ${errors[0]!.error}`);
  if (traced > 0) await trace(ctx, connect, reports.slice(Math.floor(reports.length / 2), Math.floor(reports.length / 2) + traced));
  const checks = await check(connect, reports);

  const figures = (stage: 'completedMs' | 'seenMs' | 'ingestedMs') => {
    const values = reports.map((r) => r[stage]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    const last = Math.max(...reports.map((r) => (r[stage] === undefined ? Number.NEGATIVE_INFINITY : r.postedAt! + r[stage]!)));
    const seconds = (last - started) / 1000;
    return { values, seconds, perSecond: values.length > 0 && seconds > 0 ? values.length / seconds : 0 };
  };
  const ms = (values: number[], p: number) => round(percentile(values, p));
  const completed = figures('completedMs');
  const seen = figures('seenMs');
  const ingested = figures('ingestedMs');
  const ofKind = (kind: Kind) => reports.filter((r) => r.kind === kind && r.completedMs !== undefined).map((r) => r.completedMs!).sort((a, b) => a - b);
  const completedActions = reports.filter((r) => r.completedMs !== undefined).reduce((n, r) => n + r.expectedActions!, 0);
  const common = {
    bench: 'connect',
    database,
    load: label,
    events: count,
    offeredPerSecond: load.kind === 'steady' && count > 1 ? round((count - 1) / ((lastPosted - started) / 1000), 1) : null,
  } as const;
  ctx.record({
    ...common,
    case: 'completed',
    impl: 'ours',
    perSecond: round(completed.perSecond, 1),
    actionsPerSecond: round(completed.seconds > 0 ? completedActions / completed.seconds : 0, 1),
    p50Ms: ms(completed.values, 50),
    p99Ms: ms(completed.values, 99),
    maxMs: round(completed.values.at(-1) ?? 0),
    seenP50Ms: ms(seen.values, 50),
    seenP99Ms: ms(seen.values, 99),
    referralP50Ms: ms(ofKind('referral'), 50),
    voucherP50Ms: ms(ofKind('voucher'), 50),
    errors: errors.length,
    retried503: reports.filter((r) => r.retries).length,
    ...checks,
    eventLoopBusy,
  });
  ctx.record({
    ...common,
    case: 'ingested',
    impl: 'baseline',
    perSecond: round(ingested.perSecond, 1),
    p50Ms: ms(ingested.values, 50),
    p99Ms: ms(ingested.values, 99),
    maxMs: round(ingested.values.at(-1) ?? 0),
    errors: errors.length,
    retried503: reports.filter((r) => r.retries).length,
  });
  if (checks.actions !== checks.expectedActions || checks.actionsCompleted !== checks.expectedActions || checks.completedOnce !== checks.expectedActions || checks.deadLetters !== 0 || !checks.balancesAgree)
    ctx.note(`connect on ${database} (${label}): checks ${JSON.stringify(checks)} (expected every action completed once, 0 dead letters, the balances agreeing)`);
}

interface Plan {
  readonly sequential: number;
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly pollMs: number;
  readonly trace: number;
}

/** A database of Connect's own: a scratch database on the server (dropped after), a fresh schema on PGlite. */
async function freshDatabase(target: BenchTarget): Promise<{ database: Database; dispose(): Promise<void> }> {
  if (target.kind === 'pglite') {
    const schema = await target.openSchema(1);
    return { database: schema, dispose: () => schema.dispose() };
  }
  const scratch = await target.createScratchDatabase('bench_connect');
  try {
    const database = await openDatabase({ url: scratch.url, poolSize: 20 });
    return {
      database,
      async dispose() {
        await database.close();
        await scratch.drop();
      },
    };
  } catch (error) {
    await scratch.drop();
    throw error;
  }
}

/** One database: a fresh database and system, a warm-up, the sequential case, then each rate. */
async function runDatabase(ctx: BenchContext, target: BenchTarget, database: DatabaseName, plan: Plan): Promise<void> {
  const fresh = await freshDatabase(target);
  const dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-bench-connect-'));
  let system: RunningSystem | undefined;
  try {
    const config = loadConfig({ PORT: '0', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATA_DIR: dataDir, PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_ITERATIONS: '1' }, appConfigSections);
    const startedAt = performance.now();
    system = await startSystem({
      config,
      role: 'all',
      database: fresh.database,
      logger: createLogger({ level: 'silent' }),
      contexts: [accountsModule(), gatewayModule(openTonGateway({ persist: false })), rewardsModule({ gateway: inProcessGateway })],
    });
    ctx.log(`  system started in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    const connect: Connect = {
      api: `http://127.0.0.1:${system.port}`,
      system,
      database: fresh.database,
      tokens: {
        referral: await tokenOf({ kind: 'service', id: 'bench-referral-service', scopes: ['connect:report:referral_service'] }),
        voucher: await tokenOf({ kind: 'service', id: 'bench-voucher-service', scopes: ['connect:report:voucher_service'] }),
        support: await tokenOf({ kind: 'user', id: 'bench-support', roles: ['user', 'support'] }),
      },
    };
    // warm-up (not recorded): the code paths compiled, the pools filled
    const warmup = reportsOf(10, `warm${randomBytes(2).toString('hex')}`);
    const watcher = watch(connect, warmup, plan.pollMs);
    for (const report of warmup) await post(connect, report);
    const warmed = await until(() => watcher.allSettled(), SETTLE_TIMEOUT_MS);
    await watcher.stop();
    const refused = warmup.find((r) => r.error);
    if (refused) throw new Error(`warm-up: ${refused.error}`);
    if (!warmed) throw new Error('warm-up: the actions of 10 events not completed after 60 s');
    if (warmup.some((r) => r.expectedActions !== (r.kind === 'referral' ? 1 : 2))) throw new Error(`warm-up: the default rules proposed ${warmup.map((r) => r.expectedActions).join(',')} actions (expected 1 per referral, 2 per voucher)`);
    if (plan.sequential > 0) await runCase(ctx, connect, database, { kind: 'sequential', count: plan.sequential }, plan.pollMs, plan.trace);
    for (const rate of plan.rates) await runCase(ctx, connect, database, { kind: 'steady', rate, seconds: plan.seconds }, plan.pollMs, plan.trace);
  } finally {
    await system?.stop();
    await fresh.dispose();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

export const bench: Bench = {
  name: 'connect',
  description: 'Connect: reported events to completed reward actions (points, off-chain G2A) with the default rules (p50/p99, one at a time and at steady rates), vs the ingestion POST answered',
  async run(ctx) {
    const rates = steadyRates(ctx);
    const plan: Plan = {
      sequential: ctx.options.get('sequential') === '0' ? 0 : numberOption(ctx, 'sequential', ctx.quick ? 4 : 20),
      rates,
      seconds: numberOption(ctx, 'seconds', ctx.quick ? 2 : 10),
      pollMs: numberOption(ctx, 'poll-ms', 5),
      trace: ctx.options.has('trace') ? numberOption(ctx, 'trace', 3) : 0,
    };
    await onEachDatabase(ctx, 'connect', (target, database) => runDatabase(ctx, target, database, plan), (t) => `${t.description}${t.kind === 'pg' ? ' (a scratch database bench_connect_<random>, dropped after)' : ''}`);
    ctx.note(
      'completed (ours) = from the start of POST /connect/events to the completed_at of the event’s last reward action (rm_reward_actions: when the dispatcher recorded RewardActionCompleted, on this process’s clock); ' +
        'seen = to a poller (one query every --poll-ms) first seeing all of them completed in rm_reward_actions (what GET /connect/rewards/{id} reads); ingested (baseline, the same events) = the POST answered (ingested and evaluated, the actions proposed; no dispatch wait). ' +
        'Events alternate referral.joined (100 points to the sponsor) and voucher.premium_purchased (1 G2A off-chain to the partner + 20 points to the buyer): 1.5 actions per event. ' +
        'sequential = one event at a time (the next posted once the previous one’s actions are seen completed); steady N/s = posted at a fixed offered rate (open loop); perSecond = events / (first POST → last completion). ' +
        'One process (role all, production polling): API, projections, sagas, outbox, the ledgers and the client share one event loop (and, on PGlite, the database).',
    );
  },
};
