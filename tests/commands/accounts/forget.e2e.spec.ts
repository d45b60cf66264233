import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { businessContexts } from '../../../bin/contexts.js';
import { loadAggregate } from '../../../commands/load-aggregate.js';
import { streamOfUser, userDecider } from '../../../domain/accounts/user.js';
import { FORGOTTEN } from '../../../domain/event-codec.js';
import { ManualClock } from '../../../platform/clock.js';
import { isReplayable, replayProjection } from '../../../projections/replay.js';
import { eventually } from '../../support/eventually.js';
import { openTestDatabase } from '../../support/test-database.js';
import { publishedGathering } from '../ticketing/ticketing-harness.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';

const EMAIL = 'zelda.forgettable@example.com';
const NAME = 'Zelda Forgettable';

/** Every table of our schemas whose rows, as text, mention `needle` (case-insensitive). */
async function tablesMentioning(database: Awaited<ReturnType<typeof openTestDatabase>>, needle: string): Promise<string[]> {
  const { rows: tables } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema in (${database.schema}, ${database.biSchema}) and table_type = 'BASE TABLE'`.execute(database.db);
  const found: string[] = [];
  for (const table of tables) {
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from ${sql.table(`${table.schema}.${table.name}`)} as t where t::text ilike ${`%${needle}%`}`.execute(database.db);
    if (Number(rows[0]!.n) > 0) found.push(`${table.schema}.${table.name}`);
  }
  return found;
}

/** Issue "Published streams … personal data that can be forgotten", item 4: crypto-shredding. */
describe('personal data that can be forgotten (crypto-shredding)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let dataDir: string;
  const clock = new ManualClock(new Date());
  const token = async (id: string, roles: string[]) => `Bearer ${await signAccessToken({ kind: 'user', id, roles, scopes: [] }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 })}`;

  before(async () => {
    database = await openTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-forget-'));
    system = await startTestSystem({ database, clock, env: { DATA_DIR: dataDir }, contexts: businessContexts });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('given a person who registered and bought a ticket, when an admin forgets them and every projection is rebuilt, then no table holds their e-mail or name, and the log still replays', async () => {
    // given: a registration, whose e-mail and name are sealed in the log from the start
    const registered = await request(system.api).post('/api/auth/register').send({ email: EMAIL, password: 'correct horse battery', display_name: NAME }).expect(201);
    const userId = registered.body.user.id as string;
    // (register waits up to 3 s for the accounts read model; a system just started may take longer to lead it)
    const mentioning = await eventually(async () => {
      const tables = await tablesMentioning(database, EMAIL);
      return tables.length > 0 ? tables : undefined;
    });
    assert.deepEqual(mentioning, [`${database.schema}.rm_users`], 'only the live read model holds the e-mail in clear');
    const [stored] = await system.dependencies.store.readStream(streamOfUser(userId));
    assert.equal((stored!.data as { email: string }).email, EMAIL, 'read through the vault, it is the e-mail');

    // and a ticket bought with their own token
    const organizer = await token('org-forget', ['user', 'organizer']);
    const event = await publishedGathering(system.api, organizer, clock.now(), { quantity: 5 });
    await request(system.api)
      .post(`/api/events/${event.gatheringId}/tickets`)
      .set('Authorization', `Bearer ${registered.body.access_token}`)
      .send({ ticket_type_id: event.ticketTypeId, quantity: 1 })
      .expect(201);

    // when: an admin forgets them
    const admin = await token('ops', ['user', 'admin']);
    await request(system.api).post(`/api/admin/users/${userId}/forget`).set('Authorization', await token('nobody', ['user'])).send({}).expect(403);
    const forgotten = await request(system.api).post(`/api/admin/users/${userId}/forget`).set('Authorization', admin).send({}).expect(200);
    assert.deepEqual(forgotten.body, { id: userId, status: 'forgotten', forgotten_by: 'user:ops' });
    await request(system.api).post(`/api/admin/users/${userId}/forget`).set('Authorization', admin).send({}).expect(200); // idempotent
    await request(system.api).post('/api/admin/users/no-such-user/forget').set('Authorization', admin).send({}).expect(404);

    // then: the live read model is blank at once, and the account is closed
    assert.deepEqual(await tablesMentioning(database, EMAIL), []);
    assert.deepEqual(await tablesMentioning(database, NAME), []);
    const listed = await request(system.api).get(`/api/admin/users?email=${encodeURIComponent(EMAIL)}`).set('Authorization', admin).expect(200);
    assert.deepEqual(listed.body.items, []);
    await request(system.api).post('/api/auth/login').send({ email: EMAIL, password: 'correct horse battery' }).expect(401);
    await request(system.api).post('/api/auth/refresh').send({ refresh_token: registered.body.refresh_token }).expect(401);

    // and every projection rebuilt from the log holds no trace either
    for (const projection of system.modules.flatMap((module) => module.projections ?? []).filter(isReplayable)) {
      const report = await replayProjection(database, system.dependencies.store, projection, { mode: 'rebuild' });
      assert.ok(report, projection.name);
    }
    assert.deepEqual(await tablesMentioning(database, EMAIL), [], 'after every rebuild');
    assert.deepEqual(await tablesMentioning(database, NAME), [], 'after every rebuild');
    assert.deepEqual(await tablesMentioning(database, 'zelda'), [], 'not even part of it');

    // and the log still replays: the account reads as forgotten, its fields as the placeholder
    const replayed = await system.dependencies.store.readStream(streamOfUser(userId));
    assert.equal((replayed[0]!.data as { email: string; displayName: string }).email, FORGOTTEN);
    assert.equal((replayed[0]!.data as { displayName: string }).displayName, FORGOTTEN);
    const { state } = await loadAggregate(system.dependencies.store, userDecider, streamOfUser(userId));
    assert.equal(state.status, 'forgotten');
    const { rows } = await sql<{ forgotten_by: string }>`select forgotten_by from personal_data_keys where subject = ${userId} and key is null`.execute(database.db);
    assert.deepEqual(rows, [{ forgotten_by: 'user:ops' }], 'the key is gone, and who destroyed it is kept');
  });

  it('given an admin, when they try to forget their own account, then 422', async () => {
    const root = await request(system.api).post('/api/auth/register').send({ email: 'self@example.com', password: 'correct horse battery', display_name: 'Self' }).expect(201);
    const self = await token(root.body.user.id, ['user', 'admin']);
    const res = await request(system.api).post(`/api/admin/users/${root.body.user.id}/forget`).set('Authorization', self).send({}).expect(422);
    assert.equal(res.body.code, 'user.forget_self');
  });
});
