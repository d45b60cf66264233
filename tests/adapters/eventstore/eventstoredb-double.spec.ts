import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventStoreDbEventStore } from '../../../adapters/eventstore/eventstoredb/eventstoredb-event-store.js';
import { EsdbDouble } from '../../support/esdb-double/esdb-double.js';
import { eventStoreContract } from './event-store.contract.js';

// The EventStoreDB adapter through the real @eventstore/db-client over gRPC, against the
// protocol double (tests/support/esdb-double). EVENTSTORE_URL points the same suite at a real server.

/**
 * `EventStoreDbEventStore.close()` (client.dispose()) can wait forever: `headPosition` and
 * `readAll` leave their read early (return / break out of `for await`), and client 6.2.1's
 * dispose waits for every read's gRPC stream to finish — a stream the server already completed
 * but nobody reads to its end never does, and cancel() is a no-op then. Same with a real server
 * (the client side races the server's status). An adapter defect (issue 15 item 2): until it is
 * fixed, disposal is bounded here, and the case below (ESDB_DOUBLE=1) shows it.
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

  (process.env.ESDB_DOUBLE === '1' ? it : it.skip)(
    'closes the adapter promptly after repeated headPosition reads (fails today: adapter defect, see closeBounded)',
    async () => {
      const store = EventStoreDbEventStore.connect(double.connectionString);
      await store.append(`Close-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Happened', data: {}, metadata: {} }], 'no_stream');
      for (let i = 0; i < 30; i++) await store.headPosition();
      assert.ok(await closeBounded(store), `close() did not return within ${CLOSE_BOUND_MS} ms`);
    },
  );
});
