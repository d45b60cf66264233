// scratch: not committed
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../adapters/database/migrations.js';
import { openDatabase, startPglite } from '../adapters/database/open-database.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { ticketEvents } from './lib/workload.js';
const host = await startPglite(await mkdtemp(join(tmpdir(), 'pgl-')));
const AT1 = `insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
        select $1, v.position, v.event_id, v.event_type, v.data, v.metadata
        from (values ($2::bigint + 1, $3::uuid, $4, $5::jsonb, $6::jsonb)) as v(position, event_id, event_type, data, metadata) where exists (select from events where stream_name = $1 and stream_position = $2::bigint)
        on conflict (stream_name, stream_position) do nothing returning stream_position::text, global_position::text, transaction_id::text`;
const NEW1 = `insert into events (stream_name, stream_position, event_id, event_type, data, metadata) values ($1, 0, $2::uuid, $3, $4::jsonb, $5::jsonb) on conflict (stream_name, stream_position) do nothing returning stream_position::text, global_position::text, transaction_id::text`;
const C = '(stream_name, stream_position, event_id, event_type, data, metadata)';
const R = 'returning stream_position::text, global_position::text, transaction_id::text';
const EX = 'where exists (select from events where stream_name = $1 and stream_position = $2::bigint)';
const SHAPES: Record<string, string> = {
  oldShape: `insert into events ${C} select $1, $2::bigint + 1, $3::uuid, $4, $5::jsonb, $6::jsonb ${EX} on conflict (stream_name, stream_position) do nothing ${R}`,
  oldNoConflict: `insert into events ${C} select $1, $2::bigint + 1, $3::uuid, $4, $5::jsonb, $6::jsonb ${EX} ${R}`,
  valuesConflict: `insert into events ${C} values ($1, $2::bigint + 1, $3::uuid, $4, $5::jsonb, $6::jsonb) on conflict (stream_name, stream_position) do nothing ${R}`,
  valuesPlainRet: `insert into events ${C} values ($1, $2::bigint + 1, $3::uuid, $4, $5::jsonb, $6::jsonb) ${R}`,
};
const PLAIN1 = `insert into events (stream_name, stream_position, event_id, event_type, data, metadata) values ($1, $2::bigint, $3::uuid, $4, $5::jsonb, $6::jsonb) returning global_position, transaction_id::text`;
for (let round = 0; round < Number(process.env.R ?? 2); round++) for (const v of (process.env.V ?? 'ours,direct,directOurs').split(',')) {
  const schema = `s_${randomUUID().slice(0, 8)}`;
  const database = await openDatabase({ schema, biSchema: `${schema}_bi`, pgliteHost: host });
  await migrate(database, eventLogMigrations);
  const store = new PostgresEventStore(database);
  await host.pglite.exec(`set search_path to ${schema}`);
  const end = performance.now() + 3000; let n = 0; let stream = ''; let rev = 19n;
  while (performance.now() < end) {
    if (rev + 1n >= 20n) { stream = `Ticket-${randomUUID()}`; rev = -1n; }
    const e = ticketEvents(1);
    if (v === 'ours') await store.append(stream, e, rev < 0n ? 'no_stream' : rev);
    else if (v === 'directOurs') {
      const x = e[0]!;
      if (rev < 0n) await host.pglite.query(NEW1, [stream, x.eventId, x.type, JSON.stringify(x.data), JSON.stringify(x.metadata)]);
      else await host.pglite.query(AT1, [stream, rev.toString(), x.eventId, x.type, JSON.stringify(x.data), JSON.stringify(x.metadata)]);
    } else if (v in SHAPES) {
      const x = e[0]!;
      if (rev < 0n) await host.pglite.query(NEW1, [stream, x.eventId, x.type, JSON.stringify(x.data), JSON.stringify(x.metadata)]);
      else await host.pglite.query(SHAPES[v]!, [stream, rev.toString(), x.eventId, x.type, JSON.stringify(x.data), JSON.stringify(x.metadata)]);
    } else await host.pglite.query(PLAIN1, [stream, (rev + 1n).toString(), e[0]!.eventId, e[0]!.type, JSON.stringify(e[0]!.data), JSON.stringify(e[0]!.metadata)]);
    rev++; n++;
  }
  console.log(v, Math.round(n / 3), '/s');
}
await host.pglite.close();
