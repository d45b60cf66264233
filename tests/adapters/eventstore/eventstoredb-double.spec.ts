import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { EventStoreDBClient } from '@eventstore/db-client';
import { EventStoreDbEventStore } from '../../../adapters/eventstore/eventstoredb/eventstoredb-event-store.js';
import { EsdbDouble } from '../../support/esdb-double/esdb-double.js';
import { eventStoreContract } from './event-store.contract.js';

// The EventStoreDB adapter through the real @eventstore/db-client over gRPC, against the
// protocol double (tests/support/esdb-double). EVENTSTORE_URL points the same suite at a real server.

/**
 * Client 6.2.1's dispose() waits for every read's gRPC stream to finish: a read left early
 * (return / break out of `for await`) never does, and cancel() is a no-op once the server has
 * completed it. The adapter reads every read to its end; disposal is still bounded here so that
 * a regression fails the case below instead of hanging the suite.
 */
/** A port nothing listens on: bound once, then released. */
const unusedPort = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

async function eventuallyTrue(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const CLOSE_BOUND_MS = 3_000;
async function closeBounded(store: EventStoreDbEventStore): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    store.close().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_BOUND_MS))),
  ]);
  clearTimeout(timer);
  return closed;
}

eventStoreContract('EventStoreDB (the protocol double, over gRPC)', async () => {
  const double = await EsdbDouble.start();
  const store = EventStoreDbEventStore.connect(double.connectionString);
  // an operator's client, apart from the adapter's
  const operator = EventStoreDBClient.connectionString(double.connectionString);
  return {
    store,
    dropConnections: () => double.dropConnections(),
    tombstone: async (stream) => void (await operator.tombstoneStream(stream)),
    unreachable: () => EventStoreDbEventStore.connect(`esdb://127.0.0.1:${unusedPort}?tls=false`),
    dispose: async () => {
      await closeBounded(store);
      await operator.dispose();
      await double.close();
    },
  };
});

describe('EventStoreDB protocol double', function () {
  this.timeout(30_000);
  let double: EsdbDouble;
  before(async () => (double = await EsdbDouble.start()));
  after(async () => double.close());

  it('puts system events ($-prefixed) in $all, which the adapter skips', async () => {
    const store = EventStoreDbEventStore.connect(double.connectionString);
    try {
      assert.ok(double.events().some((e) => e.streamName.startsWith('$') && e.type.startsWith('$')));
      const name = `Sys-${randomUUID()}`;
      await store.append(name, [{ eventId: randomUUID(), type: 'Happened', data: {}, metadata: {} }], 'no_stream');
      const page = await store.readAll({ commit: 0n, prepare: 0n }, { limit: 100 });
      assert.ok(page.events.every((e) => !e.streamName.startsWith('$')));
      assert.ok(page.events.some((e) => e.streamName === name));
    } finally {
      await closeBounded(store);
    }
  });

  it('given a filter, when a page of $all is read, then the server sends only the matching events (not every event to the client)', async () => {
    const store = EventStoreDbEventStore.connect(double.connectionString);
    try {
      const from = await store.headPosition();
      const wanted = `Wanted${randomUUID().slice(0, 8)}`;
      for (let i = 0; i < 10; i++) double.appendEvents(`Noise-${randomUUID()}`, Array.from({ length: 50 }, () => ({ type: 'Noise' })));
      double.appendEvents(`Mine-${randomUUID()}`, [{ type: wanted }, { type: wanted }]);
      const before = double.eventsSent();
      const page = await store.readAll(from, { limit: 100, filter: { eventTypes: [wanted] } });
      assert.deepEqual(page.events.map((e) => e.type), [wanted, wanted]);
      // the head read (one event) and the two matches: not the 500 others
      assert.ok(double.eventsSent() - before <= 3, `the server sent ${double.eventsSent() - before} events`);
    } finally {
      await closeBounded(store);
    }
  });

  it('given a store waiting for an append, when another process appends, then it wakes at once (a live subscription, not the poll)', async () => {
    const waiting = EventStoreDbEventStore.connect(double.connectionString);
    const writer = EventStoreDbEventStore.connect(double.connectionString);
    try {
      await waiting.waitForAppend(1); // starts its live subscription
      await eventuallyTrue(() => double.subscriptions().some((s) => s.streamName === null && s.caughtUp));
      let woke = false;
      const wait = waiting.waitForAppend(60_000).then(() => (woke = true));
      await writer.append(`Wake-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Happened', data: {}, metadata: {} }], 'no_stream');
      await Promise.race([wait, new Promise((r) => setTimeout(r, 10_000))]);
      assert.ok(woke, 'the waiting store was not woken by the append (only a 60 s poll would have)');
    } finally {
      await closeBounded(waiting);
      await closeBounded(writer);
    }
  });

  it(
    'closes the adapter promptly after repeated headPosition reads (reads are read to their end, so dispose() has nothing to wait for)',
    async () => {
      const store = EventStoreDbEventStore.connect(double.connectionString);
      await store.append(`Close-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Happened', data: {}, metadata: {} }], 'no_stream');
      for (let i = 0; i < 30; i++) await store.headPosition();
      assert.ok(await closeBounded(store), `close() did not return within ${CLOSE_BOUND_MS} ms`);
    },
  );
});
