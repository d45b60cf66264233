import assert from 'node:assert/strict';
import request from 'supertest';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aMember, anAdmin, aRewardsAdmin, aService, aSourceService, aSupport, eventually, startConnect, type Caller, type ConnectSystem } from './rewards-harness.js';

/**
 * Who may call which Connect route (issue 14, item 9): the matrix below IS the specification.
 * Every operation under the covered prefixes in /openapi.json must have a row (a new route without
 * one fails here), and every row is a route. For each caller a row says what happens:
 * - `through`: the guards let it reach the route (any answer but 401/403; the route may still say 400, 404, 409 …),
 * - `hidden`: 404 as for something that does not exist (another member's reward),
 * - anything not listed: refused (401 without a token, else 403).
 */
type Who = 'anonymous' | 'member' | 'other member' | 'support' | 'rewards admin' | 'admin' | 'referral service' | 'points service' | 'nft service' | 'other service';
const CALLERS: readonly Who[] = ['anonymous', 'member', 'other member', 'support', 'rewards admin', 'admin', 'referral service', 'points service', 'nft service', 'other service'];
type Outcome = 'through' | 'hidden';

interface Fixtures {
  member: string;
  event: string;
  action: string;
}

interface Row {
  readonly at?: (f: Fixtures) => string;
  readonly body?: (f: Fixtures) => unknown;
  readonly outcomes: Partial<Record<Who, Outcome>>;
}

const USERS: Partial<Record<Who, Outcome>> = { member: 'through', 'other member': 'through', support: 'through', 'rewards admin': 'through', admin: 'through' };
const STAFF_READERS: Partial<Record<Who, Outcome>> = { support: 'through', 'rewards admin': 'through', admin: 'through' };
const RULE_WRITERS: Partial<Record<Who, Outcome>> = { 'rewards admin': 'through', admin: 'through' };
const SUPPORT: Partial<Record<Who, Outcome>> = { support: 'through', admin: 'through' };
const COVERED = ['/connect/', '/points/', '/nft-service/'];
const NO_SUCH = '00000000-0000-4000-8000-000000000000';

const report = () => ({ external_id: 'matrix-report', event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: 'matrix-new', primary_subject_user_id: 'matrix-member', context: { level: 1 }, occurred_at: '2026-06-01T10:00:00.000Z' });

const MATRIX: Record<string, Row> = {
  // ingestion: a source service for its own source; rewards admins and admins for any
  'POST /connect/events': { body: report, outcomes: { 'referral service': 'through', 'rewards admin': 'through', admin: 'through' } },
  'POST /connect/events/batch': { body: () => ({ events: [report()] }), outcomes: { 'referral service': 'through', 'rewards admin': 'through', admin: 'through' } },
  'GET /connect/events/{id}': { at: (f) => `/connect/events/${f.event}`, outcomes: { ...STAFF_READERS, 'referral service': 'through', member: 'hidden', 'other member': 'hidden', 'points service': 'hidden', 'nft service': 'hidden', 'other service': 'hidden' } },
  // rewards: a member's own, staff anyone's
  'GET /connect/rewards': { outcomes: USERS },
  'GET /connect/rewards/{id}': { at: (f) => `/connect/rewards/${f.action}`, outcomes: { member: 'through', ...STAFF_READERS, 'other member': 'hidden' } },
  'POST /connect/rewards/{id}/retry': { at: (f) => `/connect/rewards/${f.action}/retry`, outcomes: RULE_WRITERS },
  // rules: rewards admins write, support reads and simulates
  'POST /connect/rules': { outcomes: RULE_WRITERS },
  'GET /connect/rules': { outcomes: STAFF_READERS },
  'GET /connect/rules/{id}': { at: () => '/connect/rules/referral_joined_level1', outcomes: STAFF_READERS },
  'POST /connect/rules/{id}/versions': { at: () => '/connect/rules/matrix_no_such_rule/versions', outcomes: RULE_WRITERS },
  'GET /connect/rules/{id}/versions/{v}': { at: () => '/connect/rules/referral_joined_level1/versions/1', outcomes: STAFF_READERS },
  'POST /connect/rules/{id}/versions/{v}/activate': { at: () => '/connect/rules/matrix_no_such_rule/versions/1/activate', outcomes: RULE_WRITERS },
  'POST /connect/rules/{id}/deactivate': { at: () => '/connect/rules/matrix_no_such_rule/deactivate', outcomes: RULE_WRITERS },
  'POST /connect/rules/{id}/versions/{v}/simulate': { at: () => '/connect/rules/referral_joined_level1/versions/1/simulate', body: () => ({ event: report() }), outcomes: STAFF_READERS },
  // balances, entries, membership, badges: a member's own at /me, anyone's for support (and admins)
  'GET /connect/users/me/balances': { outcomes: USERS },
  'GET /connect/users/me/points/entries': { outcomes: USERS },
  'GET /connect/users/{userId}/balances': { at: (f) => `/connect/users/${f.member}/balances`, outcomes: SUPPORT },
  'GET /connect/users/me/membership': { outcomes: USERS },
  'GET /connect/users/{userId}/membership': { at: (f) => `/connect/users/${f.member}/membership`, outcomes: SUPPORT },
  'GET /connect/users/me/badges': { outcomes: USERS },
  'GET /connect/users/{id}/badges': { at: (f) => `/connect/users/${f.member}/badges`, outcomes: { member: 'through', ...SUPPORT } },
  // withdrawals (seed 000 §2): members for themselves
  'POST /connect/withdrawals': { outcomes: USERS },
  'GET /connect/users/me/withdrawals': { outcomes: USERS },
  'GET /connect/withdrawals/{withdrawalId}': { at: () => `/connect/withdrawals/${NO_SUCH}`, outcomes: { member: 'hidden', 'other member': 'hidden', support: 'hidden', 'rewards admin': 'hidden', admin: 'hidden' } },
  // the local Points and NFT services' protocols: their machine callers
  'POST /points/v1/credits': { outcomes: { 'points service': 'through', admin: 'through' } },
  'GET /points/v1/users/{userId}/balance': { at: (f) => `/points/v1/users/${f.member}/balance`, outcomes: { 'points service': 'through', admin: 'through' } },
  'POST /nft-service/v1/awards': { outcomes: { 'nft service': 'through', admin: 'through' } },
  'GET /nft-service/v1/awards/{id}': { at: () => `/nft-service/v1/awards/${NO_SUCH}`, outcomes: { 'nft service': 'hidden', admin: 'hidden' } },
};

describe('Connect: the authorization matrix of every rewards route (issue 14)', function () {
  this.timeout(240_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: ConnectSystem;
  let operations: string[];
  const callers = new Map<Who, Caller | undefined>();
  const fixtures: Fixtures = { member: '', event: '', action: '' };
  const clock = new ManualClock(new Date('2026-06-01T10:00:00Z'));

  before(async () => {
    database = await openTestDatabase();
    system = await startConnect({ database, clock });
    const document = (await (await fetch(`${system.api}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(document.paths)
      .filter(([path]) => COVERED.some((prefix) => path.startsWith(prefix)))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    callers.set('anonymous', undefined);
    callers.set('member', await aMember('matrix-member'));
    callers.set('other member', await aMember('matrix-other-member'));
    callers.set('support', await aSupport('matrix-support'));
    callers.set('rewards admin', await aRewardsAdmin('matrix-rules'));
    callers.set('admin', await anAdmin('matrix-admin'));
    callers.set('referral service', await aSourceService(['referral_service'], 'matrix-referrals'));
    callers.set('points service', await aService(['points:credit', 'points:read'], 'matrix-points'));
    callers.set('nft service', await aService(['nft:award'], 'matrix-nft'));
    callers.set('other service', await aService(['stream:connect.rewards'], 'matrix-other'));
    fixtures.member = 'matrix-member';
    const reported = await request(system.api).post('/connect/events').set('Authorization', callers.get('referral service')!.token).send(report()).expect(201);
    fixtures.event = reported.body.event_id;
    fixtures.action = reported.body.actions[0].action_id;
    await eventually(async () => ((await request(system.api).get(`/connect/rewards/${fixtures.action}`).set('Authorization', callers.get('support')!.token)).status === 200 ? true : undefined));
  });
  after(async () => {
    await system?.dispose();
    await database?.dispose();
  });

  it('given /openapi.json, then every Connect route has a row in the matrix, and every row is a route', () => {
    assert.ok(operations.length >= 25, `only ${operations.length} Connect operations documented`);
    assert.deepEqual(operations.filter((op) => !(op in MATRIX)), [], 'routes without a row');
    assert.deepEqual(Object.keys(MATRIX).filter((op) => !operations.includes(op)), [], 'rows without a route');
  });

  for (const [operation, row] of Object.entries(MATRIX)) {
    const through = CALLERS.filter((c) => row.outcomes[c] === 'through');
    it(`given ${operation}, then ${through.join(', ') || 'nobody'} get through${CALLERS.some((c) => row.outcomes[c] === 'hidden') ? ', some see 404' : ''} and everyone else is refused`, async () => {
      const [method, path] = operation.split(' ') as [string, string];
      const at = row.at ? row.at(fixtures) : path;
      for (const who of CALLERS) {
        const caller = callers.get(who);
        const verb = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
        let call = request(system.api)[verb](at);
        if (caller) call = call.set('Authorization', caller.token);
        if (verb === 'post' || verb === 'put' || verb === 'patch') call = call.send((row.body?.(fixtures) ?? {}) as object);
        const answer = await call;
        const expected = row.outcomes[who];
        const what = `${who} on ${operation}: ${answer.status} ${answer.body?.code ?? ''}`;
        assert.ok(answer.status < 500, what);
        if (expected === 'through') assert.ok(answer.status !== 401 && answer.status !== 403, what);
        else if (expected === 'hidden') assert.equal(answer.status, 404, what);
        else assert.equal(answer.status, who === 'anonymous' ? 401 : 403, what);
      }
    });
  }
});
