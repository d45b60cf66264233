import { EventEmitter, setMaxListeners } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Database, Leadership } from '../adapters/database/database.js';
import { runWhileLeader } from '../adapters/database/leader-loop.js';
import { comparePositions, formatPosition, type EventStore, type Position, type ReadAllPage } from '../adapters/eventstore/event-store.js';
import { sql } from 'kysely';
import { MalformedEventError } from '../domain/event-decoding.js';
import { delay } from '../platform/delay.js';
import { announceCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { eventTypesOfProjection, projectedEvents, type AnyProjection } from './projection.js';

export interface ProjectionProgress {
  readonly name: string;
  readonly position: Position;
  /** Events (approximately) between the checkpoint and the head of the log. */
  readonly lagEvents: number;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  readonly lagSeconds: number;
  /** True while an event it cannot read holds the projection. */
  readonly stopped?: boolean;
}

export interface ProjectionRunnerOptions {
  readonly batchSize?: number;
  readonly pollMs?: number;
  /** How often a runner without leadership tries to take over. */
  readonly leadershipRetryMs?: number;
  readonly onProgress?: (progress: ProjectionProgress) => void;
  /** A batch with events for `projection` committed (a saga's reactions are stored: the outbox may have work). */
  readonly onApplied?: (projection: string) => void;
  readonly onError?: (projection: string, error: unknown) => void;
  /** A projection met an event it cannot read and stopped (it stays stopped until the process restarts with a fix). */
  readonly onStopped?: (projection: string, error: MalformedEventError) => void;
}

/** How long a checkpoint moved only past events of no interest to its projection may wait to be written. */
const CHECKPOINT_IDLE_WRITE_MS = 1000;

/** The checkpoint moved under us: another runner held the projection. Not an error to report. */
class CheckpointMoved extends Error {}

/** How many recent reads of `$all` (one per position) a runner keeps for its projections to share. */
const SHARED_READS_KEPT = 8;

/**
 * A read of `$all` from one position with the union of the runner's filters, shared by its
 * projections at that checkpoint; `appends` is how many appends the runner had seen when it began.
 */
interface SharedRead {
  readonly appends: number;
  readonly page: Promise<ReadAllPage & { readonly full: boolean }>;
}

/**
 * Runs projections, several in one worker. Each projection has at most one active runner
 * across processes (leadership through a PostgreSQL advisory lock); a runner that is not the
 * leader retries and takes over when the leader dies. Each batch is applied in one
 * transaction with the checkpoint — exactly-once effect, whichever event log is used.
 */
export class ProjectionRunner {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly leaders = new Map<string, Leadership>();
  /** Recent reads by position, newest last (see `read`). */
  private readonly reads = new Map<string, SharedRead>();
  /** Appends the store has signalled since the start (or polls that may have found one), counted by `watch`. */
  private appends = 0;
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private watching: Promise<void> | undefined;
  /** What one read for all the projections asks for: every event type any of them follows. */
  private readonly filter: { readonly eventTypes: readonly string[] };

  constructor(
    private readonly database: Database,
    private readonly store: EventStore,
    private readonly projections: readonly AnyProjection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    // every projection's loop waits on this one signal at once: that many listeners is no leak
    setMaxListeners(Math.max(10, projections.length * 2 + 2), this.abort.signal);
    const names = new Set<string>();
    for (const projection of projections) {
      if (names.has(projection.name)) throw new Error(`projection ${projection.name} registered twice`);
      names.add(projection.name);
    }
    this.filter = { eventTypes: [...new Set(projections.flatMap((projection) => eventTypesOfProjection(projection)))] };
  }

  start(): void {
    this.watching ??= this.watch(this.abort.signal);
    this.loops = this.projections.map((projection) => this.run(projection));
  }

  /** Finishes the batch in progress, releases leadership. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.loops, this.watching]);
  }

  /** Names of the projections this runner currently leads. */
  leading(): string[] {
    return [...this.leaders.keys()];
  }

  private run(projection: AnyProjection): Promise<void> {
    const signal = this.abort.signal;
    return runWhileLeader(
      this.database,
      `projection:${projection.name}`,
      signal,
      async (leadership) => {
        this.leaders.set(projection.name, leadership);
        try {
          await this.lead(projection, leadership, signal);
        } catch (error) {
          // An event it cannot read: the projection stands (keeping the leadership) until the process stops.
          if (error instanceof MalformedEventError) await this.stopOn(projection, error, signal);
          else throw error;
        } finally {
          this.leaders.delete(projection.name);
        }
      },
      {
        retryMs: this.options.leadershipRetryMs ?? 1000,
        errorBackoffMs: this.options.pollMs ?? 100,
        onError: (error) => {
          if (!(error instanceof CheckpointMoved)) this.options.onError?.(projection.name, error);
        },
      },
    );
  }

  private async lead(projection: AnyProjection, leadership: Leadership, signal: AbortSignal): Promise<void> {
    const types = new Set(eventTypesOfProjection(projection));
    let checkpoint = await readCheckpoint(this.database.db, projection.name);
    // What the database holds: a stretch of the log without an event for this projection moves
    // only the in-memory checkpoint (announced at once), written at most every CHECKPOINT_IDLE_WRITE_MS.
    let persisted = checkpoint;
    let persistedAt = Date.now();
    // A new leader tries again what stopped an earlier one (a fixed build may read it now).
    await sql`update projection_checkpoints set stopped_at = null, stopped_reason = null where name = ${projection.name} and stopped_at is not null`.execute(this.database.db);
    while (!signal.aborted && leadership.isHeld()) {
      // Let the event loop serve I/O between batches: on PGlite the statements run on this thread,
      // and a chain of reads and batches that never yields would hold HTTP answers (a webhook's) until it ends.
      await nextTurn();
      const read = this.read(checkpoint);
      const page = await read.page;
      const mine = page.events.filter((event) => types.has(event.type));
      if (mine.length > 0) {
        // Decoded once, here: the projector gets typed events; one it cannot read stops it (never cast through).
        const events = projectedEvents(projection, mine);
        await this.persist(projection.name, persisted, page.checkpoint, events, projection);
        checkpoint = page.checkpoint;
        persisted = checkpoint;
        persistedAt = Date.now();
        announceCheckpoint(this.database, projection.name, checkpoint);
        this.options.onApplied?.(projection.name);
        const oldest = page.full ? page.events[page.events.length - 1]!.createdAt.getTime() : Date.now();
        this.report(projection.name, checkpoint, (Date.now() - oldest) / 1000, false, !page.full);
      } else if (comparePositions(page.checkpoint, checkpoint) !== 0) {
        // nothing for this projection up to there: no transaction, only the position moves
        checkpoint = page.checkpoint;
        announceCheckpoint(this.database, projection.name, checkpoint);
      }
      if (page.full) continue; // behind: read on at once
      // caught up with the log as the read saw it
      if (comparePositions(checkpoint, persisted) !== 0 && Date.now() - persistedAt >= CHECKPOINT_IDLE_WRITE_MS) {
        await this.persist(projection.name, persisted, checkpoint, []);
        persisted = checkpoint;
        persistedAt = Date.now();
      }
      if (mine.length === 0) this.report(projection.name, checkpoint, 0, false, true);
      const idleWriteDue = comparePositions(checkpoint, persisted) !== 0 ? Math.max(0, CHECKPOINT_IDLE_WRITE_MS - (Date.now() - persistedAt)) : Infinity;
      await this.appendAfter(read.appends, idleWriteDue, signal);
    }
  }

  /**
   * Counts the store's append signals (and polls: each `pollMs` without one counts as one, a
   * poll for what another process may have written), and tells the waiting projections. It
   * registers for the next signal in the same step as it counts one, so none falls between.
   */
  private async watch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.store.waitForAppend(this.options.pollMs ?? 100, signal);
      this.appends++;
      this.appended.emit('append');
    }
  }

  /** Resolves once the runner has counted more than `seen` appends (at once if it has), after `maxMs`, or on abort. */
  private appendAfter(seen: number, maxMs: number, signal: AbortSignal): Promise<void> {
    if (this.appends > seen || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appended.off('append', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = Number.isFinite(maxMs) ? setTimeout(done, maxMs) : undefined;
      this.appended.once('append', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * A page of `$all` after `from` with every event type the runner's projections follow (each
   * keeps its own), shared: after an append every projection at the head asks for the same
   * page, and one statement answers them all instead of one each. A read is shared while no
   * append has been counted since it began — what a new read would find — and a projection
   * that took a page waits only for appends counted after that page's read began, so sharing
   * never leaves an event unread or a wake missed. The events are shared too: projectors must
   * not change them.
   */
  private read(from: Position): SharedRead {
    const key = formatPosition(from);
    const known = this.reads.get(key);
    if (known && known.appends === this.appends) return known;
    const limit = this.options.batchSize ?? 500;
    const read: SharedRead = {
      appends: this.appends,
      page: this.store.readAll(from, { limit, filter: this.filter }).then((page) => ({ ...page, full: page.events.length === limit })),
    };
    // a failed read is not kept: the next asker tries again
    read.page.catch(() => {
      if (this.reads.get(key) === read) this.reads.delete(key);
    });
    this.reads.delete(key);
    this.reads.set(key, read);
    if (this.reads.size > SHARED_READS_KEPT) this.reads.delete(this.reads.keys().next().value!);
    return read;
  }

  /** Apply a batch (or none) and move the stored checkpoint from `from` to `to` in one transaction. */
  private async persist(name: string, from: Position, to: Position, events: readonly unknown[], projection?: AnyProjection): Promise<void> {
    await this.database.db.transaction().execute(async (trx) => {
      const stored = await readCheckpoint(trx, name, true);
      if (comparePositions(stored, from) !== 0) throw new CheckpointMoved();
      if (projection && events.length > 0) await projection.apply(trx, events as never, this.database);
      await writeCheckpoint(trx, name, to);
    });
  }

  /**
   * Record why the projection stopped (GET /api/admin/projections shows it), tell the host, and
   * keep its lag metric moving while it stands, until the process stops. Leadership is kept, so
   * no other worker takes the projection over and trips on the same event.
   */
  private async stopOn(projection: AnyProjection, error: MalformedEventError, signal: AbortSignal): Promise<void> {
    this.options.onStopped?.(projection.name, error);
    await sql`
      insert into projection_checkpoints (name, commit_position, prepare_position, stopped_at, stopped_reason)
      values (${projection.name}, 0, 0, now(), ${error.message.slice(0, 2000)})
      on conflict (name) do update set stopped_at = now(), stopped_reason = excluded.stopped_reason`.execute(this.database.db).catch(() => {});
    const checkpoint = await readCheckpoint(this.database.db, projection.name).catch(() => undefined);
    const since = Date.now();
    while (!signal.aborted) {
      if (checkpoint) this.report(projection.name, checkpoint, (Date.now() - since) / 1000, true);
      await delay(Math.max(1000, (this.options.pollMs ?? 100) * 10), signal);
    }
  }

  private report(name: string, position: Position, lagSeconds: number, stopped = false, caughtUp = false): void {
    if (!this.options.onProgress) return;
    // caught up (the page ended before the batch size: the read reached the head): no lag, no head query
    if (caughtUp) {
      this.options.onProgress({ name, position, lagEvents: 0, lagSeconds: 0, stopped });
      return;
    }
    void this.store.headPosition().then(
      (head) =>
        this.options.onProgress?.({
          name,
          position,
          lagEvents: Math.max(0, Number(head.prepare - position.prepare)),
          lagSeconds,
          stopped,
        }),
      () => {},
    );
  }
}
