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
  const { EventStoreDbEventStore } = await import('../../../adapters/eventstore/eventstoredb/eventstoredb-event-store.js');
  eventStoreContract('EventStoreDB', async () => {
    const store = EventStoreDbEventStore.connect(process.env.EVENTSTORE_URL!);
    return { store, dispose: () => store.close() };
  });
}
