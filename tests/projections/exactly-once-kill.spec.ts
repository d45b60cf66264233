import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { EventStoreDbEventStore } from '../../adapters/eventstore/eventstoredb/eventstoredb-event-store.js';
import { comparePositions, formatPosition, type Position } from '../../adapters/eventstore/event-store.js';
import { readCheckpoint } from '../../projections/checkpoints.js';
import { EsdbDouble } from '../support/esdb-double/esdb-double.js';
import { eventually } from '../support/eventually.js';
import { freshServerDatabase, type ServerDatabase } from '../support/killed-worker.js';
import { databaseKind } from '../support/test-database.js';
import { TEST_JWT_SECRET } from '../support/test-system.js';
import { streamOfTally, TALLY_EVENT_TYPE, TALLY_PROJECTION } from './exactly-once-tally.js';

const STREAMS = 40;
const KILLS = 8;

/**
 * The tally worker (tests/projections/exactly-once-worker.ts: a projection runner on the
 * product's runtime) as a child process; SIGKILLed by the spec. Its output is kept for a
 * failure's message; `started` resolves when its projections run.
 */
class TallyWorker {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get log(): string {
    return this.output;
  }

  /** Starts it; resolves once its projection runner is running. */
  start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/projections/exactly-once-worker.ts'], {
      env: { ...process.env, JWT_SECRET: TEST_JWT_SECRET, GCP_CVC_SECRET: 'exactly-once-spec-cvc-secret-of-32-characters', LOG_LEVEL: 'warn', PORT: '0', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      const keep = (chunk: Buffer) => {
        this.output = (this.output + chunk).slice(-20_000);
        if (this.output.includes('worker started\n')) resolve();
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.once('exit', (code, signal) => reject(new Error(`the worker stopped before it started (exit ${code}, ${signal}):\n${this.output}`)));
    });
  }

  get stoppedByItself(): boolean {
    return this.child !== undefined && this.child.exitCode !== null;
  }

  /** SIGKILL, wherever it is, and wait for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.output = this.output.replaceAll('worker started\n', 'worker started (earlier run)\n');
  }
}

/**
 * Issue 15, item 3: projections from EventStoreDB into PostgreSQL take effect exactly once. The
 * event log is the EventStoreDB protocol double in this process; the projection runner is a
 * separate worker process that reaches it over gRPC (EVENTSTORE_URL) and writes its read model
 * (a row per event, no unique key: a repeat would be a second row) to the PostgreSQL server. While
 * events are appended steadily, the worker is SIGKILLed at random moments — between applying a
 * batch and its next read, mid-batch, mid-read — and restarted. At the end the read model holds
 * every event of the log exactly once.
 *
 * Two processes and the PostgreSQL server (a database of its own): skipped on PGlite.
 */
describe('exactly-once projection from EventStoreDB (the protocol double) into PostgreSQL, the runner killed at random points', function () {
  this.timeout(120_000);
  let double: EsdbDouble | undefined;
  let server: ServerDatabase | undefined;
  let store: EventStoreDbEventStore | undefined;
  let dataDir: string | undefined;
  let worker: TallyWorker | undefined;

  before(async function () {
    if (databaseKind !== 'pg') this.skip();
    double = await EsdbDouble.start();
    server = await freshServerDatabase('exactly_once');
    store = EventStoreDbEventStore.connect(double.connectionString);
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-exactly-once-'));
    worker = new TallyWorker({ DATABASE_URL: server.url, EVENTSTORE_URL: double.connectionString, DATA_DIR: dataDir, PROJECTION_POLL_MS: '20' });
  });

  after(async () => {
    await worker?.kill();
    await store?.close();
    await double?.close();
    await server?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const appliedRows = async () => Number((await sql<{ n: string }>`select count(*)::text as n from rm_tally_applied`.execute(server!.database.db)).rows[0]!.n);

  it(`given events appended steadily to ${STREAMS} streams, when the projection's worker is SIGKILLed at random points ${KILLS} times and restarted, then its read model has every event of the log exactly once`, async () => {
    await worker!.start();

    // given: a steady stream of appends (1–3 events each, to a random stream) until the kills are done
    let appending = true;
    let appended = 0;
    const appender = (async () => {
      for (let n = 0; appending; ) {
        const events = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({ eventId: randomUUID(), type: TALLY_EVENT_TYPE, data: { n: n++ }, metadata: {} }));
        await store!.append(streamOfTally(Math.floor(Math.random() * STREAMS)), events, 'any');
        appended += events.length;
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 8));
      }
    })();

    // when: killed at a random moment after each start, while it is projecting
    let killsWhileProjecting = 0;
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const rowsAtStart = await appliedRows();
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 1_200));
        if (worker!.stoppedByItself) throw new Error(`the worker stopped by itself:\n${worker!.log}`);
        const rowsAtKill = await appliedRows();
        await worker!.kill();
        if (rowsAtKill > rowsAtStart && rowsAtKill < appended) killsWhileProjecting++;
        await worker!.start();
      }
    } finally {
      appending = false;
      await appender;
    }

    // then: once its checkpoint has passed the last event, the read model is the log, each event once
    const log = double!.events().filter((event) => event.type === TALLY_EVENT_TYPE);
    assert.equal(log.length, appended, 'every append is in the log');
    const last: Position = { commit: log.at(-1)!.commit, prepare: log.at(-1)!.prepare };
    await eventually(
      async () => (comparePositions(await readCheckpoint(server!.database.db, TALLY_PROJECTION), last) >= 0 ? true : undefined),
      60_000,
    ).catch(async (error) => {
      const stopped = await sql<{ stopped_reason: string | null }>`select stopped_reason from projection_checkpoints where name = ${TALLY_PROJECTION}`.execute(server!.database.db);
      throw new Error(`${error}: the checkpoint is at ${formatPosition(await readCheckpoint(server!.database.db, TALLY_PROJECTION))}, the last event at ${formatPosition(last)}; stopped: ${JSON.stringify(stopped.rows)}\nworker log:\n${worker!.log}`);
    });
    const { rows } = await sql<{ event_id: string; stream_name: string; revision: string; times: string }>`
      select event_id, stream_name, revision::text as revision, count(*)::text as times from rm_tally_applied group by event_id, stream_name, revision`.execute(server!.database.db);
    const applied = new Map(rows.map((row) => [row.event_id, row]));
    const twice = rows.filter((row) => row.times !== '1').map((row) => `${row.stream_name}@${row.revision} ×${row.times}`);
    const missing = log.filter((event) => !applied.has(event.id)).map((event) => `${event.streamName}@${event.revision}`);
    const inLog = new Map(log.map((event) => [event.id, event]));
    const foreign = rows.filter((row) => !inLog.has(row.event_id)).map((row) => row.event_id);
    assert.deepEqual({ twice, missing, foreign }, { twice: [], missing: [], foreign: [] }, `${log.length} events in the log, ${rows.length} distinct events applied`);
    const misplaced = rows.filter((row) => `${row.stream_name}@${row.revision}` !== `${inLog.get(row.event_id)!.streamName}@${inLog.get(row.event_id)!.revision}`);
    assert.deepEqual(misplaced, [], 'each row names its event\'s stream and revision');
    assert.equal(await appliedRows(), log.length, 'a row per event');
    assert.ok(killsWhileProjecting >= KILLS / 2, `${killsWhileProjecting} of ${KILLS} kills came while it was projecting (rows applied since its start, the log ahead of it)`);
  });
});
