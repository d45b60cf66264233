import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { databaseStatementsSent, renderMetrics } from '../../../adapters/observability/metrics.js';
import { openTestDatabase } from '../../support/test-database.js';

/** The benchmarks' "statements per sale" is this counter (issue 16): every statement sent, BEGIN and COMMIT too. */
describe('database statement count', function () {
  this.timeout(60_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  before(async () => (database = await openTestDatabase()));
  after(async () => database?.dispose());

  it('given a plain statement and a transaction of two, when they run, then five statements are counted (select; begin, two, commit)', async () => {
    const before = databaseStatementsSent();
    await sql`select 1`.execute(database.db);
    await database.db.transaction().execute(async (trx) => {
      await sql`select 2`.execute(trx);
      await sql`select 3`.execute(trx);
    });
    assert.equal(databaseStatementsSent() - before, 5);
  });

  it('given statements were sent, when /metrics is rendered, then database_statements_total is among its metrics', async () => {
    await sql`select 1`.execute(database.db);
    const { text } = await renderMetrics();
    assert.match(text, /^database_statements_total \d+/m);
  });
});
