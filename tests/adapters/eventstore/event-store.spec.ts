import { migrate } from '../../../adapters/database/migrations.js';
import { eventLogMigrations } from '../../../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../../../adapters/eventstore/postgres/postgres-event-store.js';
import { databaseKind, openTestDatabase } from '../../support/test-database.js';
import { eventStoreContract } from './event-store.contract.js';

eventStoreContract(`PostgreSQL event log on ${databaseKind === 'pg' ? 'the PostgreSQL server' : 'PGlite'}`, async () => {
  const database = await openTestDatabase();
  await migrate(database, eventLogMigrations);
  const store = new PostgresEventStore(database, 20);
  return {
    store,
    serialized: database.kind === 'pglite',
    // PGlite has one connection: a transaction held open would block every other append.
    appendHeldOpen:
      database.kind === 'pg'
        ? (stream, events, commit) =>
            database.db.transaction().execute(async (trx) => {
              await new PostgresEventStore({ ...database, db: trx }).append(stream, events, 'no_stream');
              await commit;
            })
        : undefined,
    dispose: () => database.dispose(),
  };
});

if (process.env.EVENTSTORE_URL) {
  // A real server (none runs on our machines: the double's spec runs this contract in npm test).
  const { EventStoreDbEventStore } = await import('../../../adapters/eventstore/eventstoredb/eventstoredb-event-store.js');
  const { EventStoreDBClient } = await import('@eventstore/db-client');
  eventStoreContract('EventStoreDB (EVENTSTORE_URL)', async () => {
    const store = EventStoreDbEventStore.connect(process.env.EVENTSTORE_URL!);
    const operator = EventStoreDBClient.connectionString(process.env.EVENTSTORE_URL!);
    return {
      store,
      tombstone: async (stream) => void (await operator.tombstoneStream(stream)),
      // port 1 on this host: nothing listens there
      unreachable: () => EventStoreDbEventStore.connect('esdb://127.0.0.1:1?tls=false'),
      dispose: async () => {
        await store.close();
        await operator.dispose();
      },
    };
  });
}
