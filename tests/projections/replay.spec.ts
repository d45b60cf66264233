import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as t from 'io-ts';
import { sql } from 'kysely';
import request from 'supertest';
import { countEventsInPostgresLog } from '../../adapters/app/replay-module.js';
import type { RunningSystem } from '../../adapters/app/system.js';
import { START } from '../../adapters/eventstore/event-store.js';
import { BI_READER_ROLE } from '../../projections/bi-migrations.js';
import { defineProjection, eventTypesOfProjection } from '../../projections/projection.js';
import { eventCodec } from '../../domain/event-codec.js';
import { replayProjection, type ReplayProgress } from '../../projections/replay.js';
import { ManualClock } from '../../platform/clock.js';
import { bearer, eventually, publishedGathering, RecordingChannel, startTicketing } from '../commands/ticketing/ticketing-harness.js';
import { schemaViolations, type Schema } from '../support/json-schema-check.js';
import { openTestDatabase } from '../support/test-database.js';

interface Replay {
  status: string;
  report?: { equal: boolean; events: number; tables: { table: string; liveRows: number; rebuiltRows: number; onlyLive: number; onlyRebuilt: number }[] };
  progress?: { phase: string; events: number; total_events: number | null; estimated: boolean; events_per_second: number; eta_seconds: number | null };
  error?: string;
}

/** SPEC X-4: rebuild a projection from the log without stopping the API, and prove it equals the live state. */
describe('the replay tool (rebuild and verify a projection, live)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  let admin: string;
  let buyer: string;
  let organizer: string;
  let event: { gatheringId: string; ticketTypeId: string };

  before(async () => {
    database = await openTestDatabase();
    system = await startTicketing({ database, clock, channel: new RecordingChannel() });
    admin = await bearer('ops', ['admin']);
    buyer = await bearer('replay-buyer');
    organizer = await bearer('replay-org', ['organizer']);
    event = await publishedGathering(system.api, organizer, clock.now(), { quantity: 100 });
    const scanner = await bearer('replay-door', ['scanner']);
    for (let i = 0; i < 6; i++) {
      const sale = await request(system.api).post(`/api/events/${event.gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: event.ticketTypeId, quantity: 2 }).expect(201);
      if (i % 2 === 0) await request(system.api).post(`/api/tickets/${sale.body.tickets[0].code}/checkin`).set('Authorization', scanner).send({}).expect(200);
    }
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const replay = async (name: string, mode: 'rebuild' | 'verify'): Promise<Replay> => {
    const started = await request(system.api).post(`/api/admin/projections/${name}/replay`).set('Authorization', admin).send({ mode }).expect(202);
    return eventually(async () => {
      const job = (await request(system.api).get(`/api/admin/replays/${started.body.replay_id}`).set('Authorization', admin).expect(200)).body as Replay;
      return job.status === 'running' ? undefined : job;
    }, 60_000);
  };

  it('given a live projection, when verified, then every table it owns (BI included) equals its rebuild from the log', async () => {
    const job = await replay('ticketing-tickets', 'verify');
    assert.equal(job.status, 'done', job.error);
    assert.equal(job.report!.equal, true, JSON.stringify(job.report));
    assert.deepEqual(job.report!.tables.map((t) => t.table).sort(), ['bi.ticket_checkins', 'bi.ticket_sales', 'rm_tickets']);
    assert.equal(job.report!.tables.find((t) => t.table === 'rm_tickets')!.liveRows, 12);
  });

  it('given a finished replay, then its progress reads the total it read, counted (not estimated), its rate and no time left — as /openapi.json documents it', async () => {
    const started = await request(system.api).post('/api/admin/projections/ticketing-tickets/replay').set('Authorization', admin).send({ mode: 'verify' }).expect(202);
    const job = await eventually(async () => {
      const body = (await request(system.api).get(`/api/admin/replays/${started.body.replay_id}`).set('Authorization', admin).expect(200)).body;
      return body.status === 'running' ? undefined : body;
    }, 60_000);
    const progress = (job as Replay).progress!;
    assert.equal(progress.phase, 'done');
    assert.equal(progress.total_events, progress.events);
    assert.equal(progress.estimated, false);
    assert.equal(progress.eta_seconds, 0);
    assert.ok(progress.events_per_second > 0, JSON.stringify(progress));
    const document = (await request(system.api).get('/openapi.json').expect(200)).body;
    const schema = document.paths['/api/admin/replays/{id}'].get.responses['200'].content['application/json'].schema as Schema;
    assert.deepEqual(schemaViolations(schema, job, document as Schema), []);
  });

  it('given the PostgreSQL log, then every progress of a replay counts the events it will read, and the counts add up over ranges of the log', async () => {
    const projection = system.modules.flatMap((module) => module.projections ?? []).find((p) => p.name === 'ticketing-tickets')!;
    const { database: db, store } = system.dependencies;
    const types = eventTypesOfProjection(projection);
    const head = await store.headPosition();
    const all = await store.readAll(START, { limit: 10_000, filter: { eventTypes: types } });
    const count = countEventsInPostgresLog(db);
    assert.equal(await count(types, START, head), all.events.length);
    const middle = all.events[4]!.position;
    assert.equal((await count(types, START, middle)) + (await count(types, middle, head)), all.events.length);

    const seen: ReplayProgress[] = [];
    const report = await replayProjection(db, store, projection, { mode: 'verify', batchSize: 4, countEvents: count, onProgress: (p) => seen.push(p) });
    const building = seen.filter((p) => p.phase === 'building');
    assert.ok(building.length >= 3, `a progress per batch of 4 (${building.length})`);
    assert.ok(seen.every((p) => p.totalEvents === report.events && !p.estimated), JSON.stringify(seen));
    assert.ok(building.slice(1).every((p) => p.eventsPerSecond > 0 && p.etaSeconds !== null));
  });

  it('given a log that cannot count, then the total is estimated from positions: unknown before anything is read, then never below what was read', async () => {
    const projection = system.modules.flatMap((module) => module.projections ?? []).find((p) => p.name === 'ticketing-tickets')!;
    const seen: ReplayProgress[] = [];
    const report = await replayProjection(system.dependencies.database, system.dependencies.store, projection, { mode: 'verify', batchSize: 4, onProgress: (p) => seen.push(p) });
    assert.deepEqual([seen[0]!.phase, seen[0]!.events, seen[0]!.totalEvents, seen[0]!.estimated, seen[0]!.etaSeconds], ['building', 0, null, true, null]);
    const building = seen.filter((p) => p.phase === 'building' && p.events > 0);
    assert.ok(building.length > 0 && building.every((p) => p.estimated && p.totalEvents !== null && p.totalEvents >= p.events), JSON.stringify(seen));
    assert.deepEqual([seen.at(-1)!.phase, seen.at(-1)!.totalEvents, seen.at(-1)!.estimated], ['done', report.events, false]);
  });

  it('given a damaged read model, then verify names the differences, and a rebuild — while purchases go on — repairs it', async () => {
    await eventually(async () => (await sql<{ n: string }>`select count(*)::text as n from rm_tickets`.execute(database.db)).rows[0]!.n === '12');
    await sql`update rm_tickets set status = 'voided' where id = (select id from rm_tickets where status = 'active' order by id limit 1)`.execute(database.db);
    await sql`delete from ${sql.table(`${database.biSchema}.ticket_sales`)} where sale_id = (select sale_id from ${sql.table(`${database.biSchema}.ticket_sales`)} order by sale_id limit 1)`.execute(database.db);
    const damaged = await replay('ticketing-tickets', 'verify');
    assert.equal(damaged.report!.equal, false);
    const tickets = damaged.report!.tables.find((t) => t.table === 'rm_tickets')!;
    assert.deepEqual([tickets.onlyLive, tickets.onlyRebuilt], [1, 1]);
    const sales = damaged.report!.tables.find((t) => t.table === 'bi.ticket_sales')!;
    assert.deepEqual([sales.liveRows, sales.rebuiltRows, sales.onlyLive, sales.onlyRebuilt], [5, 6, 0, 1]);

    const indexes = async () =>
      (await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_indexes where schemaname = ${database.schema} and tablename = 'rm_tickets' order by indexname`.execute(database.db)).rows;
    const indexesBefore = await indexes();
    assert.ok(indexesBefore.some((index) => index.name === 'rm_tickets_holder'));

    // the API keeps serving and selling during the rebuild
    const started = await request(system.api).post('/api/admin/projections/ticketing-tickets/replay').set('Authorization', admin).send({ mode: 'rebuild' }).expect(202);
    const during = await Promise.all(
      Array.from({ length: 5 }, () => request(system.api).post(`/api/events/${event.gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: event.ticketTypeId })),
    );
    assert.deepEqual(during.map((r) => r.status), [201, 201, 201, 201, 201]);
    const rebuilt = await eventually(async () => {
      const job = (await request(system.api).get(`/api/admin/replays/${started.body.replay_id}`).set('Authorization', admin).expect(200)).body as Replay;
      return job.status === 'running' ? undefined : job;
    }, 60_000);
    assert.equal(rebuilt.status, 'done', rebuilt.error);
    assert.deepEqual(await indexes(), indexesBefore, 'the query indexes, left out while building, are there again after the swap, as defined');

    // the live projection carries on from the swapped state: nothing lost, nothing twice
    const after = await request(system.api).post(`/api/events/${event.gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: event.ticketTypeId }).expect(201);
    const mine = await eventually(async () => {
      const items = (await request(system.api).get('/api/tickets').query({ limit: '200' }).set('Authorization', buyer).expect(200)).body.items as { id: string; status: string }[];
      return items.length === 18 ? items : undefined;
    });
    assert.ok(mine.some((t) => t.id === after.body.tickets[0].id));
    assert.equal(mine.filter((t) => t.status === 'used').length, 3, 'the damage is repaired');
    assert.equal(mine.filter((t) => t.status === 'voided').length, 0);
    const verified = await replay('ticketing-tickets', 'verify');
    assert.equal(verified.report!.equal, true, JSON.stringify(verified.report));
    const readable = await database.db.transaction().execute(async (trx) => {
      await sql`set local role ${sql.id(BI_READER_ROLE)}`.execute(trx);
      return (await sql<{ n: string }>`select count(*)::text as n from ${sql.table(`${database.biSchema}.ticket_sales`)}`.execute(trx)).rows[0]!.n;
    });
    assert.equal(readable, '12', 'the swapped-in BI tables are readable by BI, with every sale');
  });

  it('given a projection naming a query index its tables do not have, then the replay fails at once naming it, and nothing live changes', async () => {
    const tickets = system.modules.flatMap((module) => module.projections ?? []).find((p) => p.name === 'ticketing-tickets')!;
    const before = (await sql<{ n: string }>`select count(*)::text as n from rm_tickets`.execute(database.db)).rows[0]!.n;
    await assert.rejects(
      replayProjection(database, system.dependencies.store, { ...tickets, queryIndexes: ['rm_tickets_holder', 'rm_tickets_nowhere'] }, { mode: 'rebuild' }),
      /ticketing-tickets: its query indexes rm_tickets_nowhere are not among its tables' indexes/,
    );
    assert.equal((await sql<{ n: string }>`select count(*)::text as n from rm_tickets`.execute(database.db)).rows[0]!.n, before);
  });

  it('given a unique constraint among the query indexes, then the rebuild adds it back after the build (checking it), and a log that breaks it fails the rebuild with live untouched', async () => {
    const probe = defineProjection({
      name: 'replay-unique-probe',
      events: eventCodec('ReplayProbeCoded', t.type({ id: t.string, code: t.string })),
      migrations: {
        'replay-unique-probe-0001-table': {
          async up(db) {
            await sql`create table replay_probe_codes (id text primary key, code text not null unique)`.execute(db);
          },
        },
      },
      queryIndexes: ['replay_probe_codes_code_key'],
      async apply(trx, events) {
        for (const { data } of events) await sql`insert into replay_probe_codes (id, code) values (${data.id}, ${data.code}) on conflict (id) do nothing`.execute(trx);
      },
    });
    const coded = (id: string, code: string) => ({ eventId: randomUUID(), type: 'ReplayProbeCoded', data: { id, code }, metadata: {} });
    const stream = `ReplayProbe-${randomUUID()}`;
    await system.dependencies.store.append(stream, [coded('a', 'X'), coded('b', 'Y'), coded('a', 'Z')], 'no_stream');
    const constraints = async () =>
      (await sql<{ name: string; definition: string }>`
        select c.conname as name, pg_get_constraintdef(c.oid) as definition from pg_constraint c join pg_namespace n on n.oid = c.connamespace
        where c.contype in ('p', 'u') and n.nspname = ${database.schema} and c.conrelid = ${`${database.schema}.replay_probe_codes`}::regclass order by c.conname`.execute(database.db)).rows;

    const rebuilt = await replayProjection(database, system.dependencies.store, probe, { mode: 'rebuild' });
    assert.equal(rebuilt.events, 3);
    assert.deepEqual((await sql<{ id: string; code: string }>`select id, code from replay_probe_codes order by id`.execute(database.db)).rows, [{ id: 'a', code: 'X' }, { id: 'b', code: 'Y' }]);
    assert.deepEqual(await constraints(), [
      { name: 'replay_probe_codes_code_key', definition: 'UNIQUE (code)' },
      { name: 'replay_probe_codes_pkey', definition: 'PRIMARY KEY (id)' },
    ]);

    await system.dependencies.store.append(stream, [coded('c', 'X')], 2n);
    await assert.rejects(replayProjection(database, system.dependencies.store, probe, { mode: 'rebuild' }), /replay_probe_codes_code_key|duplicate key|unique/i);
    assert.deepEqual((await sql<{ id: string }>`select id from replay_probe_codes order by id`.execute(database.db)).rows.map((row) => row.id), ['a', 'b'], 'live untouched');
    assert.equal((await constraints()).length, 2);
  });

  it('given npm run replay with --verify, when stderr is not a terminal, then progress lines on stderr and the report and comparison as tables on stdout', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', 'ticketing-tickets', '--verify', '--url', system.api], {
      env: { ...process.env, LEDGERLINE_TOKEN: admin.replace(/^Bearer /, '') },
    });
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^projection\s+mode\s+events\s+seconds\s+events\/s\s+position\s+result$/);
    assert.match(lines[2]!, /^ticketing-tickets\s+verify\s+\d+\s+[\d.]+\s+[\d,]+\s+\d+\/\d+\s+equal$/);
    assert.match(stdout, /ticketing-tickets: tables compared at \d+\/\d+\ntable\s+live rows\s+rebuilt rows\s+only live\s+only rebuilt\s+result\n/);
    assert.match(stdout, /\nrm_tickets\s+(\d+)\s+\1\s+0\s+0\s+equal/);
    assert.match(stderr, /^ticketing-tickets {2}done {7}\[█+\] {2}(\d+) \/ \1 events {2}100\.0%/m);
    assert.ok(!stderr.includes('\r'), 'no redraws in a log');
  });

  it('given bad requests, then 404 for an unknown projection, 422 for a saga, 403 for a non-admin', async () => {
    await request(system.api).post('/api/admin/projections/nope/replay').set('Authorization', admin).send({}).expect(404);
    await request(system.api).post('/api/admin/projections/saga:ticketing-gathering-followup/replay').set('Authorization', admin).send({}).expect(422);
    await request(system.api).post('/api/admin/projections/ticketing-tickets/replay').set('Authorization', buyer).send({}).expect(403);
    await request(system.api).get('/api/admin/replays/unknown').set('Authorization', admin).expect(404);
  });
});
