import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  EventLogUnavailable,
  START,
  StreamDeleted,
  WrongExpectedVersion,
  comparePositions,
  formatPosition,
  type EventStore,
  type EventToAppend,
  type Position,
  type RecordedEvent,
} from '../../../adapters/eventstore/event-store.js';

export interface EventStoreUnderTest {
  readonly store: EventStore;
  /**
   * Append inside a transaction that stays open until `commit` resolves (PostgreSQL only):
   * the events take sequence numbers before later appends but become visible after them.
   */
  readonly appendHeldOpen?: (stream: string, events: EventToAppend[], commit: Promise<void>) => Promise<void>;
  /** True when appends are serialized by construction (one connection): concurrency tests are lighter. */
  readonly serialized?: boolean;
  /** Drops the store's connections to the log mid-call (EventStoreDB: the server cancels every open call). */
  readonly dropConnections?: () => void;
  /** Deletes a stream for good, as an operator would (EventStoreDB: a tombstone). */
  readonly tombstone?: (stream: string) => Promise<void>;
  /** A store of the same kind pointed at a log that does not answer (nothing listening). */
  readonly unreachable?: () => EventStore;
  dispose(): Promise<void>;
}

const event = (type = 'Happened', data: unknown = { n: 1 }): EventToAppend => ({
  eventId: randomUUID(),
  type,
  data,
  metadata: { correlationId: 'c-1' },
});

const stream = (category = 'Test') => `${category}-${randomUUID()}`;

async function collect(store: EventStore, from: Position = START): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let position = from;
  for (;;) {
    const page = await store.readAll(position, { limit: 1000 });
    all.push(...page.events);
    if (page.events.length < 1000) return all;
    position = page.checkpoint;
  }
}

/** Every implementation of the EventStore port must pass this suite. */
export function eventStoreContract(name: string, open: () => Promise<EventStoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, function () {
    this.timeout(120_000);
    let subject: EventStoreUnderTest;
    let store: EventStore;
    before(async () => {
      subject = await open();
      store = subject.store;
    });
    after(async () => subject.dispose());

    describe('append with an expected revision', () => {
      it('given no stream, when appending with no_stream, then the stream starts at revision 0', async () => {
        const name = stream();
        const result = await store.append(name, [event(), event()], 'no_stream');
        assert.equal(result.nextRevision, 1n);
        const read = await store.readStream(name);
        assert.deepEqual(read.map((e) => e.revision), [0n, 1n]);
        assert.equal(comparePositions(read[1]!.position, result.position), 0);
      });

      it('given a stream, when appending with no_stream, then WrongExpectedVersion names the actual revision', async () => {
        const name = stream();
        await store.append(name, [event()], 'no_stream');
        await assert.rejects(store.append(name, [event()], 'no_stream'), (error: unknown) => {
          assert.ok(error instanceof WrongExpectedVersion);
          assert.equal(error.actual, 0n);
          return true;
        });
      });

      it('given a stream at revision 1, when expecting 1 then it appends, and expecting 0 or 5 is refused', async () => {
        const name = stream();
        await store.append(name, [event(), event()], 'no_stream');
        await assert.rejects(store.append(name, [event()], 0n), WrongExpectedVersion);
        await assert.rejects(store.append(name, [event()], 5n), WrongExpectedVersion);
        const result = await store.append(name, [event()], 1n);
        assert.equal(result.nextRevision, 2n);
      });

      it('given no stream, when expecting exists, then it is refused with actual -1', async () => {
        await assert.rejects(store.append(stream(), [event()], 'exists'), (error: unknown) => {
          assert.ok(error instanceof WrongExpectedVersion);
          assert.equal(error.actual, -1n);
          return true;
        });
      });

      it('given a stream, when expecting exists or any, then both append', async () => {
        const name = stream();
        await store.append(name, [event()], 'any');
        assert.equal((await store.append(name, [event()], 'exists')).nextRevision, 1n);
        assert.equal((await store.append(name, [event()], 'any')).nextRevision, 2n);
      });

      it('given appended events, when the same event ids are appended again, then nothing new is written', async () => {
        const name = stream();
        const batch = [event(), event()];
        const first = await store.append(name, batch, 'no_stream');
        const again = await store.append(name, batch, 'no_stream');
        const viaAny = await store.append(name, batch, 'any');
        assert.equal(again.nextRevision, first.nextRevision);
        assert.equal(viaAny.nextRevision, first.nextRevision);
        assert.equal(comparePositions(again.position, first.position), 0);
        assert.equal((await store.readStream(name)).length, 2);
      });

      it('given one expected revision, when 10 writers append concurrently, then exactly one wins', async () => {
        const name = stream();
        await store.append(name, [event()], 'no_stream');
        const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.append(name, [event()], 0n)));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof WrongExpectedVersion);
        assert.equal((await store.readStream(name)).length, 2);
      });

      it('given 8 writers retrying on conflicts, when each appends 10 times to one stream, then every revision has exactly one event', async () => {
        const name = stream();
        const written: string[] = [];
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let i = 0; i < 10; i++) {
              for (;;) {
                const current = await store.readStream(name);
                const e = event();
                try {
                  await store.append(name, [e], current.length === 0 ? 'no_stream' : BigInt(current.length - 1));
                  written.push(e.eventId);
                  break;
                } catch (error) {
                  if (!(error instanceof WrongExpectedVersion)) throw error;
                }
              }
            }
          }),
        );
        const read = await store.readStream(name);
        assert.equal(read.length, 80);
        assert.deepEqual(read.map((e) => e.revision), Array.from({ length: 80 }, (_, i) => BigInt(i)));
        assert.deepEqual(new Set(read.map((e) => e.eventId)), new Set(written));
      });
    });

    describe('reading', () => {
      it('given a stream, when reading from a revision with a max count, then that slice comes back in order', async () => {
        const name = stream();
        await store.append(name, Array.from({ length: 5 }, (_, i) => event('Counted', { i })), 'no_stream');
        const slice = await store.readStream(name, { fromRevision: 1n, maxCount: 3 });
        assert.deepEqual(slice.map((e) => (e.data as { i: number }).i), [1, 2, 3]);
        assert.equal(slice[0]!.metadata.correlationId, 'c-1');
        assert.deepEqual(await store.readStream(stream()), []);
      });

      it('given events in $all, when reading from a position, then only later events come, in order', async () => {
        const first = await store.append(stream(), [event()], 'no_stream');
        const name = stream();
        await store.append(name, [event(), event()], 'no_stream');
        // Readable once every older transaction in the cluster has finished: wait for it.
        const page = await eventually(() => store.readAll(first.position, { limit: 100 }), (p) => p.events.some((e) => e.streamName === name));
        const mine = page.events.filter((e) => e.streamName === name);
        assert.equal(mine.length, 2);
        for (const e of page.events) assert.ok(comparePositions(e.position, first.position) > 0);
        for (let i = 1; i < page.events.length; i++) {
          assert.ok(comparePositions(page.events[i - 1]!.position, page.events[i]!.position) < 0);
        }
      });

      it('given mixed categories and types, when filtering, then only matching events come and the checkpoint passes the rest', async () => {
        const from = await store.headPosition();
        const category = `Cat${randomUUID().slice(0, 8)}`;
        await store.append(stream(category), [event('Wanted'), event('Other')], 'no_stream');
        await store.append(stream('Elsewhere'), [event('Wanted')], 'no_stream');
        const last = await store.append(stream('Elsewhere'), [event('Unwanted')], 'no_stream');
        const readable = () => store.headPosition().then((head) => comparePositions(head, last.position) >= 0);
        await eventually(readable, (ok) => ok);
        const byCategory = await store.readAll(from, { limit: 100, filter: { categories: [category] } });
        assert.deepEqual(byCategory.events.map((e) => e.type), ['Wanted', 'Other']);
        const byType = await store.readAll(from, { limit: 100, filter: { eventTypes: ['Wanted'] } });
        assert.equal(byType.events.length, 2);
        assert.ok(comparePositions(byType.checkpoint, last.position) >= 0, 'the checkpoint passes the filtered-out events');
      });
    });

    describe('server-side filters', () => {
      it('given a long stretch of events none of which match, when reading with a filter, then the page is empty and its checkpoint passes them all', async () => {
        const from = await store.headPosition();
        for (let i = 0; i < 12; i++) await store.append(stream('Noise'), Array.from({ length: 50 }, () => event('Noise')), 'no_stream');
        const last = await store.append(stream('Noise'), [event('Noise')], 'no_stream');
        await eventually(() => store.headPosition(), (head) => comparePositions(head, last.position) >= 0);
        const page = await store.readAll(from, { limit: 100, filter: { eventTypes: [`Never${randomUUID().slice(0, 8)}`] } });
        assert.deepEqual(page.events, []);
        assert.ok(comparePositions(page.checkpoint, last.position) >= 0, 'the checkpoint passes every event scanned');
      });

      it('given matching events spread among others, when paging with a filter, then every match comes once, in order, across pages', async () => {
        const from = await store.headPosition();
        const category = `Page${randomUUID().slice(0, 8)}`;
        const wanted: string[] = [];
        for (let i = 0; i < 25; i++) {
          const mine = event('Paged');
          wanted.push(mine.eventId);
          await store.append(stream(category), [mine], 'no_stream');
          await store.append(stream('Noise'), [event('Paged'), event('Noise')], 'no_stream');
        }
        const seen: RecordedEvent[] = [];
        let position = from;
        for (let pages = 0; pages < 100; pages++) {
          const page = await store.readAll(position, { limit: 7, filter: { categories: [category] } });
          seen.push(...page.events);
          assert.ok(comparePositions(page.checkpoint, position) >= 0, 'a checkpoint never moves back');
          position = page.checkpoint;
          if (page.events.length < 7) break;
        }
        assert.deepEqual(seen.map((e) => e.eventId), wanted);
      });
    });

    describe('long reads', () => {
      it('given matches far apart (thousands of other events between them), when reading with a filter, then one page holds them all in order: a page that is not full still means the head was reached', async () => {
        const from = await store.headPosition();
        const category = `Far${randomUUID().slice(0, 8)}`;
        const noise = async (events: number) => {
          for (let i = 0; i < events / 50; i++) await store.append(stream('Noise'), Array.from({ length: 50 }, () => event('Noise')), 'no_stream');
        };
        const wanted: string[] = [];
        const match = async () => {
          const mine = event('Far');
          wanted.push(mine.eventId);
          return store.append(stream(category), [mine], 'no_stream');
        };
        await match();
        await noise(2600);
        await match();
        await noise(1200);
        await match();
        const last = await match();
        await eventually(() => store.headPosition(), (head) => comparePositions(head, last.position) >= 0);
        const first = await store.readAll(from, { limit: 3, filter: { categories: [category] } });
        assert.deepEqual(first.events.map((e) => e.eventId), wanted.slice(0, 3));
        const second = await store.readAll(first.checkpoint, { limit: 3, filter: { categories: [category] } });
        assert.deepEqual(second.events.map((e) => e.eventId), wanted.slice(3));
        assert.ok(comparePositions(second.checkpoint, last.position) >= 0);
      });

      it('given the whole log read from the start a page at a time, then positions only increase and no event comes twice', async () => {
        // appends of fifty: positions cross from 9 to 10, 99 to 100 … within a transaction somewhere (a text order would put 10 first)
        const appended: string[] = [];
        let last: Position | undefined;
        for (let i = 0; i < 24; i++) {
          const events = Array.from({ length: 50 }, () => event('Long'));
          appended.push(...events.map((e) => e.eventId));
          last = (await store.append(stream('Long'), events, 'no_stream')).position;
        }
        await eventually(() => store.headPosition(), (head) => comparePositions(head, last!) >= 0);
        const seen = new Set<string>();
        let position = START;
        let previous: RecordedEvent | undefined;
        for (;;) {
          const page = await store.readAll(position, { limit: 500 });
          for (const e of page.events) {
            if (previous) assert.ok(comparePositions(previous.position, e.position) < 0, `${formatPosition(previous.position)} before ${formatPosition(e.position)}`);
            assert.ok(!seen.has(e.eventId), `${e.eventId} read twice`);
            seen.add(e.eventId);
            previous = e;
          }
          if (page.events.length < 500) break;
          position = page.checkpoint;
        }
        assert.deepEqual(appended.filter((id) => !seen.has(id)), [], 'every appended event was read');
      });
    });

    describe('the log failing', () => {
      it('given a tombstoned stream, when appending to it or reading it, then StreamDeleted names it', async function () {
        if (!subject.tombstone) this.skip();
        const name = stream('Gone');
        await store.append(name, [event()], 'no_stream');
        await subject.tombstone!(name);
        await assert.rejects(store.append(name, [event()], 'any'), (error: unknown) => error instanceof StreamDeleted && error.streamName === name);
        await assert.rejects(store.readStream(name), (error: unknown) => error instanceof StreamDeleted && error.streamName === name);
      });

      it('given a log that does not answer, when appending or reading the head, then EventLogUnavailable (a retry is safe)', async function () {
        if (!subject.unreachable) this.skip();
        const lost = subject.unreachable!();
        try {
          await assert.rejects(lost.append(stream(), [event()], 'no_stream'), EventLogUnavailable);
          await assert.rejects(lost.headPosition(), EventLogUnavailable);
        } finally {
          await lost.close();
        }
      });

      it('given a live subscriber, when the connection drops twice while events flow, then it resubscribes: every event once, in order', async function () {
        if (!subject.dropConnections) this.skip();
        const from = await store.headPosition();
        const category = `Drop${randomUUID().slice(0, 8)}`;
        const received: RecordedEvent[] = [];
        const errors: unknown[] = [];
        const subscription = store.subscribeToAll(async (e) => void received.push(e), { from, filter: { categories: [category] }, onError: (error) => errors.push(error) });
        const appended = new Set<string>();
        const appendSome = async (n: number) => {
          for (let i = 0; i < n; i++) {
            const e = event();
            const name = stream(category);
            // an append caught by the drop has an unknown outcome: the same event again is safe
            for (;;) {
              try {
                await store.append(name, [e], 'any');
                break;
              } catch (error) {
                if (!(error instanceof EventLogUnavailable)) throw error;
              }
            }
            appended.add(e.eventId);
          }
        };
        await appendSome(20);
        await waitUntil(() => received.length >= 5);
        subject.dropConnections!();
        await appendSome(20);
        subject.dropConnections!();
        await appendSome(20);
        await waitUntil(() => received.length >= appended.size);
        await new Promise((r) => setTimeout(r, 200)); // and nothing arrives twice afterwards
        await subscription.stop();
        assertExactlyOnceInOrder(received, appended);
        assert.ok(errors.length >= 1 && errors.every((error) => error instanceof EventLogUnavailable), 'each drop is reported as the log unavailable');
      });
    });

    describe('subscribing to $all', () => {
      it('given concurrent appenders, when a live subscriber runs, then it receives every event exactly once in order', async () => {
        const from = await store.headPosition();
        const category = `Sub${randomUUID().slice(0, 8)}`;
        const received: RecordedEvent[] = [];
        const subscription = store.subscribeToAll(async (e) => void received.push(e), { from, filter: { categories: [category] } });
        const writers = subject.serialized ? 4 : 16;
        const appended = new Set<string>();
        await Promise.all(
          Array.from({ length: writers }, async () => {
            for (let i = 0; i < 15; i++) {
              const e = event();
              await store.append(stream(category), [e], 'no_stream');
              appended.add(e.eventId);
            }
          }),
        );
        await waitUntil(() => received.length >= appended.size);
        await subscription.stop();
        assertExactlyOnceInOrder(received, appended);
      });

      it('given transactions held open while later ones commit (the gap test), then the subscriber skips none', async function () {
        if (!subject.appendHeldOpen) this.skip();
        const from = await store.headPosition();
        const category = `Gap${randomUUID().slice(0, 8)}`;
        const received: RecordedEvent[] = [];
        const subscription = store.subscribeToAll(async (e) => void received.push(e), { from, filter: { categories: [category] } });
        const appended = new Set<string>();
        const releases: Array<() => void> = [];
        const held: Promise<void>[] = [];
        for (let round = 0; round < 5; round++) {
          // A slow transaction takes its sequence numbers now and commits only after later appends.
          const commit = new Promise<void>((resolve) => releases.push(resolve));
          const slow = [event(), event()];
          held.push(subject.appendHeldOpen!(stream(category), slow, commit).then(() => slow.forEach((e) => appended.add(e.eventId))));
          await new Promise((r) => setTimeout(r, 20));
          await Promise.all(
            Array.from({ length: 8 }, async () => {
              const e = event();
              await store.append(stream(category), [e], 'no_stream');
              appended.add(e.eventId);
            }),
          );
          await new Promise((r) => setTimeout(r, 150)); // the subscriber reads past the fast ones meanwhile
        }
        for (const release of releases.reverse()) {
          release();
          await new Promise((r) => setTimeout(r, 30));
        }
        await Promise.all(held);
        await waitUntil(() => received.length >= appended.size);
        await new Promise((r) => setTimeout(r, 300)); // and nothing arrives twice afterwards
        await subscription.stop();
        assertExactlyOnceInOrder(received, appended);
        // The order the subscriber saw is the order $all gives when read afterwards.
        const reread = (await collect(store, from)).filter((e) => e.streamName.startsWith(`${category}-`));
        assert.deepEqual(received.map((e) => e.eventId), reread.map((e) => e.eventId));
      });

      it('given a subscriber restarted from its checkpoint, then it neither skips nor repeats', async () => {
        const from = await store.headPosition();
        const category = `Resume${randomUUID().slice(0, 8)}`;
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const e = event();
          ids.push(e.eventId);
          await store.append(stream(category), [e], 'no_stream');
        }
        const firstRun: RecordedEvent[] = [];
        let checkpoint = from;
        const first = store.subscribeToAll(
          async (e) => {
            if (firstRun.length >= 4) return new Promise(() => {}); // stalls, like a crash mid-stream
            firstRun.push(e);
            checkpoint = e.position;
          },
          { from, filter: { categories: [category] } },
        );
        await waitUntil(() => firstRun.length >= 4);
        void first.stop();
        for (let i = 0; i < 5; i++) {
          const e = event();
          ids.push(e.eventId);
          await store.append(stream(category), [e], 'no_stream');
        }
        const secondRun: RecordedEvent[] = [];
        const second = store.subscribeToAll(async (e) => void secondRun.push(e), { from: checkpoint, filter: { categories: [category] } });
        await waitUntil(() => firstRun.length + secondRun.length >= ids.length);
        await new Promise((r) => setTimeout(r, 200));
        await second.stop();
        assert.deepEqual([...firstRun, ...secondRun].map((e) => e.eventId), ids);
      });

      it('given a live subscriber, when it has read everything, then it reports caught up', async () => {
        let caughtUp = false;
        const subscription = store.subscribeToAll(async () => {}, { from: await store.headPosition(), onCaughtUp: () => (caughtUp = true) });
        await waitUntil(() => caughtUp);
        await subscription.stop();
      });
    });
  });
}

function assertExactlyOnceInOrder(received: RecordedEvent[], appended: Set<string>): void {
  const ids = received.map((e) => e.eventId);
  assert.equal(new Set(ids).size, ids.length, 'an event was delivered twice');
  assert.deepEqual(new Set(ids), appended, 'an event was skipped');
  for (let i = 1; i < received.length; i++) {
    assert.ok(comparePositions(received[i - 1]!.position, received[i]!.position) < 0, 'events out of $all order');
  }
}

/** Retry a read until it satisfies `done` (reads of $all trail the oldest running transaction). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
