import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { EsdbDouble } from './esdb-double/esdb-double.js';

/**
 * Which event log the product's suites run on: the PostgreSQL `events` table of the suite's
 * database (the default), or, with TEST_EVENT_LOG=esdb-double, an EventStoreDB protocol double
 * (tests/support/esdb-double) that the system reaches through EVENTSTORE_URL over gRPC — the
 * production shape, with the read models on the suite's database.
 */
export const eventLogUnderTest: 'postgres' | 'esdb-double' = (() => {
  const named = process.env.TEST_EVENT_LOG;
  if (named === undefined || named === '' || named === 'postgres') return 'postgres';
  if (named === 'esdb-double') return 'esdb-double';
  throw new Error(`TEST_EVENT_LOG=${named}: expected "esdb-double" or "postgres" (the default)`);
})();

/** One double per suite database (its schema): every system started on it shares one log, two suites never do. */
const doubles = new Map<string, Promise<EsdbDouble>>();

const keyOf = (database: Database) => `${database.kind}:${database.schema}:${database.biSchema}`;

/** The double holding the log of the systems on `database` (started on first use, lives until the test process exits). */
export function esdbDoubleFor(database: Database): Promise<EsdbDouble> {
  const key = keyOf(database);
  let double = doubles.get(key);
  if (!double) {
    double = EsdbDouble.start();
    doubles.set(key, double);
  }
  return double;
}

/** EVENTSTORE_URL for a system on `database`: undefined when the log is the database's own table. */
export async function eventLogUrlFor(database: Database): Promise<string | undefined> {
  if (eventLogUnderTest === 'postgres') return undefined;
  return (await esdbDoubleFor(database)).connectionString;
}

/** An event of the log as stored, its data and metadata as the stored text (sealed fields still sealed). */
export interface StoredEventText {
  readonly streamName: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/**
 * Every event of the log the systems on `database` write to, as stored (for specs that check
 * what reaches the log, e.g. that a secret never does): the `events` table on PostgreSQL, the
 * double's events (their data and custom metadata bytes as text, its `$` system events left out)
 * on EventStoreDB. `streamNames` narrows it to those streams.
 */
export async function storedEventsText(database: Database, options: { readonly streamNames?: readonly string[] } = {}): Promise<StoredEventText[]> {
  const wanted = options.streamNames ? new Set(options.streamNames) : undefined;
  if (eventLogUnderTest === 'esdb-double') {
    const double = await esdbDoubleFor(database);
    const text = new TextDecoder();
    return double
      .events()
      .filter((event) => !event.streamName.startsWith('$') && (!wanted || wanted.has(event.streamName)))
      .map((event) => ({ streamName: event.streamName, type: event.type, data: text.decode(event.data), metadata: text.decode(event.customMetadata) }));
  }
  const { rows } = await sql<{ stream_name: string; event_type: string; data: string; metadata: string | null }>`
    select stream_name, event_type, data::text as data, metadata::text as metadata from ${sql.table(`${database.schema}.events`)} order by global_position`.execute(database.db);
  return rows
    .filter((row) => !wanted || wanted.has(row.stream_name))
    .map((row) => ({ streamName: row.stream_name, type: row.event_type, data: row.data, metadata: row.metadata ?? '' }));
}
