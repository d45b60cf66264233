import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isLeft } from 'fp-ts/Either';
import { sql } from 'kysely';
import { migrate } from '../../adapters/database/migrations.js';
import { eventLogMigrations } from '../../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/postgres-event-store.js';
import { handleCommand } from '../../commands/command-handler.js';
import { checkpointMigrations } from '../../projections/checkpoint-migrations.js';
import { waitForProjection } from '../../projections/checkpoints.js';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { ManualClock } from '../../platform/clock.js';
import { databaseStatementsSent } from '../../adapters/observability/metrics.js';
import { enqueueEffect, enqueueEffects, listDeadLetters, retryDeadLetter } from '../../sagas/outbox.js';
import { OutboxWorker, PermanentEffectFailure, type EffectHandler } from '../../sagas/outbox-worker.js';
import { processMigrations } from '../../sagas/process-migrations.js';
import * as t from 'io-ts';
import { pickEvents } from '../../domain/event-codec.js';
import { defineSaga, readSagaState, sagaProjection, sagaTimer, sagaTimerFiring, type SagaReaction } from '../../sagas/saga.js';
import { scheduleTimer, TimerWorker } from '../../sagas/timers.js';
import { walletDecider, WalletEvent } from '../support/sample-wallet.js';
import { openTestDatabase } from '../support/test-database.js';

const DAY = 24 * 60 * 60 * 1000;

/** An outside system that remembers idempotency keys, as a PSP or mail service does. */
class DeduplicatingService {
  readonly calls: string[] = [];
  readonly performed = new Set<string>();
  call(key: string): void {
    this.calls.push(key);
    this.performed.add(key);
  }
}

interface WelcomeState {
  readonly step: 'new' | 'welcomed' | 'reminded';
  readonly wallet?: string;
}

/** When a wallet opens: send a welcome mail, credit a bonus (a command), and remind a day later. */
const WelcomeReminder = sagaTimer('welcome', t.type({ flowId: t.string }));
const welcomeSaga = defineSaga({
  name: 'welcome',
  events: pickEvents(WalletEvent, ['WalletOpened']),
  timer: WelcomeReminder,
  initialState: { step: 'new' } as WelcomeState,
  flowId: (event) => event.streamName,
  react(state, event, now): SagaReaction<WelcomeState> {
    if (state.step !== 'new') return { state };
    const flowId = event.streamName;
    return {
      state: { step: 'welcomed', wallet: flowId },
      effects: [
        { idempotencyKey: `welcome:${flowId}:mail`, kind: 'mail', payload: { to: flowId } },
        { idempotencyKey: `welcome:${flowId}:bonus`, kind: 'credit-bonus', payload: { wallet: flowId, amount: 5 } },
      ],
      schedule: [WelcomeReminder.at(`welcome:${flowId}:reminder`, new Date(now.getTime() + DAY), { flowId })],
    };
  },
  onTimer(state, timer): SagaReaction<WelcomeState> {
    if (state.step !== 'welcomed') return { state };
    return {
      state: { ...state, step: 'reminded' },
      effects: [{ idempotencyKey: `${timer.id}:mail`, kind: 'mail', payload: { to: state.wallet } }],
    };
  },
});

describe('Saga runtime: saga state, outbox and durable timers', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: PostgresEventStore;
  let clock: ManualClock;
  let mail: DeduplicatingService;

  const handlers = (overrides: Record<string, EffectHandler> = {}): Record<string, EffectHandler> => ({
    mail: async (_payload, { idempotencyKey }) => mail.call(idempotencyKey),
    'credit-bonus': async (payload: { wallet: string; amount: number }, { idempotencyKey }) => {
      const result = await handleCommand(store, walletDecider, payload.wallet, { type: 'Deposit', amount: payload.amount }, { commandId: idempotencyKey, now: new Date() });
      if (isLeft(result)) throw new PermanentEffectFailure(result.left.message);
    },
    ...overrides,
  });

  beforeEach(async () => {
    database = await openTestDatabase();
    await migrate(database, eventLogMigrations, checkpointMigrations, processMigrations);
    store = new PostgresEventStore(database, 20);
    clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
    mail = new DeduplicatingService();
  });
  afterEach(async () => database.dispose());

  async function openWalletAndReact(): Promise<string> {
    const wallet = `Wallet-${randomUUID()}`;
    const opened = await handleCommand(store, walletDecider, wallet, { type: 'Open', owner: 'ann' }, { now: new Date() });
    assert.ok(!isLeft(opened));
    const sagas = new ProjectionRunner(database, store, [sagaProjection(welcomeSaga, clock)], { pollMs: 20 });
    sagas.start();
    assert.ok(await waitForProjection(database, 'saga:welcome', opened.right.position!, 10_000));
    await sagas.stop();
    return wallet;
  }

  it('given a worker that dies after calling out but before recording it, when a new worker starts, then the flow completes and the outside effect happened once', async () => {
    const wallet = await openWalletAndReact();
    let hang = true;
    const dying = new OutboxWorker(database, handlers({
      mail: async (_p, { idempotencyKey }) => {
        mail.call(idempotencyKey);
        if (hang) await new Promise(() => {}); // the process dies here: the call went out, "done" never written
      },
    }), { clock, leaseMs: 30_000 });
    await Promise.race([dying.drainOnce(), new Promise((r) => setTimeout(r, 500))]);
    hang = false;
    assert.deepEqual(mail.calls, [`welcome:${wallet}:mail`]);

    clock.advance(31_000); // the dead worker's lease runs out
    const successor = new OutboxWorker(database, handlers(), { clock });
    while ((await successor.drainOnce()) > 0);

    assert.equal(mail.calls.length, 2, 'the successor repeats the call with the same key');
    assert.deepEqual([...mail.performed], [`welcome:${wallet}:mail`]);
    const events = await store.readStream(wallet);
    assert.deepEqual(events.map((e) => e.type), ['WalletOpened', 'Deposited'], 'the bonus command ran once');
    const { rows } = await sql<{ status: string; n: string }>`select status, count(*)::text as n from outbox group by status`.execute(database.db);
    assert.deepEqual(rows, [{ status: 'done', n: '2' }]);
  });

  it('given a command effect retried after a crash, when it runs again, then the command is not applied twice', async () => {
    const wallet = await openWalletAndReact();
    const worker = new OutboxWorker(database, handlers(), { clock });
    await worker.drainOnce();
    // Simulate a crash after the command but before "done": put it back and run again.
    await sql`update outbox set status = 'pending', next_attempt_at = ${clock.now().toISOString()}::timestamptz where kind = 'credit-bonus'`.execute(database.db);
    await worker.drainOnce();
    assert.deepEqual((await store.readStream(wallet)).map((e) => e.type), ['WalletOpened', 'Deposited']);
  });

  it('given a timer scheduled before a restart, when the clock passes its due time, then a new worker fires it exactly once', async () => {
    const wallet = await openWalletAndReact();
    const before = new TimerWorker(database, { [WelcomeReminder.kind]: sagaTimerFiring(welcomeSaga)!.fire }, { clock, pollMs: 20 });
    before.start();
    assert.equal(await before.fireDue(), 0, 'not due yet');
    await before.stop(); // restart

    clock.advance(DAY + 1);
    const after = new TimerWorker(database, { [WelcomeReminder.kind]: sagaTimerFiring(welcomeSaga)!.fire }, { clock });
    const [firstCount, secondCount] = await Promise.all([after.fireDue(), after.fireDue()]);
    assert.equal(firstCount + secondCount, 1);
    assert.equal(await after.fireDue(), 0);
    assert.deepEqual(await readSagaState(database, 'welcome', wallet), { step: 'reminded', wallet });
    await new OutboxWorker(database, handlers(), { clock }).drainOnce();
    assert.ok(mail.performed.has(`welcome:${wallet}:reminder:mail`));
  });

  it('given a timer whose handler fails, then it is retried later and does not hold back the timers due after it', async () => {
    const fired: string[] = [];
    await scheduleTimer(database.db, { id: 'broken', kind: 'breaks', dueAt: clock.now(), payload: {} });
    await scheduleTimer(database.db, { id: 'fine', kind: 'works', dueAt: new Date(clock.now().getTime() + 1), payload: {} });
    clock.advance(10);
    const worker = new TimerWorker(database, {
      breaks: async () => { throw new Error('handler bug'); },
      works: async (_trx, timer) => void fired.push(timer.id),
    }, { clock });
    await worker.fireDue();
    assert.deepEqual(fired, ['fine']);
    const { rows } = await sql<{ status: string; attempts: number; last_error: string; due_at: Date | string }>`select status, attempts, last_error, due_at from timers where id = 'broken'`.execute(database.db);
    assert.equal(rows[0]!.status, 'scheduled');
    assert.equal(rows[0]!.attempts, 1);
    assert.equal(rows[0]!.last_error, 'handler bug');
    assert.ok(new Date(rows[0]!.due_at).getTime() > clock.now().getTime(), 'retried later, not at once');
  });

  it('given an effect that keeps failing, then it backs off, becomes a dead letter, and a retried dead letter completes', async () => {
    const wallet = await openWalletAndReact();
    let broken = true;
    const flaky = handlers({ mail: async (_p, { idempotencyKey }) => { if (broken) throw new Error('smtp 451'); mail.call(idempotencyKey); } });
    const worker = new OutboxWorker(database, flaky, { clock, maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 });
    const dueTimes: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await worker.drainOnce();
      const { rows } = await sql<{ next_attempt_at: Date | string }>`select next_attempt_at from outbox where kind = 'mail'`.execute(database.db);
      dueTimes.push(new Date(rows[0]!.next_attempt_at).getTime() - clock.now().getTime());
      clock.advance(120_000);
    }
    assert.ok(dueTimes[0]! >= 1000, 'retries wait at least the base delay');
    const dead = await listDeadLetters(database.db);
    assert.deepEqual(dead.map((d) => [d.idempotencyKey, d.attempts, d.lastError]), [[`welcome:${wallet}:mail`, 3, 'smtp 451']]);

    broken = false;
    assert.equal(await retryDeadLetter(database.db, `welcome:${wallet}:mail`, clock.now()), true);
    assert.equal(await retryDeadLetter(database.db, 'no-such-key', clock.now()), false);
    await worker.drainOnce();
    assert.deepEqual(await listDeadLetters(database.db), []);
    assert.ok(mail.performed.has(`welcome:${wallet}:mail`));
  });

  it('given a permanent failure, then the effect is dead at once without retries', async () => {
    await openWalletAndReact();
    const worker = new OutboxWorker(database, handlers({ mail: async () => { throw new PermanentEffectFailure('address rejected'); } }), { clock });
    await worker.drainOnce();
    const [dead] = await listDeadLetters(database.db);
    assert.equal(dead?.attempts, 1);
    assert.equal(dead?.lastError, 'address rejected');
  });

  it('given the saga saw an event, when the saga runner restarts from its checkpoint, then it does not react twice', async () => {
    const wallet = await openWalletAndReact();
    const again = new ProjectionRunner(database, store, [sagaProjection(welcomeSaga, clock)], { pollMs: 20 });
    again.start();
    const next = await store.append(`Other-${randomUUID()}`, [{ eventId: randomUUID(), type: 'WalletOpened', data: { owner: 'bob' }, metadata: {} }], 'no_stream');
    await waitForProjection(database, 'saga:welcome', next.position, 10_000);
    await again.stop();
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from outbox where payload->>'to' = ${wallet} or payload->>'wallet' = ${wallet}`.execute(database.db);
    assert.equal(rows[0]!.n, '2');
  });

  it('given effects stored together, then each key is stored once, the first of a key wins, and a key stored before is left alone', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    await enqueueEffect(database.db, { idempotencyKey: 'k:old', kind: 'mail', payload: { to: 'first' } }, now);
    await enqueueEffects(
      database.db,
      [
        { idempotencyKey: 'k:old', kind: 'mail', payload: { to: 'again' } },
        { idempotencyKey: 'k:a', kind: 'mail', payload: { to: 'a' }, correlationId: 'c-1' },
        { idempotencyKey: 'k:a', kind: 'mail', payload: { to: 'a-again' } },
        { idempotencyKey: 'k:later', kind: 'mail', payload: { to: 'later', nested: [1, 'two'] }, notBefore: new Date('2026-03-02T10:00:00Z') },
      ],
      now,
    );
    await enqueueEffects(database.db, [], now);
    const { rows } = await sql<{ idempotency_key: string; payload: unknown; next_attempt_at: Date | string; correlation_id: string | null }>`
      select idempotency_key, payload, next_attempt_at, correlation_id from outbox order by idempotency_key`.execute(database.db);
    const payload = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);
    assert.deepEqual(
      rows.map((row) => [row.idempotency_key, payload(row.payload), new Date(row.next_attempt_at).toISOString(), row.correlation_id]),
      [
        ['k:a', { to: 'a' }, now.toISOString(), 'c-1'],
        ['k:later', { to: 'later', nested: [1, 'two'] }, '2026-03-02T10:00:00.000Z', null],
        ['k:old', { to: 'first' }, now.toISOString(), null],
      ],
    );
  });

  it('given twenty effects that finish together, when one worker performs them, then all are done and marking them takes a few statements, not one each', async () => {
    const now = clock.now();
    await enqueueEffects(database.db, Array.from({ length: 20 }, (_, i) => ({ idempotencyKey: `together:${i}`, kind: 'mail', payload: { to: `w${i}` } })), now);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const worker = new OutboxWorker(database, handlers({ mail: async (_payload, { idempotencyKey }) => { started++; if (started === 20) release(); await gate; mail.call(idempotencyKey); } }), { clock, batchSize: 20 });
    const before = databaseStatementsSent();
    assert.equal(await worker.drainOnce(), 20);
    const statements = databaseStatementsSent() - before;
    assert.equal(mail.performed.size, 20);
    const { rows } = await sql<{ status: string; n: string }>`select status, count(*)::text as n from outbox group by status`.execute(database.db);
    assert.deepEqual(rows, [{ status: 'done', n: '20' }]);
    assert.ok(statements <= 4, `claiming and marking 20 effects took ${statements} statements`);
  });

  it('given a backlog of effects that finish one at a time, when the running worker works through it, then it claims them in bunches, not a claim per effect or two', async () => {
    const now = clock.now();
    const backlog = 200;
    await enqueueEffects(database.db, Array.from({ length: backlog }, (_, i) => ({ idempotencyKey: `backlog:${i}`, kind: 'mail', payload: { to: `b${i}` } })), now);
    let finished = 0;
    // the effects of one claim start together, in one run of the worker's code: a claim is a run
    let claims = 0;
    let inClaim = false;
    const startedInClaim = () => {
      if (inClaim) return;
      claims++;
      inClaim = true;
      queueMicrotask(() => (inClaim = false));
    };
    // the effects take 2–38 ms, so places free up one or two at a time
    const worker = new OutboxWorker(database, handlers({
      mail: async (_payload, { idempotencyKey }) => {
        startedInClaim();
        await new Promise((resolve) => setTimeout(resolve, 2 + (finished++ % 10) * 4));
        mail.call(idempotencyKey);
      },
    }), { clock, batchSize: 20 });
    const performed = () => new Set(mail.calls.filter((key) => key.startsWith('backlog:'))).size;
    const before = databaseStatementsSent();
    worker.start();
    try {
      for (let waited = 0; performed() < backlog; waited += 10) {
        assert.ok(waited < 20_000, `only ${performed()} of ${backlog} effects performed`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await worker.stop();
    }
    const statements = databaseStatementsSent() - before;
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from outbox where idempotency_key like 'backlog:%' and status = 'done'`.execute(database.db);
    assert.equal(rows[0]!.n, String(backlog));
    // at least ten claims of twenty; a claim per place freed would be ~50 (measured before the linger)
    assert.ok(claims <= 30, `${backlog} effects took ${claims} claims`);
    assert.ok(statements <= 2 * backlog, `${backlog} effects took ${statements} statements`);
  });
});

