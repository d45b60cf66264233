// scratch: not committed — JS overhead of the append path over a stub pool (no I/O)
import { Kysely, PostgresDialect } from 'kysely';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { ticketEvents } from './lib/workload.js';
let calls = 0;
const client = {
  async query(q: any, params: any[]) { calls++; return { command: 'INSERT', rowCount: 1, rows: [{ stream_position: '3', global_position: '100', transaction_id: '777' }] }; },
  release() {},
};
const pool = { async connect() { return client; }, async end() {} };
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: pool as any }) });
const store = new PostgresEventStore({ kind: 'pg', db, schema: 'x', biSchema: 'y', tryLeadership: async () => null, ping: async () => {}, close: async () => {} } as any);
const N = 200_000;
const evs = Array.from({ length: 1000 }, () => ticketEvents(1));
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) await store.append('Ticket-x', evs[i % 1000]!, 2n);
  const ours = ((performance.now() - t) / N) * 1000;
  t = performance.now();
  for (let i = 0; i < N; i++) {
    const e = evs[i % 1000]![0]!;
    const c = await pool.connect();
    try { await c.query({ name: 'x', text: 'insert', values: ['Ticket-x', '3', e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)] }, []); } finally { c.release(); }
  }
  const raw = ((performance.now() - t) / N) * 1000;
  console.log(`ours ${ours.toFixed(2)} us/append, raw ${raw.toFixed(2)} us/append`);
}
