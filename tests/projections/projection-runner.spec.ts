import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { migrate } from '../../adapters/database/migrations.js';
import { eventLogMigrations } from '../../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/postgres-event-store.js';
import { checkpointMigrations } from '../../projections/checkpoint-migrations.js';
import { readCheckpoint, waitForProjection, writeCheckpoint } from '../../projections/checkpoints.js';
import { databaseStatementsSent } from '../../adapters/observability/metrics.js';
import * as t from 'io-ts';
import { eventCodec } from '../../domain/event-codec.js';
import type { Projection } from '../../projections/projection.js';
import { ProjectionRunner, type ProjectionProgress } from '../../projections/projection-runner.js';
import { waitUntil } from '../adapters/eventstore/event-store.contract.js';
import { openPeer, openTestDatabase } from '../support/test-database.js';

const Deposited = eventCodec('Deposited', t.type({ amount: t.number }));

/** Counts deposits per wallet; fails on demand to prove a failed batch leaves no trace. */
function depositTotals(name: string, failures: { remaining: number } = { remaining: 0 }): Projection<t.TypeOf<typeof Deposited>> {
  return {
    name,
    events: Deposited,
    migrations: {
      [`${name}-0001-table`]: {
        async up(db) {
          await sql`create table ${sql.id(`rm_${name}`)} (wallet text primary key, total integer not null, deposits integer not null)`.execute(db);
        },
      },
    },
    async apply(trx, events) {
      for (const event of events) {
        await sql`
          insert into ${sql.id(`rm_${name}`)} (wallet, total, deposits) values (${event.streamName}, ${event.data.amount}, 1)
          on conflict (wallet) do update set total = ${sql.id(`rm_${name}`)}.total + excluded.total, deposits = ${sql.id(`rm_${name}`)}.deposits + 1`.execute(trx);
        if (failures.remaining > 0) {
          failures.remaining--;
          throw new Error('projection crashed mid-batch');
        }
      }
    },
  };
}

async function totals(database: Database, name: string): Promise<{ deposits: number; total: number }> {
  const { rows } = await sql<{ deposits: string; total: string }>`
    select coalesce(sum(deposits), 0)::text as deposits, coalesce(sum(total), 0)::text as total from ${sql.id(`rm_${name}`)}`.execute(database.db);
  return { deposits: Number(rows[0]!.deposits), total: Number(rows[0]!.total) };
}

describe('Projection runner', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: PostgresEventStore;
  const deposit = (amount: number) => ({ eventId: randomUUID(), type: 'Deposited', data: { amount }, metadata: {} });
  const noise = () => ({ eventId: randomUUID(), type: 'Renamed', data: {}, metadata: {} });

  before(async () => {
    database = await openTestDatabase();
    store = new PostgresEventStore(database, 20);
    const projections = ['once', 'a', 'b', 'leader', 'ryw', 'lag'].map((n) => depositTotals(n));
    await migrate(database, eventLogMigrations, checkpointMigrations, ...projections.map((p) => p.migrations!));
  });
  after(async () => database.dispose());

  it('given a batch that fails half-way, when the runner retries, then every event counts exactly once', async () => {
    for (let i = 0; i < 30; i++) await store.append(`Wallet-${randomUUID()}`, [deposit(2), noise()], 'no_stream');
    const errors: unknown[] = [];
    const runner = new ProjectionRunner(database, store, [depositTotals('once', { remaining: 3 })], {
      batchSize: 7,
      pollMs: 20,
      onError: (_, e) => errors.push(e),
    });
    runner.start();
    await waitUntil(() => errors.length >= 3);
    await waitForProjection(database, 'once', await store.headPosition(), 20_000);
    await runner.stop();
    assert.deepEqual(await totals(database, 'once'), { deposits: 30, total: 60 });
  });

  it('given several projections in one worker, when events arrive, then each read model gets them all', async () => {
    const runner = new ProjectionRunner(database, store, [depositTotals('a'), depositTotals('b')], { pollMs: 20 });
    runner.start();
    const result = await store.append(`Wallet-${randomUUID()}`, [deposit(5)], 'no_stream');
    assert.ok(await waitForProjection(database, 'a', result.position, 10_000));
    assert.ok(await waitForProjection(database, 'b', result.position, 10_000));
    await runner.stop();
    assert.deepEqual(await totals(database, 'a'), await totals(database, 'b'));
  });

  it('given two workers (as two processes), then one leads, and when it stops the other takes over without double counting', async () => {
    const peer = await openPeer(database);
    const first = new ProjectionRunner(database, store, [depositTotals('leader')], { pollMs: 20, leadershipRetryMs: 50 });
    const second = new ProjectionRunner(peer, new PostgresEventStore(peer, 20), [depositTotals('leader')], { pollMs: 20, leadershipRetryMs: 50 });
    first.start();
    await waitUntil(() => first.leading().length === 1);
    second.start();
    for (let i = 0; i < 10; i++) await store.append(`Wallet-${randomUUID()}`, [deposit(1)], 'no_stream');
    await waitForProjection(database, 'leader', await store.headPosition(), 10_000);
    assert.deepEqual(second.leading(), []);
    await first.stop();
    await waitUntil(() => second.leading().length === 1);
    for (let i = 0; i < 10; i++) await store.append(`Wallet-${randomUUID()}`, [deposit(1)], 'no_stream');
    assert.ok(await waitForProjection(database, 'leader', await store.headPosition(), 10_000));
    await second.stop();
    await peer.close();
    const expected = await sql<{ n: string }>`select count(*)::text as n from events where event_type = 'Deposited'`.execute(database.db);
    assert.equal((await totals(database, 'leader')).deposits, Number(expected.rows[0]!.n));
  });

  it('given a just-appended event, when a query waits for the projection, then the row is visible on return (read-your-writes)', async () => {
    const runner = new ProjectionRunner(database, store, [depositTotals('ryw')], { pollMs: 20 });
    runner.start();
    const wallet = `Wallet-${randomUUID()}`;
    const { position } = await store.append(wallet, [deposit(7)], 'no_stream');
    assert.equal(await waitForProjection(database, 'ryw', position, 10_000), true);
    const { rows } = await sql<{ total: number }>`select total from rm_ryw where wallet = ${wallet}`.execute(database.db);
    assert.equal(rows[0]?.total, 7);
    await runner.stop();
    const beyond = { ...position, prepare: position.prepare + 1_000_000n, commit: position.commit + 1_000_000n };
    assert.equal(await waitForProjection(database, 'ryw', beyond, 100), false);
  });

  it('given 200 readers waiting on a projection another process runs, then they share one poll of its checkpoint: those it passes wake, the rest time out', async () => {
    const at = (n: number) => ({ commit: BigInt(n), prepare: BigInt(n) });
    const before = databaseStatementsSent();
    const waiting = Array.from({ length: 200 }, (_, i) => waitForProjection(database, 'remote', at(i < 150 ? 100 + i : 10_000 + i), i < 150 ? 10_000 : 600));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await database.db.transaction().execute((trx) => writeCheckpoint(trx, 'remote', at(400))); // the other process's runner commits a batch
    const answers = await Promise.all(waiting);
    const statements = databaseStatementsSent() - before;
    assert.deepEqual(answers, [...Array(150).fill(true), ...Array(50).fill(false)]);
    // one poll every 25 ms for ~600 ms (plus the write's three): per-reader polling would be hundreds
    assert.ok(statements < 60, `${statements} statements for 200 readers`);
  });

  it('given a runner behind the log, then it reports lag, and zero lag once caught up', async () => {
    for (let i = 0; i < 20; i++) await store.append(`Wallet-${randomUUID()}`, [deposit(1)], 'no_stream');
    const progress: ProjectionProgress[] = [];
    const runner = new ProjectionRunner(database, store, [depositTotals('lag')], { pollMs: 20, batchSize: 5, onProgress: (p) => progress.push(p) });
    runner.start();
    await waitForProjection(database, 'lag', await store.headPosition(), 10_000);
    await waitUntil(() => progress.some((p) => p.lagEvents === 0 && p.lagSeconds === 0));
    await runner.stop();
    assert.ok(progress.some((p) => p.lagEvents > 0), 'lag was never reported while behind');
    assert.equal(progress[0]!.name, 'lag');
    assert.ok((await readCheckpoint(database.db, 'lag')).prepare > 0n);
  });
});
