// scratch: not committed
import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { migrate } from '../adapters/database/migrations.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { openTarget } from './lib/target.js';
import { ticketEvents } from './lib/workload.js';
import type { EventToAppend } from '../adapters/eventstore/event-store.js';

const target = await openTarget({});
const secs = Number(process.env.SECS ?? 3);
const writers = Number(process.env.W ?? 1);
const batch = Number(process.env.BATCH ?? 1);
type Fn = (stream: string, events: EventToAppend[], rev: bigint) => Promise<unknown>;

const AT1 = `insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
select $1, $2::bigint + 1, $3::uuid, $4, $5::jsonb, $6::jsonb
where exists (select from events where stream_name = $1 and stream_position = $2::bigint)
on conflict do nothing returning stream_position::text, global_position::text, transaction_id::text`;
const NEW1 = `insert into events (stream_name, stream_position, event_id, event_type, data, metadata)
values ($1, 0, $2::uuid, $3, $4::jsonb, $5::jsonb) on conflict do nothing returning stream_position::text, global_position::text, transaction_id::text`;
const PLAIN1 = `insert into events (stream_name, stream_position, event_id, event_type, data, metadata) values ($1, $2::bigint, $3::uuid, $4, $5::jsonb, $6::jsonb) returning global_position, transaction_id::text`;

const variants: Record<string, (db: any, pool: pg.Pool) => Fn> = {
  ours: (db) => { const s = new PostgresEventStore({ ...db, signals: undefined }); return (st, ev, rev) => s.append(st, ev, rev < 0n ? 'no_stream' : rev); },
  kyselyPre: (db) => async (st, ev, rev) => {
    const e = ev[0]!;
    const q = rev < 0n ? CompiledQuery.raw(NEW1, [st, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)])
      : CompiledQuery.raw(AT1, [st, rev.toString(), e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)]);
    return db.db.executeQuery({ ...q, sql: { name: rev < 0n ? 'k_new1' : 'k_at1', text: q.sql } });
  },
  pgOursSql: (_db, pool) => async (st, ev, rev) => {
    const e = ev[0]!; const c = await pool.connect();
    try { return rev < 0n ? await c.query({ name: 'p_new1', text: NEW1, values: [st, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)] })
      : await c.query({ name: 'p_at1', text: AT1, values: [st, rev.toString(), e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)] }); } finally { c.release(); }
  },
  rawPrepared: (_db, pool) => async (st, ev, rev) => {
    const e = ev[0]!; const c = await pool.connect();
    try { return await c.query({ name: 'p_plain1', text: PLAIN1, values: [st, (rev + 1n).toString(), e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)] }); } finally { c.release(); }
  },
};
const names = (process.env.V ?? Object.keys(variants).join(',')).split(',');
const results: Record<string, number[][]> = {};
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  for (const name of names) {
    const database = await target.openSchema(writers);
    await migrate(database, eventLogMigrations);
    const pool = new pg.Pool({ connectionString: target.url, max: writers, options: `-c search_path=${database.schema}` });
    const fn = variants[name]!(database, pool);
    const warm = performance.now() + 500;
    let n = 0; let cpu0: NodeJS.CpuUsage | undefined; let end = 0;
    await Promise.all(Array.from({ length: writers }, async () => {
      let stream = ''; let rev = 19n;
      for (;;) {
        const now = performance.now();
        if (!cpu0 && now >= warm) { cpu0 = process.cpuUsage(); end = now + secs * 1000; n = 0; }
        if (cpu0 && now >= end) return;
        if (rev + 1n >= 20n) { stream = `Ticket-${randomUUID()}`; rev = -1n; }
        const r = rev; rev += 1n;
        await fn(stream, ticketEvents(1), r); n++;
      }
    }));
    const c = process.cpuUsage(cpu0);
    (results[name] ??= []).push([Math.round(n / secs), Math.round((c.user + c.system) / n)]);
    await pool.end(); await database.dispose();
  }
}
for (const [k, v] of Object.entries(results)) console.log(k.padEnd(12), v.map(([r, c]) => `${r}/s ${c}us`).join('  '));
await target.close();
