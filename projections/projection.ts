import type * as t from 'io-ts';
import type { Transaction } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import type { Migrations } from '../adapters/database/migrations.js';
import type { RecordedEvent } from '../adapters/eventstore/event-store.js';
import type { DomainEvent } from '../domain/decider.js';
import { eventTypesOf } from '../domain/event-codec.js';
import { decodeEvent } from '../domain/event-decoding.js';

/**
 * An event as a projector or saga receives it: decoded by its codec (typed `type` and `data`,
 * upcast to the current version) together with where it is in the log.
 */
export type ProjectedEvent<E extends DomainEvent> = E & Omit<RecordedEvent, 'type' | 'data'>;

/**
 * A projector: the codec of the events it handles (its subscription filter follows from it;
 * `pickEvents` takes the types it wants from a context's codec) and how a batch of them changes
 * its read model. The runner decodes each event once; a malformed or unknown-version event
 * stops the projection with an error naming stream, revision and position.
 *
 * `apply` runs inside the transaction that also advances the projection's checkpoint, so a
 * batch takes effect exactly once. It must write only through `trx` (never through
 * `database.db`: on PGlite that would wait for the connection the transaction holds).
 */
export interface Projection<E extends DomainEvent = DomainEvent> {
  readonly name: string;
  readonly events: t.Type<E, unknown, unknown>;
  /** Read-model tables this projector owns (names `<projection>-NNNN-…`). */
  readonly migrations?: Migrations;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apply(trx: Transaction<any>, events: readonly ProjectedEvent<E>[], database: Database): Promise<void>;
  /**
   * The same projector writing its BI tables into another schema: the replay tool rebuilds a
   * projection into shadow schemas, then swaps them in. Only projectors with BI tables need it.
   */
  rebind?(biSchema: string): Projection<E>;
  /**
   * Indexes of its tables that serve only queries — `apply` never looks rows up by them. A
   * rebuild (projections/replay.ts) fills the shadow tables without them and creates them once
   * the log is applied, before the swap: maintaining an index row by row while inserting costs
   * several times more than building it once over the filled table. A unique constraint's index
   * may be named too when `apply` never relies on it (no `on conflict` on it): the rebuild adds
   * the constraint back at the end, which checks it over the whole table.
   */
  readonly queryIndexes?: readonly string[];
}

/** A projection of any events, as lists of them hold it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProjection = Projection<any>;

/** Declare a projector: its event type follows from `events`, so `apply` gets them typed. */
export function defineProjection<E extends DomainEvent>(projection: Projection<E>): Projection<E> {
  return projection;
}

/** Decode a page of the log for `projection` (once; the runner and the replay tool both use this). */
export function projectedEvents<E extends DomainEvent>(projection: Pick<Projection<E>, 'events'>, recorded: readonly RecordedEvent[]): ProjectedEvent<E>[] {
  return recorded.map((event) => ({ ...event, ...decodeEvent(projection.events, event) }) as ProjectedEvent<E>);
}

/** The event types a projection subscribes to, from its codec. */
export const eventTypesOfProjection = (projection: Pick<AnyProjection, 'events'>): readonly string[] => eventTypesOf(projection.events);
