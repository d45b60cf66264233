import type { Transaction } from 'kysely';
import type { Database } from '../adapters/database/database.js';
import type { Migrations } from '../adapters/database/migrations.js';
import type { RecordedEvent } from '../adapters/eventstore/event-store.js';

/**
 * A projector: the event types it handles and how a batch of them changes its read model.
 * `apply` runs inside the transaction that also advances the projection's checkpoint, so a
 * batch takes effect exactly once. It must write only through `trx` (never through
 * `database.db`: on PGlite that would wait for the connection the transaction holds).
 */
export interface Projection {
  readonly name: string;
  readonly eventTypes: readonly string[];
  /** Read-model tables this projector owns (names `<projection>-NNNN-…`). */
  readonly migrations?: Migrations;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apply(trx: Transaction<any>, events: readonly RecordedEvent[], database: Database): Promise<void>;
  /**
   * The same projector writing its BI tables into another schema: the replay tool rebuilds a
   * projection into shadow schemas, then swaps them in. Only projectors with BI tables need it.
   */
  rebind?(biSchema: string): Projection;
}
