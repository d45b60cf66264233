// scratch: not committed
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { migrate } from '../adapters/database/migrations.js';
import { eventLogMigrations } from '../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../adapters/eventstore/postgres/postgres-event-store.js';
import { WrongExpectedVersion } from '../adapters/eventstore/event-store.js';
import { openTarget } from './lib/target.js';
import { ticketEvents } from './lib/workload.js';
const target = await openTarget({ inMemory: true });
const database = await target.openSchema(4);
await migrate(database, eventLogMigrations);
const store = new PostgresEventStore(database);
for (const n of [1, 2, 10, 32, 33, 100]) {
  const s = `T-${randomUUID()}`;
  const a = ticketEvents(n);
  const r = await store.append(s, a, 'no_stream');
  assert.equal(r.nextRevision, BigInt(n - 1));
  assert.deepEqual((await store.append(s, a, 'no_stream')).nextRevision, r.nextRevision, 'idempotent');
  await assert.rejects(store.append(s, ticketEvents(n), 'no_stream'), WrongExpectedVersion);
  for (const m of [1, 3, 32, 40]) {
    const rev = (await store.readStream(s)).length - 1;
    const b = ticketEvents(m);
    const r2 = await store.append(s, b, BigInt(rev));
    assert.equal(r2.nextRevision, BigInt(rev + m));
    assert.equal((await store.append(s, b, BigInt(rev))).nextRevision, r2.nextRevision, 'idempotent at');
    await assert.rejects(store.append(s, ticketEvents(m), BigInt(rev)), (e: unknown) => e instanceof WrongExpectedVersion && e.actual === BigInt(rev + m));
    await assert.rejects(store.append(s, ticketEvents(m), BigInt(rev + m + 5)), (e: unknown) => e instanceof WrongExpectedVersion && e.actual === BigInt(rev + m));
  }
  const all = await store.readStream(s);
  assert.deepEqual(all.map((e) => Number(e.revision)), all.map((_, i) => i));
  const x = await store.append(s, ticketEvents(2), 'exists');
  assert.equal(x.nextRevision, BigInt(all.length + 1));
  await store.append(s, ticketEvents(2), 'any');
  await assert.rejects(store.append(`T-${randomUUID()}`, ticketEvents(n), 'exists'), WrongExpectedVersion);
  const ev = (await store.readStream(s, { maxCount: 1 }))[0]!;
  assert.equal(typeof ev.data, 'object');
}
console.log(target.kind, 'ok');
await store.close(); await database.dispose(); await target.close();
