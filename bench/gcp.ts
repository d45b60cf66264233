/**
 * `npm run bench -- gcp [--quick] [--case=reserve,redeem] [--roles=api,all] [--channels=200] [--certificates=5000] [--hot=5] [--tills=200] [--seconds=…]`
 *
 * Gift certificates (GCP) over HTTP against a started system, each case and implementation on
 * a fresh schema and server in the same invocation.
 *
 * - reserve (G-2): an operator loads a pool of M certificates of one nominal, then N sales
 *   channels (service principals with scope gcp:reserve, a token each) keep calling
 *   `GET /certificates/next` until the pool is exhausted (409). For our design (the pool's hot
 *   stream decided by HotStreamDecisions, GCP_RESERVATION_STRATEGY=batched) and for the naive
 *   baseline (one load-decide-append per reservation with the expected revision, retried on
 *   conflict: GCP_RESERVATION_STRATEGY=optimistic). Every certificate id answered must be
 *   distinct, and each must be a CertificateReserved in the pool's stream.
 * - redeem (G-5): an operator loads `--hot` certificates of a large nominal, a channel reserves
 *   and issues each (sales order + payment authorization; the issuing saga runs in a worker),
 *   the CVC is fetched once, then `--tills` tills (scope gcp:redeem) keep placing holds of 1.00
 *   on a random hot certificate for `--seconds` (default 30; reserve's default is 180). A hold
 *   is the redemption decision on the certificate's stream (the balance check under
 *   concurrency). Same two strategies (GCP_RESERVATION_STRATEGY covers certificate streams
 *   too). Afterwards each certificate's stream must show nominal − Σ accepted holds available.
 *
 * Each case runs in every role of `--roles` (default: api and all; quick: api): `api` is an API
 * instance alone (the command path: HTTP, decisions, appends), `all` adds the read side in the
 * same process (projections and sagas follow every append; on PGlite they share its one thread).
 *
 * More cases go in `cases` below (each declares its implementations and how it measures them).
 */
import { randomUUID } from 'node:crypto';
import { startSystem, type RunningSystem } from '../adapters/app/system.js';
import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfig } from '../adapters/config/platform-config.js';
import { signAccessToken } from '../adapters/http/access-token.js';
import { createLogger } from '../adapters/observability/logger.js';
import { giftCertificatesModule } from '../commands/gift-certificates/gift-certificates-module.js';
import { loadAggregate } from '../commands/load-aggregate.js';
import { normalizeNominal, streamOfPool } from '../domain/gift-certificates/certificate-pool.js';
import { availableBalance, giftCertificateDecider, streamOfCertificate } from '../domain/gift-certificates/gift-certificate.js';
import { fromMinorUnits, toMinorUnits } from '../domain/money.js';
import { numberOption, type BenchContext, type Bench } from './lib/bench.js';
import { percentile, round, call, type Answer } from './lib/measures.js';

const SECRET = 'gcp-benchmark-secret-of-at-least-32-chars';
const CVC_SECRET = 'gcp-benchmark-cvc-secret-of-at-least-32-chars';

/** The sizes every case is run with (`--channels`, `--certificates`, `--seconds`). */
export interface GcpSizes {
  /** The process role of the system under test (`api`: no projections or sagas; `all`: everything). */
  readonly role: 'api' | 'all';
  readonly channels: number;
  readonly certificates: number;
  /** Longest a measured phase may run; a case reports what it did in that time. */
  readonly seconds: number;
  /** redeem: how many hot certificates the tills redeem (`--hot`). */
  readonly hot: number;
  /** redeem: concurrent tills (`--tills`). */
  readonly tills: number;
  /** redeem: how long the tills redeem (`--seconds`, default 30; quick 10). */
  readonly redeemSeconds: number;
}

/** A started system of the gift-certificates context alone, on a fresh schema. */
export interface GcpSystem {
  readonly api: string;
  readonly system: RunningSystem;
  /** An access token of an operator (role gift_operator). */
  readonly operator: string;
  /** An access token of a sales channel `id` (a service principal with scope gcp:reserve). */
  channel(id: string): Promise<string>;
  /** Loads `count` generated certificates of `nominal` `currency` and waits until the batch is completed. */
  loadPool(count: number, nominal: string, currency: string): Promise<void>;
  /** An access token of a service principal `id` with `scopes`. */
  service(id: string, scopes: readonly string[]): Promise<string>;
  /** An access token of a user `id` with `roles` (e.g. gift_support). */
  user(id: string, roles: readonly string[]): Promise<string>;
  /**
   * Runs `body` with the read side (projections, sagas, outbox, timers) running: for role all
   * it already runs in the system; for role api a worker (role worker) is started beside it on
   * the same database for `body` and stopped after.
   */
  withWorker<R>(body: () => Promise<R>): Promise<R>;
}

export async function withGcpSystem<T>(ctx: BenchContext, role: 'api' | 'all', env: Record<string, string>, body: (gcp: GcpSystem) => Promise<T>): Promise<T> {
  const database = await ctx.target.openSchema(20);
  const config = loadConfig({ PORT: '0', JWT_SECRET: SECRET, GCP_CVC_SECRET: CVC_SECRET, LOG_LEVEL: 'silent', ...env }, appConfigSections);
  const start = (as: 'api' | 'all' | 'worker') => startSystem({ config, role: as, database, logger: createLogger({ level: 'silent' }), contexts: [giftCertificatesModule()] });
  const system = await start(role);
  try {
    const api = `http://127.0.0.1:${system.port}`;
    const operator = await signAccessToken({ kind: 'user', id: 'bench-operator', roles: ['gift_operator'], scopes: [] }, { secret: SECRET, ttlSeconds: 3600 });
    return await body({
      api,
      system,
      operator,
      channel: (id) => signAccessToken({ kind: 'service', id, roles: [], scopes: ['gcp:reserve'] }, { secret: SECRET, ttlSeconds: 3600 }),
      async loadPool(count, nominal, currency) {
        const batchId = `bench-${randomUUID()}`;
        const started = await call('POST', `${api}/certificates/batches`, operator, { batch_id: batchId, count, nominal, currency, valid_days: 365 });
        if (started.status !== 202) throw new Error(`load a batch: ${started.status} ${JSON.stringify(started.json)}`);
        for (const deadline = Date.now() + 600_000; ; ) {
          const progress = await call('GET', `${api}/certificates/batches/${batchId}`, operator);
          if (progress.status === 200 && progress.json.status === 'completed') return;
          if (Date.now() > deadline) throw new Error(`batch ${batchId} not completed in 10 minutes: ${JSON.stringify(progress.json)}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      service: (id, scopes) => signAccessToken({ kind: 'service', id, roles: [], scopes: [...scopes] }, { secret: SECRET, ttlSeconds: 3600 }),
      user: (id, roles) => signAccessToken({ kind: 'user', id, roles: [...roles], scopes: [] }, { secret: SECRET, ttlSeconds: 3600 }),
      async withWorker(work) {
        if (role === 'all') return work();
        const worker = await start('worker');
        try {
          return await work();
        } finally {
          await worker.stop();
        }
      },
    });
  } finally {
    await system.stop();
    await database.dispose();
  }
}

/** One implementation a case compares: `impl` is ours or baseline; `env` how the system is configured for it. */
interface GcpImpl {
  readonly impl: 'ours' | 'baseline';
  readonly variant: string;
  readonly env: Record<string, string>;
}

/** A case of this benchmark: its implementations and how one of them is measured (it calls ctx.record). */
interface GcpCase {
  readonly name: string;
  readonly impls: readonly GcpImpl[];
  run(ctx: BenchContext, impl: GcpImpl, sizes: GcpSizes): Promise<void>;
  /** What the reader of the figures must know about this case. */
  readonly note: string;
}

const reservationStrategies: readonly GcpImpl[] = [
  { impl: 'ours', variant: 'batched', env: { GCP_RESERVATION_STRATEGY: 'batched' } },
  { impl: 'baseline', variant: 'optimistic', env: { GCP_RESERVATION_STRATEGY: 'optimistic' } },
];

/** G-2: N channels reserve from one pool (one hot stream) until it is exhausted. */
const reserve: GcpCase = {
  name: 'reserve',
  impls: reservationStrategies,
  note:
    'reserve: ours = a pool’s reservations queued per process and decided + appended together (HotStreamDecisions); baseline = one load-decide-append per reservation with the expected revision, retried on conflict (429 gcp.busy after 20 conflicts; the channel then retries with the same request_id). p50/p99 = from a reservation’s first request to its 200, 429 retries included',
  async run(ctx, impl, { role, channels, certificates, seconds }) {
    const nominal = '1000';
    const currency = 'RUB';
    await withGcpSystem(ctx, role, impl.env, async (gcp) => {
      const loadStarted = performance.now();
      await gcp.loadPool(certificates, nominal, currency);
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const tokens = await Promise.all(Array.from({ length: channels }, (_, i) => gcp.channel(`bench-channel-${i}`)));

      ctx.log(`gcp reserve ${impl.variant} (role ${role}): ${channels} channels, ${certificates} certificates (loaded in ${loadSeconds.toFixed(1)} s)`);
      const answered: string[] = [];
      const latencies: number[] = [];
      let busy = 0;
      let errors = 0;
      let exhausted = false;
      const started = performance.now();
      const deadline = started + seconds * 1000;
      await Promise.all(
        tokens.map(async (token, i) => {
          let requestId = randomUUID();
          let firstTry = performance.now();
          while (!exhausted && performance.now() < deadline) {
            let answer: Answer;
            try {
              answer = await call('GET', `${gcp.api}/certificates/next?channel=bench-channel-${i}&nominal=${nominal}&currency=${currency}&request_id=${requestId}`, token);
            } catch (error) {
              // a failed connection: counted, and the channel retries with the same request_id
              errors++;
              if (errors <= 3) ctx.log(`  request failed: ${String((error as Error).cause ?? error)}`);
              continue;
            }
            if (answer.status === 200) {
              latencies.push(performance.now() - firstTry);
              answered.push(answer.json.id as string);
              requestId = randomUUID();
              firstTry = performance.now();
            } else if (answer.status === 409 && answer.json?.code === 'gcp.pool_exhausted') exhausted = true;
            else if (answer.status === 429) busy++; // retried at once with the same request_id
            else {
              errors++;
              if (errors <= 3) ctx.log(`  unexpected ${answer.status} ${JSON.stringify(answer.json)}`);
            }
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;

      const distinct = new Set(answered);
      const logged = (await gcp.system.dependencies.store.readStream(streamOfPool(normalizeNominal(nominal), currency)))
        .filter((event) => event.type === 'CertificateReserved')
        .map((event) => (event.data as { certificateId: string }).certificateId);
      const inLog = new Set(logged);
      const unknown = [...distinct].filter((id) => !inLog.has(id)).length;
      latencies.sort((a, b) => a - b);
      ctx.record({
        bench: 'gcp',
        case: 'reserve',
        impl: impl.impl,
        variant: impl.variant,
        role,
        channels,
        certificates,
        reserved: answered.length,
        duplicates: answered.length - distinct.size,
        reservedInLog: logged.length,
        exhausted,
        busy429: busy,
        errors,
        seconds: round(elapsed, 2),
        reservedPerSec: round(answered.length / elapsed),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
      });
      if (answered.length !== distinct.size) ctx.note(`reserve ${impl.variant} (${role}): ${answered.length - distinct.size} certificates were answered twice`);
      if (logged.length !== inLog.size) ctx.note(`reserve ${impl.variant} (${role}): ${logged.length - inLog.size} certificates reserved twice in the pool stream`);
      if (unknown > 0) ctx.note(`reserve ${impl.variant} (${role}): ${unknown} answered certificates are not reserved in the pool stream`);
      if (logged.length !== answered.length) ctx.note(`reserve ${impl.variant} (${role}): ${logged.length} reservations in the log but ${answered.length} answered 200`);
      if (!exhausted) ctx.note(`reserve ${impl.variant} (${role}): the pool was not exhausted within ${seconds} s (--seconds); figures cover what was reserved in that time`);
    });
  },
};

/** G-5: many tills redeem a few hot certificates (each its own stream) at once. */
const redeem: GcpCase = {
  name: 'redeem',
  impls: reservationStrategies,
  note:
    'redeem: a redemption = a till’s hold of 1.00 with the CVC (POST /certificates/{id}/redemptions → 201), the decision on the certificate’s stream that checks the balance; ours = a certificate’s commands queued per process and decided + appended together (HotStreamDecisions); baseline = one load-decide-append per hold with the expected revision (the whole certificate stream read first), retried on conflict (429 gcp.busy after 50; the till retries the same order_id at once). p50/p99 = from a hold’s first request to its 201, 429 retries included. overspent = certificates whose log shows more held than the nominal; inconsistent = whose log’s available balance ≠ nominal − the holds answered 201. Role api: a worker beside the API issues the certificates and is stopped before the tills start',
  async run(ctx, impl, { role, hot, tills, redeemSeconds: seconds }) {
    const nominal = '1000000.00';
    const currency = 'RUB';
    const amount = '1.00';
    await withGcpSystem(ctx, role, impl.env, async (gcp) => {
      const shop = await gcp.service('bench-web-shop', ['gcp:reserve', 'gcp:orders']);
      const payments = await gcp.service('bench-payments', ['gcp:payments']);
      const crm = await gcp.service('bench-crm', ['gcp:cvc']);
      const support = await gcp.user('bench-support', ['gift_support']);

      // 1–3: load, reserve, issue (the saga runs in the worker), hand out each CVC once
      const setupStarted = performance.now();
      const certificates = await gcp.withWorker(async () => {
        await gcp.loadPool(hot, nominal, currency);
        const issued: { id: string; cvc: string }[] = [];
        for (let i = 0; i < hot; i++) {
          const orderId = `bench-order-${i}`;
          const reserved = await call('GET', `${gcp.api}/certificates/next?channel=web&nominal=${nominal}&currency=${currency}&request_id=${orderId}`, shop);
          if (reserved.status !== 200) throw new Error(`reserve: ${reserved.status} ${JSON.stringify(reserved.json)}`);
          const id = reserved.json.id as string;
          const now = new Date().toISOString();
          const order = await call('POST', `${gcp.api}/channels/sales-orders`, shop, {
            message_id: `so-${orderId}`,
            order_id: orderId,
            kind: 'certificate_purchase',
            certificate_id: id,
            amount: nominal,
            currency,
            channel: 'web',
            notification_channel: 'email',
            occurred_at: now,
          });
          if (order.status !== 202) throw new Error(`sales order: ${order.status} ${JSON.stringify(order.json)}`);
          const payment = await call('POST', `${gcp.api}/channels/payments`, payments, {
            message_id: `pay-${orderId}`,
            payment_id: `p-${orderId}`,
            order_id: orderId,
            kind: 'authorization',
            amount: nominal,
            currency,
            occurred_at: now,
          });
          if (payment.status !== 202) throw new Error(`payment: ${payment.status} ${JSON.stringify(payment.json)}`);
          for (const deadline = Date.now() + 120_000; ; ) {
            const seen = await call('GET', `${gcp.api}/certificates/${id}`, support);
            if (seen.status === 200 && seen.json.status === 'NOTIFICATION_REQUESTED') break;
            if (Date.now() > deadline) throw new Error(`certificate ${id} not NOTIFICATION_REQUESTED in 2 minutes: ${seen.status} ${JSON.stringify(seen.json)}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          const cvc = await call('GET', `${gcp.api}/certificates/${id}/cvc`, crm);
          if (cvc.status !== 200) throw new Error(`cvc: ${cvc.status} ${JSON.stringify(cvc.json)}`);
          issued.push({ id, cvc: cvc.json.cvc as string });
        }
        return issued;
      });
      const setupSeconds = (performance.now() - setupStarted) / 1000;
      const tokens = await Promise.all(Array.from({ length: tills }, (_, i) => gcp.service(`bench-till-${i}`, ['gcp:redeem'])));

      // 4: the tills
      ctx.log(`gcp redeem ${impl.variant} (role ${role}): ${tills} tills, ${hot} hot certificates of ${nominal} ${currency} (issued in ${setupSeconds.toFixed(1)} s), ${seconds} s`);
      const accepted = new Map<string, number>(certificates.map((c) => [c.id, 0]));
      const latencies: number[] = [];
      let redeemed = 0;
      let repeats = 0;
      let busy = 0;
      let conflicts = 0;
      let errors = 0;
      let lowestAvailable: bigint | undefined;
      const conflictCodes = new Map<string, number>();
      const started = performance.now();
      const deadline = started + seconds * 1000;
      await Promise.all(
        tokens.map(async (token, i) => {
          let n = 0;
          let target = certificates[Math.floor(Math.random() * certificates.length)]!;
          let orderId = `till-${i}-${n}`;
          let firstTry = performance.now();
          const next = () => {
            target = certificates[Math.floor(Math.random() * certificates.length)]!;
            orderId = `till-${i}-${++n}`;
            firstTry = performance.now();
          };
          while (performance.now() < deadline) {
            let answer: Answer;
            try {
              answer = await call('POST', `${gcp.api}/certificates/${target.id}/redemptions`, token, { order_id: orderId, amount, cvc: target.cvc });
            } catch (error) {
              // a failed connection: counted, and the till retries the same order (the same hold)
              errors++;
              if (errors <= 3) ctx.log(`  request failed: ${String((error as Error).cause ?? error)}`);
              continue;
            }
            if (answer.status === 201 || answer.status === 200) {
              // 200 = the hold of an earlier attempt whose answer was lost
              if (answer.status === 200) repeats++;
              redeemed++;
              latencies.push(performance.now() - firstTry);
              accepted.set(target.id, accepted.get(target.id)! + 1);
              const available = toMinorUnits(answer.json.available_balance as string);
              if (lowestAvailable === undefined || available < lowestAvailable) lowestAvailable = available;
              next();
            } else if (answer.status === 429) busy++; // retried at once with the same order_id
            else if (answer.status === 409) {
              conflicts++;
              const code = String(answer.json?.code);
              conflictCodes.set(code, (conflictCodes.get(code) ?? 0) + 1);
              next();
            } else {
              errors++;
              if (errors <= 3) ctx.log(`  unexpected ${answer.status} ${JSON.stringify(answer.json)}`);
              next();
            }
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;

      // 5: every certificate's log against what the tills were told
      let overspent = 0;
      let inconsistent = 0;
      let heldInLog = 0;
      for (const { id } of certificates) {
        const { state, events } = await loadAggregate(gcp.system.dependencies.store, giftCertificateDecider, streamOfCertificate(id));
        const holds = events.filter((event) => event.type === 'RedemptionHeld');
        const held = holds.length;
        heldInLog += held;
        const heldAmount = holds.reduce((sum, event) => sum + toMinorUnits(event.data.amount), 0n);
        const available = availableBalance(state);
        if (available < 0n || heldAmount > toMinorUnits(nominal)) overspent++;
        if (available !== toMinorUnits(nominal) - BigInt(accepted.get(id)!) * toMinorUnits(amount) || held !== accepted.get(id)) {
          inconsistent++;
          ctx.note(`redeem ${impl.variant} (${role}): certificate ${id}: the log shows ${fromMinorUnits(available)} available and ${held} holds, the tills were answered ${accepted.get(id)} holds`);
        }
      }
      // with the read side in the process: the read model must come to the same figures
      let readModelAgrees: boolean | null = null;
      if (role === 'all') {
        readModelAgrees = true;
        for (const { id } of certificates) {
          const expected = fromMinorUnits(BigInt(accepted.get(id)!) * toMinorUnits(amount));
          let seen: Answer | undefined;
          for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 200))) {
            seen = await call('GET', `${gcp.api}/certificates/${id}`, support);
            if (seen.status === 200 && seen.json.pending_amount === expected) break;
          }
          if (!(seen?.status === 200 && seen.json.pending_amount === expected && seen.json.remaining_balance === nominal)) {
            readModelAgrees = false;
            ctx.note(`redeem ${impl.variant} (${role}): GET /certificates/${id} shows ${JSON.stringify({ remaining_balance: seen?.json?.remaining_balance, pending_amount: seen?.json?.pending_amount })} after 60 s, expected pending ${expected}`);
          }
        }
      }
      latencies.sort((a, b) => a - b);
      ctx.record({
        bench: 'gcp',
        case: 'redeem',
        impl: impl.impl,
        variant: impl.variant,
        role,
        tills,
        hot,
        redeemed,
        heldInLog,
        repeats200: repeats,
        busy429: busy,
        conflicts409: conflicts,
        errors,
        overspent,
        inconsistent,
        lowestAvailable: lowestAvailable === undefined ? null : fromMinorUnits(lowestAvailable),
        readModelAgrees,
        seconds: round(elapsed, 2),
        redeemedPerSec: round(redeemed / elapsed),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
      });
      if (conflictCodes.size > 0) ctx.note(`redeem ${impl.variant} (${role}): 409s ${JSON.stringify(Object.fromEntries(conflictCodes))}`);
      if (overspent > 0) ctx.note(`redeem ${impl.variant} (${role}): ${overspent} certificates overspent`);
    });
  },
};

/**
 * The cases, run in this order (`--case=name,…` picks some).
 * ── ADD NEW CASES HERE ── a case declares its implementations, starts its system with
 * `withGcpSystem` (`withWorker` when it needs the sagas under role api) and records one
 * BenchResult per implementation.
 */
const cases: readonly GcpCase[] = [
  reserve,
  redeem,
];

export const bench: Bench = {
  name: 'gcp',
  description: `Gift certificates over HTTP: ${cases.map((c) => c.name).join(', ')} — our hot-stream decisions vs a plain optimistic retry`,
  async run(ctx) {
    const sizes = {
      channels: numberOption(ctx, 'channels', 200),
      certificates: numberOption(ctx, 'certificates', ctx.quick ? 1000 : 5000),
      seconds: numberOption(ctx, 'seconds', ctx.quick ? 60 : 180),
      hot: numberOption(ctx, 'hot', ctx.quick ? 2 : 5),
      tills: numberOption(ctx, 'tills', ctx.quick ? 50 : 200),
      redeemSeconds: numberOption(ctx, 'seconds', ctx.quick ? 10 : 30),
    };
    const roles = (ctx.options.get('roles') ?? (ctx.quick ? 'api' : 'api,all')).split(',');
    const badRole = roles.find((role) => role !== 'api' && role !== 'all');
    if (badRole) throw new Error(`--roles: api and/or all, got ${badRole}`);
    const wanted = ctx.options.get('case')?.split(',');
    const unknown = wanted?.filter((name) => !cases.some((c) => c.name === name)) ?? [];
    if (unknown.length > 0) throw new Error(`unknown gcp case: ${unknown.join(', ')} (known: ${cases.map((c) => c.name).join(', ')})`);
    for (const each of cases.filter((c) => !wanted || wanted.includes(c.name))) {
      for (const role of roles as ('api' | 'all')[]) for (const impl of each.impls) await each.run(ctx, impl, { ...sizes, role });
      ctx.note(each.note);
    }
    ctx.note('role api = an API instance alone (the command path); role all = with the read side in the same process (projections and sagas read every append; on PGlite they share its one thread with the appends)');
  },
};
