import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { decodeEvent } from '../../../domain/event-decoding.js';
import { PointsAccountEvent, streamOfPointsAccount } from '../../../domain/rewards/points-account.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aMember, anAdmin, anExternalId, aService, aSourceService, aSupport, eventually, startConnect, type Caller, type ConnectSystem } from './rewards-harness.js';

type Fault = 'none' | 'unavailable' | 'lost-answer';

/**
 * the dispatcher pays points through the Points service port over HTTP
 * (POINTS_SERVICE_URL), here a flaky front of Connect's own points ledger (which serves the
 * protocol): it answers 503 without passing the credit on, or passes it on and loses the
 * answer (504) — the outcome unknown to the dispatcher. Every retry carries the action id as its
 * Idempotency-Key, so however often it is asked the ledger credits once; past the outbox's
 * attempts the payout is a dead letter an admin lists and retries.
 */
describe('Connect: the dispatcher retries with the same key, dead-letters after the limit, and never pays twice (R-5)', function () {
  this.timeout(240_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: ConnectSystem;
  let front: Server;
  let fault: Fault = 'none';
  let faultsLeft = 0;
  const keys: string[] = [];
  const clock = new ManualClock(new Date('2026-06-03T10:00:00Z'));
  let ticker: NodeJS.Timeout;
  let referrals: Caller;
  let support: Caller;

  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => resolve(text));
    });

  before(async () => {
    let target = '';
    front = createServer(async (req, res) => {
      const text = await body(req);
      if (req.url === '/points/v1/credits') keys.push(String(req.headers['idempotency-key']));
      const faulty = faultsLeft > 0 && fault !== 'none';
      if (faulty) faultsLeft--;
      if (faulty && fault === 'unavailable') return void res.writeHead(503, { 'Content-Type': 'application/problem+json' }).end('{"code":"points.down"}');
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'idempotency-key', 'accept']) if (req.headers[name]) headers[name] = String(req.headers[name]);
      const answer = await fetch(`${target}${req.url}`, { method: req.method!, headers, ...(text ? { body: text } : {}) });
      const reply = await answer.text();
      if (faulty && fault === 'lost-answer') return void res.writeHead(504).end();
      res.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'application/json' }).end(reply);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const pointsService = await aService(['points:credit', 'points:read'], 'connect-dispatcher');
    database = await openTestDatabase();
    system = await startConnect({
      database,
      clock,
      env: { POINTS_SERVICE_URL: `http://127.0.0.1:${(front.address() as AddressInfo).port}`, POINTS_SERVICE_TOKEN: pointsService.token.replace(/^Bearer /, '') },
    });
    target = system.api;
    ticker = setInterval(() => clock.advance(1000), 50);
    referrals = await aSourceService(['referral_service']);
    support = await aSupport();
  });
  after(async () => {
    clearInterval(ticker);
    await system?.dispose();
    await database?.dispose();
    front?.close();
  });

  const api = () => request(system.api);
  async function referral(sponsor: string) {
    const answer = await api()
      .post('/connect/events')
      .set('Authorization', referrals.token)
      .send({ external_id: anExternalId('ref'), event_type: 'referral.joined', source_service: 'referral_service', actor_user_id: `new-${sponsor}`, primary_subject_user_id: sponsor, context: { level: 1 }, occurred_at: clock.now().toISOString() })
      .expect(201);
    return answer.body.actions[0].action_id as string;
  }
  const reward = async (actionId: string) => (await api().get(`/connect/rewards/${actionId}`).set('Authorization', support.token)).body as { status: string; result: Record<string, unknown> | null };
  const credits = async (userId: string, actionId: string) =>
    (await system.dependencies.store.readStream(streamOfPointsAccount(userId))).map((e) => decodeEvent(PointsAccountEvent, e)).filter((e) => e.type === 'PointsCredited' && e.data.creditId === actionId);

  it('given the Points service down for three calls, then the dispatcher asks again with the same Idempotency-Key and the points are credited once', async () => {
    const sponsor = (await aMember()).id;
    fault = 'unavailable';
    faultsLeft = 3;
    keys.length = 0;
    const actionId = await referral(sponsor);
    await eventually(async () => ((await reward(actionId)).status === 'completed' ? true : undefined));
    assert.ok(keys.length >= 4, `asked ${keys.length} times`);
    assert.deepEqual([...new Set(keys)], [actionId], 'every call carried the action id');
    assert.equal((await credits(sponsor, actionId)).length, 1);
  });

  it('given the Points service credits but its answers are lost twice, then the retries find the same credit: one entry, the action completed with it', async () => {
    const sponsor = (await aMember()).id;
    fault = 'lost-answer';
    faultsLeft = 2;
    keys.length = 0;
    const actionId = await referral(sponsor);
    await eventually(async () => ((await reward(actionId)).status === 'completed' ? true : undefined));
    assert.ok(keys.length >= 3, `asked ${keys.length} times`);
    const entries = await credits(sponsor, actionId);
    assert.equal(entries.length, 1, 'credited once although asked three times');
    assert.equal((await reward(actionId)).result?.entry_id, (entries[0]!.data as { entryId: string }).entryId);
  });

  it('given the Points service down past the outbox’s attempts, then the payout is a dead letter the admin sees; retried once the service is back, it pays once', async () => {
    const sponsor = (await aMember()).id;
    const admin = await anAdmin();
    fault = 'unavailable';
    faultsLeft = 1_000;
    const actionId = await referral(sponsor);
    const dead = await eventually(async () => {
      const letters = await api().get('/api/admin/dead-letters').set('Authorization', admin.token).expect(200);
      return (letters.body.items as { idempotencyKey: string; kind: string; attempts: number }[]).find((l) => l.idempotencyKey === `rewards.dispatch:${actionId}:1`);
    }, 120_000);
    assert.equal(dead.kind, 'rewards.dispatch');
    assert.equal((await reward(actionId)).status, 'dispatched', 'dispatched, its outcome unknown until the service answers');
    assert.equal((await credits(sponsor, actionId)).length, 0);
    faultsLeft = 0;
    await api().post(`/api/admin/dead-letters/${encodeURIComponent(dead.idempotencyKey)}/retry`).set('Authorization', admin.token).expect(202);
    await eventually(async () => ((await reward(actionId)).status === 'completed' ? true : undefined));
    assert.equal((await credits(sponsor, actionId)).length, 1);
  });
});
