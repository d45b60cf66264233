import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { migrate } from '../../../adapters/database/migrations.js';
import type { RecordedEvent } from '../../../adapters/eventstore/event-store.js';
import { eventLogMigrations } from '../../../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../../../adapters/eventstore/postgres/postgres-event-store.js';
import { waitUntil } from './event-store.contract.js';
import { databaseKind, openPeer, openTestDatabase } from '../../support/test-database.js';

describe('PostgreSQL event log: wake-ups across processes', function () {
  this.timeout(60_000);
  before(function () {
    if (databaseKind !== 'pg') this.skip(); // PGlite belongs to one process: appends wake waiters in-process
  });

  it('given a subscriber in another process that polls only every 30 s, when an event is appended, then it arrives at once (LISTEN/NOTIFY)', async () => {
    const database = await openTestDatabase();
    const peer = await openPeer(database);
    try {
      await migrate(database, eventLogMigrations);
      const writer = new PostgresEventStore(database, 30_000);
      const reader = new PostgresEventStore(peer, 30_000);
      const received: RecordedEvent[] = [];
      let caughtUp = false;
      const subscription = reader.subscribeToAll(async (event) => void received.push(event), {
        from: await reader.headPosition(),
        onCaughtUp: () => (caughtUp = true),
      });
      await waitUntil(() => caughtUp);
      await new Promise((resolve) => setTimeout(resolve, 200)); // the reader is now asleep in its 30 s poll
      const startedAt = Date.now();
      await writer.append(`Test-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Woken', data: {}, metadata: {} }], 'no_stream');
      await waitUntil(() => received.length === 1, 5_000);
      assert.ok(Date.now() - startedAt < 5_000);
      await subscription.stop();
      await writer.close();
      await reader.close();
    } finally {
      await peer.close();
      await database.dispose();
    }
  });
});
