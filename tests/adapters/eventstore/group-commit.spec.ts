import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../../adapters/database/database.js';
import { migrate } from '../../../adapters/database/migrations.js';
import { WrongExpectedVersion, comparePositions, type AppendResult, type EventToAppend } from '../../../adapters/eventstore/event-store.js';
import { eventLogMigrations } from '../../../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../../../adapters/eventstore/postgres/postgres-event-store.js';
import { databaseKind, openPeer, openTestDatabase } from '../../support/test-database.js';

/**
 * Group commit in the PostgreSQL event log: appends to different streams made while a commit
 * is in flight — here, made in one turn of the event loop, which is how these specs form a
 * group — are written in one transaction, and each is still judged on its own.
 */
const event = (data: unknown = { n: 1 }): EventToAppend => ({ eventId: randomUUID(), type: 'Happened', data, metadata: { correlationId: 'c-1' } });
const stream = () => `Group-${randomUUID()}`;
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
const commits = (results: readonly AppendResult[]) => new Set(results.map((r) => r.position.commit));

describe(`PostgreSQL event log: group commit on ${databaseKind === 'pg' ? 'the PostgreSQL server' : 'PGlite'}`, function () {
  this.timeout(60_000);
  let database: Database & { dispose(): Promise<void> };
  let peer: Database;
  let store: PostgresEventStore;
  /** The same log through other connections, as another process sees it. */
  let other: PostgresEventStore;

  before(async () => {
    database = await openTestDatabase();
    await migrate(database, eventLogMigrations);
    peer = await openPeer(database);
    store = new PostgresEventStore(database, 20);
    other = new PostgresEventStore(peer, 20);
  });
  after(async () => {
    await other.close();
    await store.close();
    await peer.close();
    await database.dispose();
  });

  it('given 50 appends to 50 streams made at once, then each is readable elsewhere when acknowledged, and all were committed in one transaction', async () => {
    const streams = Array.from({ length: 50 }, stream);
    const from = await other.headPosition();
    const seenAtAck: boolean[] = [];
    const results = await Promise.all(
      streams.map((name, i) =>
        store.append(name, [event({ i })], 'no_stream').then(async (result) => {
          // At its acknowledgement the append is committed: another connection reads it.
          const read = await other.readStream(name);
          seenAtAck[i] = read.length === 1 && read[0]!.revision === 0n;
          return result;
        }),
      ),
    );
    assert.deepEqual(seenAtAck, streams.map(() => true));
    assert.deepEqual(results.map((r) => r.nextRevision), streams.map(() => 0n));
    assert.equal(commits(results).size, 1);
    const all = await other.readAll(from, { limit: 1000 });
    for (const name of streams) assert.equal(all.events.filter((e) => e.streamName === name).length, 1);
  });

  it('given a group in which one stream was expected at a stale revision, then only that append fails (with its actual revision), and its neighbours are written together', async () => {
    const stale = stream();
    await store.append(stale, [event(), event(), event()], 'no_stream'); // revisions 0…2
    const moved = stream();
    await store.append(moved, [event(), event()], 'no_stream'); // revisions 0…1
    const fresh = Array.from({ length: 5 }, stream);
    const settled = await Promise.allSettled([
      store.append(stale, [event()], 0n),
      store.append(moved, [event(), event()], 'no_stream'),
      ...fresh.map((name) => store.append(name, [event(), event()], 'no_stream')),
    ]);
    const [staleOne, movedOne, ...rest] = settled;
    assert.ok(staleOne!.status === 'rejected' && staleOne.reason instanceof WrongExpectedVersion && staleOne.reason.actual === 2n);
    assert.ok(movedOne!.status === 'rejected' && movedOne.reason instanceof WrongExpectedVersion && movedOne.reason.actual === 1n);
    const written = rest.map((r) => (r.status === 'fulfilled' ? r.value : assert.fail(String(r.reason))));
    assert.deepEqual(written.map((r) => r.nextRevision), fresh.map(() => 1n));
    assert.equal(commits(written).size, 1);
    assert.equal((await other.readStream(stale)).length, 3);
    assert.equal((await other.readStream(moved)).length, 2);
  });

  it('given appends with any revision to streams that exist and streams that do not, made at once, then they are written together, each after its stream’s current revision', async () => {
    const existing = Array.from({ length: 4 }, stream);
    for (const [i, name] of existing.entries()) await store.append(name, Array.from({ length: i + 1 }, () => event()), 'no_stream'); // at revisions 0…3
    const fresh = Array.from({ length: 4 }, stream);
    const results = await Promise.all([...existing, ...fresh].map((name) => store.append(name, [event({ any: 1 }), event({ any: 2 })], 'any')));
    assert.deepEqual(results.map((r) => r.nextRevision), [2n, 3n, 4n, 5n, 1n, 1n, 1n, 1n]);
    assert.equal(commits(results).size, 1, 'one transaction');
    for (const [i, name] of existing.entries()) {
      const read = await other.readStream(name);
      assert.deepEqual(read.map((e) => e.revision), Array.from({ length: i + 3 }, (_, k) => BigInt(k)));
      assert.deepEqual(read.slice(-2).map((e) => e.data), [{ any: 1 }, { any: 2 }]);
    }
  });

  it('given a group whose any-revision append is raced by a writer of its stream outside the group, then both are written, one after the other, and nothing is lost', async () => {
    const name = stream();
    await store.append(name, [event()], 'no_stream');
    const neighbours = Array.from({ length: 3 }, stream);
    const results = await Promise.all([
      other.append(name, [event({ outside: true })], 'any'),
      store.append(name, [event({ grouped: true })], 'any'),
      ...neighbours.map((neighbour) => store.append(neighbour, [event()], 'any')),
    ]);
    assert.deepEqual(new Set(results.slice(0, 2).map((r) => r.nextRevision)), new Set([1n, 2n]));
    const read = await other.readStream(name);
    assert.deepEqual(read.map((e) => e.revision), [0n, 1n, 2n]);
    assert.equal(read.filter((e) => (e.data as { grouped?: boolean }).grouped).length, 1);
    assert.equal(read.filter((e) => (e.data as { outside?: boolean }).outside).length, 1);
    for (const neighbour of neighbours) assert.equal((await other.readStream(neighbour)).length, 1);
  });

  it('given an any-revision append of events already in the stream (a retried effect), then nothing new is written and it is acknowledged with the earlier result', async () => {
    const name = stream();
    const first = [event({ once: true })];
    const earlier = await store.append(name, first, 'any');
    const [again] = await Promise.all([store.append(name, first, 'any'), ...Array.from({ length: 3 }, () => store.append(stream(), [event()], 'any'))]);
    assert.equal(again!.nextRevision, earlier.nextRevision);
    assert.equal(again!.reappended, true);
    assert.equal((await other.readStream(name)).length, 1);
  });

  it('given a group holding an idempotent re-append, then it is acknowledged with the earlier result and flagged reappended, and nothing new is written', async () => {
    const name = stream();
    const batch = [event(), event()];
    const first = await store.append(name, batch, 'no_stream');
    const neighbours = Array.from({ length: 4 }, stream);
    const [again, ...rest] = await Promise.all([
      store.append(name, batch, 'no_stream'),
      ...neighbours.map((n) => store.append(n, [event()], 'no_stream')),
    ]);
    assert.equal(again!.reappended, true);
    assert.equal(again!.nextRevision, first.nextRevision);
    assert.equal(comparePositions(again!.position, first.position), 0);
    assert.equal((await other.readStream(name)).length, 2);
    assert.equal(commits(rest).size, 1);
    for (const r of rest) assert.notEqual(r.reappended, true);
  });

  it('given a group one of whose appends carries an event id already elsewhere in the log (a violation no stream can be blamed for), then the group is appended one by one: its neighbours are written and only that append fails', async () => {
    const elsewhere = stream();
    const taken = event();
    await store.append(elsewhere, [taken], 'no_stream');
    const culprit = stream();
    const neighbours = Array.from({ length: 6 }, stream);
    const [bad, ...rest] = await Promise.allSettled([
      store.append(culprit, [event(), taken], 'no_stream'),
      ...neighbours.map((n) => store.append(n, [event()], 'no_stream')),
    ]);
    assert.ok(bad!.status === 'rejected' && bad.reason instanceof WrongExpectedVersion && bad.reason.streamName === culprit && bad.reason.actual === -1n);
    assert.deepEqual(rest.map((r) => r.status), neighbours.map(() => 'fulfilled'));
    assert.equal((await other.readStream(culprit)).length, 0);
    for (const n of neighbours) assert.equal((await other.readStream(n)).length, 1);
  });

  it('given two appends to the same stream in a burst for other streams, then they are not grouped together: exactly one wins and the other learns its revision', async () => {
    const shared = stream();
    const neighbours = Array.from({ length: 6 }, stream);
    const settled = await Promise.allSettled([
      store.append(shared, [event()], 'no_stream'),
      store.append(shared, [event()], 'no_stream'),
      ...neighbours.map((n) => store.append(n, [event()], 'no_stream')),
    ]);
    const pair = settled.slice(0, 2);
    assert.equal(pair.filter((r) => r.status === 'fulfilled').length, 1);
    const loser = pair.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(loser.reason instanceof WrongExpectedVersion && loser.reason.actual === 0n);
    assert.deepEqual(settled.slice(2).map((r) => r.status), neighbours.map(() => 'fulfilled'));
    assert.equal((await other.readStream(shared)).length, 1);
  });

  describe('with other connections (the PostgreSQL server)', () => {
    before(function () {
      if (databaseKind !== 'pg') this.skip(); // PGlite has one connection: a held transaction blocks every append
    });

    it("given a store on a caller's transaction, when it appends while a group commits, then its append stays in the caller's transaction: a rollback removes it alone", async () => {
      const inside = stream();
      const outside = Array.from({ length: 4 }, stream);
      let insideResult: AppendResult | undefined;
      let outsideResults: AppendResult[] = [];
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          const [r, ...rest] = await Promise.all([
            new PostgresEventStore({ ...database, db: trx }).append(inside, [event()], 'no_stream'),
            ...outside.map((n) => store.append(n, [event()], 'no_stream')),
          ]);
          insideResult = r;
          outsideResults = rest;
          throw new Error('the caller rolls back');
        }),
        /the caller rolls back/,
      );
      assert.ok(insideResult);
      assert.ok(!commits(outsideResults).has(insideResult.position.commit));
      assert.equal((await other.readStream(inside)).length, 0);
      for (const n of outside) assert.equal((await other.readStream(n)).length, 1);
    });

    it('given a several-event append in a group racing a writer that commits its stream mid-statement, then the group is not split: it is appended one by one, the raced append fails whole and its neighbours are written', async () => {
      const raced = stream();
      await store.append(raced, [event()], 'no_stream'); // revision 0
      const neighbours = Array.from({ length: 4 }, stream);
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      let taken!: () => void;
      const revisionTaken = new Promise<void>((resolve) => (taken = resolve));
      // Another writer takes revision 1 of the stream and holds its transaction open.
      const writer = database.db.transaction().execute(async (trx) => {
        await new PostgresEventStore({ ...database, db: trx }).append(raced, [event()], 0n);
        taken();
        await committed;
      });
      await revisionTaken;
      // The group expects revision 0 too, with two events (revisions 1 and 2)…
      const group = Promise.allSettled([
        store.append(raced, [event(), event()], 0n),
        ...neighbours.map((n) => store.append(n, [event()], 'no_stream')),
      ]);
      // …and waits on revision 1 for the other writer; which then commits.
      await waitUntil(async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%jsonb_to_recordset%'`.execute(peer.db);
        return rows[0]!.n > 0;
      });
      commit();
      await writer;
      const [racedOne, ...rest] = await group;
      assert.ok(racedOne!.status === 'rejected' && racedOne.reason instanceof WrongExpectedVersion && racedOne.reason.actual === 1n);
      assert.deepEqual(rest.map((r) => r.status), neighbours.map(() => 'fulfilled'));
      assert.deepEqual((await other.readStream(raced)).map((e) => e.revision), [0n, 1n]);
      for (const n of neighbours) assert.equal((await other.readStream(n)).length, 1);
    });
  });
});
