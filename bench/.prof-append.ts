// scratch: not committed
import { migrate } from '../adapters/database/migrations.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { openTarget } from './lib/target.js';
import { ticketEvents } from './lib/workload.js';
import { randomUUID } from 'node:crypto';
const target = await openTarget({ inMemory: false });
const database = await target.openSchema(1);
await migrate(database, eventLogMigrations);
const store = new PostgresEventStore(database);
const seconds = Number(process.env.SECS ?? 5);
const batch = Number(process.env.BATCH ?? 1);
const end = performance.now() + seconds * 1000;
let n = 0;
let stream = `Ticket-${randomUUID()}`; let rev = -1n;
while (performance.now() < end) {
  if (rev + 1n >= 20n) { stream = `Ticket-${randomUUID()}`; rev = -1n; }
  await store.append(stream, ticketEvents(batch), rev < 0n ? 'no_stream' : rev);
  rev += BigInt(batch); n += batch;
}
console.log(target.kind, 'events/s', Math.round(n / seconds), 'cpu us/event', Math.round((process.cpuUsage().user + process.cpuUsage().system) / n));
await store.close(); await database.dispose(); await target.close();
