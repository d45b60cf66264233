import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  END,
  EventStoreDBClient,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  eventTypeFilter,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Position,
  type ResolvedEvent,
  type StreamSubscription,
  type AllStreamSubscription,
} from '@eventstore/db-client';
import { EsdbDouble } from '../../support/esdb-double/esdb-double.js';

// The protocol double of EventStoreDB (tests/support/esdb-double) spoken to by the real
// @eventstore/db-client 6.2.1 over gRPC: catch-up subscriptions, server-side filters with
// checkpoints, soft delete and tombstone, dropped connections. Every subscription opened here is
// unsubscribed (or ended by the server) before client.dispose(), so disposal has nothing to wait for.

type Sub = AllStreamSubscription | StreamSubscription;

interface Recording {
  readonly events: ResolvedEvent[];
  /** Number of events received when each caughtUp was emitted. */
  readonly caughtUpAt: number[];
  readonly checkpoints: Position[];
  /** Number of events received when each checkpoint arrived. */
  readonly checkpointAt: number[];
  readonly errors: Error[];
}

/** Records a subscription's events and signals; `until` resolves once the predicate holds. */
function record(subscription: Sub, options: { consume?: boolean } = {}) {
  const recording: Recording = { events: [], caughtUpAt: [], checkpoints: [], checkpointAt: [], errors: [] };
  const waiters: { predicate: (r: Recording) => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.predicate(recording) || recording.errors.length > 0) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  subscription.on('caughtUp', () => {
    recording.caughtUpAt.push(recording.events.length);
    check();
  });
  subscription.on('error', (error: Error) => {
    recording.errors.push(error);
    check();
  });
  const consume = () =>
    subscription.on('data', (event: ResolvedEvent) => {
      recording.events.push(event);
      check();
    });
  if (options.consume !== false) consume();
  return {
    recording,
    consume,
    onCheckpoint: (position: Position) => {
      recording.checkpoints.push(position);
      recording.checkpointAt.push(recording.events.length);
      check();
    },
    until: (predicate: (r: Recording) => boolean) =>
      new Promise<void>((resolve) => {
        waiters.push({ predicate, resolve });
        check();
      }),
  };
}

/** Waits (without a clock) until a condition on the double holds. */
async function eventually(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

const ids = (events: readonly ResolvedEvent[]) => events.map((e) => e.event!.id);
const happened = (n: number, size = 0) =>
  Array.from({ length: n }, (_, i) => jsonEvent({ type: 'Happened', data: { i, padding: 'x'.repeat(size) } }));

describe('EventStoreDB protocol double, through the real client', function () {
  this.timeout(30_000);
  let double: EsdbDouble;
  let client: EventStoreDBClient;
  beforeEach(async () => {
    double = await EsdbDouble.start();
    client = EventStoreDBClient.connectionString(double.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await double.close();
  });

  describe('catch-up subscriptions to $all', () => {
    it('given a backlog and appends landing while the catch-up is held back, when the subscriber reads on, then every event arrives once in $all order, caughtUp once after all of them, then live appends', async () => {
      const stream = `Backlog-${randomUUID()}`;
      await client.appendToStream(stream, happened(2_000, 500));
      const subscription = client.subscribeToAll();
      const { recording, consume, until } = record(subscription, { consume: false });
      // Not consuming: the client's buffers fill, HTTP/2 flow control stops the server mid-catch-up.
      await eventually(() => double.subscriptions().length === 1);
      const concurrent = `During-${randomUUID()}`;
      for (let i = 0; i < 20; i++) await client.appendToStream(concurrent, happened(1));
      assert.deepEqual(
        double.subscriptions().map((s) => ({ caughtUp: s.caughtUp, waitingForDrain: s.waitingForDrain })),
        [{ caughtUp: false, waitingForDrain: true }],
        'the double waits for the reader (backpressure), so the appends land while the catch-up is still being written',
      );
      const backlog = double.events().length;
      consume();
      await until((r) => r.caughtUpAt.length > 0);
      assert.deepEqual(recording.caughtUpAt, [backlog]);
      const live = `Live-${randomUUID()}`;
      await client.appendToStream(live, happened(3));
      await client.appendToStream(live, happened(2));
      await until((r) => r.events.length === double.events().length);
      assert.deepEqual(ids(recording.events), double.events().map((e) => e.id));
      assert.deepEqual(recording.caughtUpAt, [backlog]);
      await subscription.unsubscribe();
    });

    it('includes system events; excludeSystemEvents filters them out on the server', async () => {
      const stream = `Sys-${randomUUID()}`;
      await client.appendToStream(stream, happened(2));
      const everything = client.subscribeToAll();
      const all = record(everything);
      const onCheckpoint = (_s: unknown, position: Position) => filteredRecording.onCheckpoint(position);
      const filtered = client.subscribeToAll({ filter: excludeSystemEvents({ checkpointReached: onCheckpoint }) });
      const filteredRecording = record(filtered);
      await all.until((r) => r.caughtUpAt.length === 1);
      await filteredRecording.until((r) => r.caughtUpAt.length === 1);
      assert.ok(all.recording.events.some((e) => e.event!.type.startsWith('$') && e.event!.streamId.startsWith('$')));
      assert.deepEqual(
        filteredRecording.recording.events.map((e) => e.event!.streamId),
        [stream, stream],
      );
      await everything.unsubscribe();
      await filtered.unsubscribe();
    });

    it('from a position delivers only the events strictly after it (a read from the same position includes it)', async () => {
      const stream = `From-${randomUUID()}`;
      for (let i = 0; i < 3; i++) await client.appendToStream(stream, happened(1));
      const second = double.events().filter((e) => e.streamName === stream)[1]!;
      const position = { commit: second.commit, prepare: second.prepare };
      const read: AllStreamResolvedEvent[] = [];
      for await (const event of client.readAll({ fromPosition: position, maxCount: 1 })) read.push(event);
      assert.equal(read[0]!.event!.revision, 1n);
      const subscription = client.subscribeToAll({ fromPosition: position, filter: streamNameFilter({ prefixes: [stream] }) });
      const { recording, until } = record(subscription);
      await until((r) => r.caughtUpAt.length === 1);
      assert.deepEqual(
        recording.events.map((e) => e.event!.revision),
        [2n],
      );
      await subscription.unsubscribe();
    });

    it('from the end delivers nothing old, reports caughtUp, then the next append', async () => {
      await client.appendToStream(`Old-${randomUUID()}`, happened(5));
      const subscription = client.subscribeToAll({ fromPosition: END });
      const { recording, until } = record(subscription);
      await until((r) => r.caughtUpAt.length === 1);
      assert.equal(recording.events.length, 0);
      const fresh = `New-${randomUUID()}`;
      await client.appendToStream(fresh, happened(1));
      await until((r) => r.events.length === 1);
      assert.equal(recording.events[0]!.event!.streamId, fresh);
      await subscription.unsubscribe();
    });
  });

  describe('server-side filters with checkpoints', () => {
    it('given a filter that matches nothing, then checkpoints every checkpointInterval × maxSearchWindow events scanned and one at the end of the catch-up, at the last position scanned; live too', async () => {
      await client.appendToStream(`Unmatched-${randomUUID()}`, happened(47));
      const scanned = double.events().length; // the 47 and the fresh node's system events
      let onCheckpoint = (_position: Position) => {};
      const subscription = client.subscribeToAll({
        filter: streamNameFilter({
          prefixes: ['NothingMatches-'],
          maxSearchWindow: 5,
          checkpointInterval: 2,
          checkpointReached: (_s, position) => onCheckpoint(position),
        }),
      });
      const recorder = record(subscription);
      onCheckpoint = recorder.onCheckpoint;
      await recorder.until((r) => r.caughtUpAt.length === 1);
      const { recording } = recorder;
      assert.equal(recording.events.length, 0);
      const every = 2 * 5;
      const expected = double.events().filter((_, i) => (i + 1) % every === 0).map((e) => ({ commit: e.commit, prepare: e.prepare }));
      if (scanned % every !== 0) expected.push({ commit: double.events().at(-1)!.commit, prepare: double.events().at(-1)!.prepare });
      assert.deepEqual(recording.checkpoints, expected);
      // Live: another full interval of unmatched events reaches another checkpoint.
      const before = recording.checkpoints.length;
      await client.appendToStream(`Unmatched-${randomUUID()}`, happened(every));
      await recorder.until((r) => r.checkpoints.length > before);
      const last = recording.checkpoints.at(-1)!;
      assert.ok(last.commit > expected.at(-1)!.commit);
      await subscription.unsubscribe();
    });

    it('filters on event type by regex and on stream name by prefix, with the default window of 32', async () => {
      const a = `Alpha-${randomUUID()}`;
      const b = `Beta-${randomUUID()}`;
      await client.appendToStream(a, [jsonEvent({ type: 'Kept', data: {} }), jsonEvent({ type: 'Dropped', data: {} })]);
      await client.appendToStream(b, [jsonEvent({ type: 'Kept', data: {} })]);
      const byType = client.subscribeToAll({ filter: eventTypeFilter({ regex: '^Kept$' }) });
      const byStream = client.subscribeToAll({ filter: streamNameFilter({ prefixes: ['Beta-'] }) });
      const types = record(byType);
      const streams = record(byStream);
      await types.until((r) => r.caughtUpAt.length === 1);
      await streams.until((r) => r.caughtUpAt.length === 1);
      assert.deepEqual(
        types.recording.events.map((e) => [e.event!.streamId, e.event!.type]),
        [
          [a, 'Kept'],
          [b, 'Kept'],
        ],
      );
      assert.deepEqual(
        streams.recording.events.map((e) => e.event!.streamId),
        [b],
      );
      await byType.unsubscribe();
      await byStream.unsubscribe();
    });
  });

  describe('catch-up subscriptions to one stream', () => {
    it('from the start, after a revision and from the end: events in revision order, caughtUp, then live', async () => {
      const stream = `One-${randomUUID()}`;
      await client.appendToStream(stream, happened(4));
      const fromStart = client.subscribeToStream(stream);
      const afterOne = client.subscribeToStream(stream, { fromRevision: 1n });
      const fromEnd = client.subscribeToStream(stream, { fromRevision: END });
      const recordings = [record(fromStart), record(afterOne), record(fromEnd)];
      for (const r of recordings) await r.until((x) => x.caughtUpAt.length === 1);
      assert.deepEqual(
        recordings.map((r) => r.recording.caughtUpAt[0]),
        [4, 2, 0],
      );
      await client.appendToStream(`Other-${randomUUID()}`, happened(1));
      await client.appendToStream(stream, happened(1));
      for (const r of recordings) await r.until((x) => x.events.at(-1)?.event?.revision === 4n);
      assert.deepEqual(
        recordings.map((r) => r.recording.events.map((e) => e.event!.revision)),
        [[0n, 1n, 2n, 3n, 4n], [2n, 3n, 4n], [4n]],
      );
      for (const s of [fromStart, afterOne, fromEnd]) await s.unsubscribe();
    });

    it('when the client unsubscribes, the double stops serving and forgets the call', async () => {
      const stream = `Cancel-${randomUUID()}`;
      const subscription = client.subscribeToStream(stream);
      const { until } = record(subscription);
      await until((r) => r.caughtUpAt.length === 1);
      assert.equal(double.openSubscriptions(), 1);
      await subscription.unsubscribe();
      await eventually(() => double.openSubscriptions() === 0);
      await client.appendToStream(stream, happened(1));
      assert.equal(double.openSubscriptions(), 0);
    });
  });

  describe('deleting streams', () => {
    it('soft delete: the stream reads as not found, $all keeps its events, an append recreates it continuing the revisions', async () => {
      const stream = `Soft-${randomUUID()}`;
      await client.appendToStream(stream, happened(3));
      await assert.rejects(client.deleteStream(stream, { expectedRevision: 1n }), WrongExpectedVersionError);
      const deleted = await client.deleteStream(stream, { expectedRevision: 2n });
      assert.ok(deleted.position);
      await assert.rejects(async () => {
        for await (const _ of client.readStream(stream)) void _;
      }, StreamNotFoundError);
      const inAll: string[] = [];
      for await (const event of client.readAll()) if (event.event?.streamId === stream) inAll.push(event.event.type);
      assert.deepEqual(inAll, ['Happened', 'Happened', 'Happened']);
      assert.ok(double.events().some((e) => e.streamName === `$$${stream}` && e.type === '$metadata'));
      const recreated = await client.appendToStream(stream, happened(1), { expectedRevision: 'no_stream' });
      assert.equal(recreated.nextExpectedRevision, 3n);
      const read: bigint[] = [];
      for await (const event of client.readStream(stream)) read.push(event.event!.revision);
      assert.deepEqual(read, [3n]);
    });

    it('tombstone: reads, appends and stream subscriptions fail with StreamDeletedError, $all keeps the events and shows $streamDeleted', async () => {
      const stream = `Tomb-${randomUUID()}`;
      await client.appendToStream(stream, happened(2));
      const live = client.subscribeToStream(stream);
      const liveRecording = record(live);
      await liveRecording.until((r) => r.caughtUpAt.length === 1);
      await client.tombstoneStream(stream, { expectedRevision: 1n });
      await liveRecording.until((r) => r.errors.length > 0);
      assert.ok(liveRecording.recording.errors[0] instanceof StreamDeletedError);
      await assert.rejects(
        async () => {
          for await (const _ of client.readStream(stream)) void _;
        },
        (error: unknown) => error instanceof StreamDeletedError && error.streamName === stream,
      );
      await assert.rejects(client.appendToStream(stream, happened(1)), StreamDeletedError);
      await assert.rejects(client.deleteStream(stream), StreamDeletedError);
      const later = client.subscribeToStream(stream);
      const laterRecording = record(later);
      await laterRecording.until((r) => r.errors.length > 0);
      assert.ok(laterRecording.recording.errors[0] instanceof StreamDeletedError);
      const inAll: string[] = [];
      for await (const event of client.readAll()) if (event.event?.streamId === stream) inAll.push(event.event.type);
      assert.deepEqual(inAll, ['Happened', 'Happened', '$streamDeleted']);
    });

    it('deleting a stream that does not exist succeeds with any or no_stream, and fails with a revision', async () => {
      await client.deleteStream(`Absent-${randomUUID()}`);
      await client.deleteStream(`Absent-${randomUUID()}`, { expectedRevision: 'no_stream' });
      await assert.rejects(client.deleteStream(`Absent-${randomUUID()}`, { expectedRevision: 0n }), WrongExpectedVersionError);
    });
  });

  describe('dropped connections', () => {
    it('given a live subscription, when the double drops its connections, then the subscription errors with UnavailableError, and a resubscription from the last position misses nothing', async () => {
      const stream = `Drop-${randomUUID()}`;
      await client.appendToStream(stream, happened(3));
      const filter = streamNameFilter({ prefixes: [stream] });
      const first = client.subscribeToAll({ filter });
      const firstRecording = record(first);
      await firstRecording.until((r) => r.caughtUpAt.length === 1);
      double.dropConnections();
      await firstRecording.until((r) => r.errors.length > 0);
      assert.ok(firstRecording.recording.errors[0] instanceof UnavailableError, String(firstRecording.recording.errors[0]));
      await client.appendToStream(stream, happened(2));
      const last = firstRecording.recording.events.at(-1)!.event!.position;
      const second = client.subscribeToAll({ fromPosition: last, filter });
      const secondRecording = record(second);
      await secondRecording.until((r) => r.caughtUpAt.length === 1);
      assert.deepEqual(
        [...firstRecording.recording.events, ...secondRecording.recording.events].map((e) => e.event!.revision),
        [0n, 1n, 2n, 3n, 4n],
      );
      await second.unsubscribe();
    });
  });
});
