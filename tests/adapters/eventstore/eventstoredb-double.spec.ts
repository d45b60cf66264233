import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
  return {
    store,
    dispose: async () => {
      await closeBounded(store);
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
