import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openTestDatabase } from '../../support/test-database.js';

/** A failed statement's error names what failed, not the values it was given (issue 8). */
describe('database errors carry no statement values', function () {
  this.timeout(60_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  before(async () => {
    database = await openTestDatabase();
    await sql`create table accounts_probe (email text primary key)`.execute(database.db);
  });
  after(async () => database?.dispose());

  it('given a unique violation on an e-mail, when the error is stringified or its own fields listed, then the parameters are not among them and the SQLSTATE is', async () => {
    const email = 'probe.owner@example.com';
    await sql`insert into accounts_probe (email) values (${email})`.execute(database.db);
    const error = await sql`insert into accounts_probe (email) values (${email})`.execute(database.db).then(
      () => assert.fail('expected a unique violation'),
      (e: unknown) => e as Record<string, unknown>,
    );
    assert.equal(error.code, '23505');
    assert.ok(!Object.keys(error).includes('params'), 'params is not an enumerable field');
    assert.ok(!Object.keys(error).includes('queryOptions'));
    const enumerableValues = JSON.stringify(Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'detail')));
    assert.ok(!enumerableValues.includes(email), 'the e-mail is only in the driver’s detail (which the logger redacts)');
  });
});
