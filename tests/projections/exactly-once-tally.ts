import * as t from 'io-ts';
import { sql } from 'kysely';
import type { ContextFactory } from '../../adapters/app/context-module.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { eventCodec } from '../../domain/event-codec.js';
import { defineProjection } from '../../projections/projection.js';

/** The events of the exactly-once spec: one `TallyCounted` per count, in streams `Tally-<k>`. */
export const TallyEvent = eventCodec('TallyCounted', t.type({ n: t.number }));
export const TALLY_EVENT_TYPE = 'TallyCounted';
export const TALLY_PROJECTION = 'exactly-once-tally';
export const streamOfTally = (k: number) => `Tally-${k}`;

/**
 * A test-only context: one projection that writes a row per event it applies into a table with
 * no unique key, so an event applied twice shows as two rows and one never applied as none.
 */
export const tallyContext: ContextFactory = () => ({
  name: 'exactly-once-tally',
  migrations: [
    {
      'exactly-once-tally-0001-applied': {
        async up(db) {
          await sql`create table rm_tally_applied (event_id text not null, stream_name text not null, revision bigint not null, position text not null, n integer not null)`.execute(db);
        },
      },
    },
  ],
  projections: [
    defineProjection({
      name: TALLY_PROJECTION,
      events: TallyEvent,
      async apply(trx, events) {
        for (const event of events) {
          await sql`insert into rm_tally_applied (event_id, stream_name, revision, position, n)
            values (${event.eventId}, ${event.streamName}, ${event.revision.toString()}, ${formatPosition(event.position)}, ${event.data.n})`.execute(trx);
        }
      },
    }),
  ],
});
