// scratch: not committed
import { randomUUID } from 'node:crypto';
import { migrate } from '../adapters/database/migrations.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { openTarget } from './lib/target.js';
import { ticketEvents } from './lib/workload.js';
const target = await openTarget({});
for (const notify of [true, false, true, false]) {
  const W = Number(process.env.W ?? 1);
  const database = await target.openSchema(W);
  await migrate(database, eventLogMigrations);
  let signals = 0; let signalMs = 0;
  const sig = database.signals!;
  const wrapped = { listen: sig.listen.bind(sig), signal: async (c: string) => { const t = performance.now(); signals++; await sig.signal(c); signalMs += performance.now() - t; } };
  const store = new PostgresEventStore({ ...database, signals: notify ? wrapped : undefined });
  const end = performance.now() + 3000; let n = 0; const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: W }, async () => { let stream = ''; let rev = 19n;
  while (performance.now() < end) {
    if (rev + 1n >= 20n) { stream = `Ticket-${randomUUID()}`; rev = -1n; }
    await store.append(stream, ticketEvents(1), rev < 0n ? 'no_stream' : rev); rev++; n++;
  }}));
  const cpu = process.cpuUsage(c0);
  console.log({ notify, perSec: Math.round(n / 3), signals, avgSignalMs: (signalMs / signals).toFixed(2), cpuUsPerEvent: Math.round((cpu.user + cpu.system) / n) });
  await store.close(); await database.dispose();
}
await target.close();
