import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';

/**
 * A database statement that fails while it carries a secret: a trigger on the event log
 * refuses the account events and puts the whole row (e-mail, argon2id hash) into the error's
 * message, detail and hint, as a careless constraint or a driver's `Key (…)=(…)` detail would.
 * On PGlite the error also carries the statement's parameters. Whatever the database says, the
 * log line keeps only what helps an operator (code, redacted message, stack) and the client
 * gets a bare 500 with a correlation id.
 */
describe('logs: a failed database statement leaks no secret (issue 8)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const lines: string[] = [];
  const clock = new ManualClock(new Date());

  before(async () => {
    database = await openTestDatabase();
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
    system = await startTestSystem({ database, clock, env: { ADMIN_EMAILS: 'root@example.com' }, contexts: [accountsModule()], logger });
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const refuseAccountEvents = async () => {
    await sql
      .raw(
        `create or replace function refuse_account_events() returns trigger language plpgsql as $$
         begin
           if new.event_type in ('UserRegistered', 'ServicePrincipalCreated') then
             raise exception 'refused %', new.data
               using detail = 'Key (data)=(' || new.data::text || ') already exists.',
                     hint = coalesce(new.data->>'email', new.data->>'secretHash');
           end if;
           return new;
         end $$`,
      )
      .execute(database.db);
    await sql.raw(`create trigger refuse_account_events before insert on events for each row execute function refuse_account_events()`).execute(database.db);
  };

  const errorLinesOf = (correlationId: string) =>
    lines
      .map((line) => JSON.parse(line) as { correlationId?: string; level: string; err?: Record<string, unknown> })
      .filter((line) => line.correlationId === correlationId && line.err !== undefined);

  it('given the database refuses a registration and a new service principal with their values in the error, when both are requested over HTTP, then each is a bare 500 and the log holds no e-mail, hash or parameter', async () => {
    const root = await request(system.api).post('/api/auth/register').send({ email: 'root@example.com', password: 'root password 1', display_name: 'Root' }).expect(201);
    await refuseAccountEvents();

    const password = 'correct horse battery staple';
    const registered = await request(system.api).post('/api/auth/register').send({ email: 'Ann.Secret@Example.com', password, display_name: 'Ann' }).expect(500);
    const created = await request(system.api)
      .post('/api/admin/service-principals')
      .set('Authorization', `Bearer ${root.body.access_token}`)
      .send({ name: 'Minter', scopes: ['g2a:mint'] })
      .expect(500);

    for (const answer of [registered, created]) {
      assert.match(answer.headers['content-type'] ?? '', /application\/problem\+json/);
      assert.equal(answer.body.code, 'internal');
      assert.ok(answer.body.correlationId);
      assert.deepEqual(Object.keys(answer.body).sort(), ['code', 'correlationId', 'detail', 'status', 'title', 'type']);
      assert.ok(!JSON.stringify(answer.body).includes('refused'), 'the answer names no internals');
      const logged = errorLinesOf(answer.body.correlationId);
      assert.equal(logged.length, 1, 'the failure is logged once, under the request’s correlation id');
      const err = logged[0]!.err!;
      assert.equal(err.code, 'P0001', 'the SQLSTATE stays for the operator');
      assert.match(String(err.message), /^refused /, 'the message stays, with the values redacted');
      assert.ok(String(err.stack).length > 0, 'the stack stays');
      for (const field of ['params', 'parameters', 'queryOptions', 'where', 'internalQuery']) assert.equal(err[field], undefined, field);
    }

    const log = lines.join('');
    assert.ok(lines.length > 4, 'requests were logged');
    for (const secret of [password, root.body.access_token, root.body.refresh_token, '$argon2', 'ann.secret@example.com', 'Ann.Secret@Example.com', 'root@example.com']) {
      assert.ok(!log.includes(secret), `not in the log: ${secret.slice(0, 12)}…`);
    }
  });
});
