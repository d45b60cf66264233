import assert from 'node:assert/strict';
import { Address } from '@ton/core';
import request from 'supertest';
import type { EmulatorChain } from '../../../adapters/ton/emulator-chain.js';
import { FaultInjectingChain } from '../../../adapters/ton/fault-injecting-chain.js';
import { openTonGateway } from '../../../adapters/ton/open-ton-gateway.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { ChainError } from '../../../commands/blockchain/ports/gateway-chain.js';
import { gatewayModule } from '../../../commands/blockchain/gateway-module.js';
import { inProcessGateway } from '../../../commands/blockchain/in-process-gateway.js';
import { onchainRequestIdOf } from '../../../commands/rewards/badge-registry.js';
import { rewardsModule } from '../../../commands/rewards/rewards-module.js';
import { streamOfBadge } from '../../../domain/rewards/badge.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aMember, aService, aSupport, eventually, givenVerifiedWallet, startConnect, type Caller, type ConnectSystem } from './rewards-harness.js';

interface BadgeRow {
  instance_id: string;
  user_id: string;
  badge_type: string;
  level: number;
  onchain_status: string;
  onchain_token_id: string | null;
  onchain_error: string | null;
}

describe('Connect: badges (NFTInstances) minted and upgraded on chain through the gateway (issue 14 item 6, B-4, B-5)', function () {
  this.timeout(240_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: ConnectSystem;
  let emulator: EmulatorChain;
  let chain: FaultInjectingChain;
  let nftService: Caller;
  const clock = new ManualClock(new Date());

  before(async () => {
    database = await openTestDatabase();
    const openAdapters = openTonGateway({ persist: false });
    system = await startConnect({
      database,
      clock,
      env: { CONNECT_ONCHAIN_BADGES: 'quest_master_10,explorer_gold' },
      contexts: [
        accountsModule(),
        gatewayModule(async (deps) => {
          const adapters = await openAdapters(deps);
          emulator = adapters.chain as EmulatorChain;
          chain = new FaultInjectingChain(adapters.chain);
          return { ...adapters, chain };
        }),
        rewardsModule({ gateway: inProcessGateway }),
      ],
    });
    nftService = await aService(['nft:award']);
  });

  after(async () => {
    await system?.dispose();
    await database?.dispose();
  });

  const award = (body: { award_id: string; user_id: string; badge_type: string; level: number }, key: string | null = body.award_id) => {
    const call = request(system.api).post('/nft-service/v1/awards').set('Authorization', nftService.token);
    return (key === null ? call : call.set('Idempotency-Key', key)).send(body);
  };
  const badgesOf = async (user: Caller): Promise<BadgeRow[]> => (await request(system.api).get('/connect/users/me/badges').set('Authorization', user.token).expect(200)).body.items;
  const badge = async (user: Caller, badgeType: string) => (await badgesOf(user)).find((b) => b.badge_type === badgeType);
  /** The badge once its on-chain status is `status` (the saga, the gateway and the projection have run). */
  const badgeWhen = (user: Caller, badgeType: string, status: string, level?: number) =>
    eventually(async () => {
      const found = await badge(user, badgeType);
      return found && found.onchain_status === status && (level === undefined || found.level === level) ? found : undefined;
    }, 90_000);
  const eventsOf = async (userId: string, badgeType: string) => (await system.dependencies.store.readStream(streamOfBadge(userId, badgeType))).map((e) => e.type);

  it('given a user with a verified wallet, when an on-chain badge is awarded, then it is pending, then confirmed with a token id, and the SBT is theirs on the emulator', async () => {
    const user = await aMember();
    const address = await givenVerifiedWallet(system, clock, user.id);
    const created = await award({ award_id: `award-${user.id}-1`, user_id: user.id, badge_type: 'quest_master_10', level: 1 }).expect(201);
    assert.equal(created.body.level, 1);
    assert.equal(created.body.onchain_status, 'pending');
    assert.equal(created.body.onchain_token_id, null);
    assert.equal(created.body.user_id, user.id);

    const done = await badgeWhen(user, 'quest_master_10', 'confirmed');
    assert.match(done.onchain_token_id!, /^\d+$/);
    const sbt = await emulator.badge(BigInt(done.onchain_token_id!));
    assert.ok(sbt.owner?.equals(Address.parse(address)), 'the badge is owned by the verified wallet');
    assert.equal(sbt.revokedAt, 0);

    const task = await request(system.api).get(`/nft-service/v1/awards/${created.body.award_id}`).set('Authorization', nftService.token).expect(200);
    assert.equal(task.body.onchain_status, 'confirmed');
    assert.equal(task.body.onchain_token_id, done.onchain_token_id);
  });

  it('given an award recorded, when the same award id comes again, then 200 with the instance as it stands and nothing new; with another body, 409', async () => {
    const user = await aMember();
    const body = { award_id: `award-${user.id}-again`, user_id: user.id, badge_type: 'explorer', level: 2 };
    const first = await award(body).expect(201);
    const before = await eventsOf(user.id, 'explorer');
    const again = await award(body).expect(200);
    assert.deepEqual(again.body, first.body);
    assert.deepEqual(await eventsOf(user.id, 'explorer'), before, 'nothing new');
    const otherLevel = await award({ ...body, level: 3 }).expect(409);
    assert.equal(otherLevel.body.code, 'badge.award_reused');
    assert.equal(otherLevel.body.field, 'award_id');
    const otherUser = await award({ ...body, user_id: `${user.id}-x` }).expect(409);
    assert.equal(otherUser.body.code, 'badge.award_reused');
  });

  it('given a malformed award, then 400 naming the field; without the scope, 403; an unknown award, 404', async () => {
    const body = { award_id: 'award-bad', user_id: 'u-bad', badge_type: 'quest_master_10', level: 1 };
    assert.equal((await award({ ...body, level: 0 }).expect(400)).body.field, 'level');
    assert.equal((await award({ ...body, badge_type: 'Quest Master' }).expect(400)).body.field, 'badge_type');
    assert.equal((await award(body, null).expect(400)).body.field, 'Idempotency-Key');
    assert.equal((await award(body, 'another-key').expect(400)).body.field, 'Idempotency-Key');
    const member = await aMember();
    await request(system.api).post('/nft-service/v1/awards').set('Authorization', member.token).set('Idempotency-Key', body.award_id).send(body).expect(403);
    await request(system.api).get('/nft-service/v1/awards/award-never').set('Authorization', nftService.token).expect(404);
  });

  it('given a user without a wallet, when an on-chain badge is awarded, then it awaits a wallet; when they verify one, then it is minted to it', async () => {
    const user = await aMember();
    await award({ award_id: `award-${user.id}-nowallet`, user_id: user.id, badge_type: 'quest_master_10', level: 1 }).expect(201);
    await badgeWhen(user, 'quest_master_10', 'awaiting_wallet');
    const address = await givenVerifiedWallet(system, clock, user.id);
    const done = await badgeWhen(user, 'quest_master_10', 'confirmed');
    assert.ok((await emulator.badge(BigInt(done.onchain_token_id!))).owner?.equals(Address.parse(address)));
    assert.deepEqual(
      (await eventsOf(user.id, 'quest_master_10')).filter((t) => t.startsWith('BadgeOnchain') || t === 'BadgeAwaitingWallet'),
      ['BadgeAwaitingWallet', 'BadgeOnchainRequested', 'BadgeOnchainConfirmed'],
    );
  });

  it('given a badge confirmed on chain, when a higher level is awarded, then an upgrade task retires the old SBT and the badge has a new token id', async () => {
    const user = await aMember();
    await givenVerifiedWallet(system, clock, user.id);
    await award({ award_id: `award-${user.id}-l1`, user_id: user.id, badge_type: 'quest_master_10', level: 1 }).expect(201);
    const first = await badgeWhen(user, 'quest_master_10', 'confirmed');
    const raised = await award({ award_id: `award-${user.id}-l2`, user_id: user.id, badge_type: 'quest_master_10', level: 2 }).expect(201);
    assert.equal(raised.body.level, 2);
    assert.equal(raised.body.onchain_status, 'pending', 'the upgrade is on its way');
    // confirmed at level 2 means the upgrade's own confirmation (until then level 2 shows pending)
    const upgraded = await badgeWhen(user, 'quest_master_10', 'confirmed', 2);
    assert.notEqual(upgraded.onchain_token_id, first.onchain_token_id);
    assert.ok((await emulator.badge(BigInt(first.onchain_token_id!))).revokedAt > 0, 'the old badge is retired on chain');
    assert.equal((await emulator.badge(BigInt(upgraded.onchain_token_id!))).revokedAt, 0, 'the new one is not');
    const requested = (await system.dependencies.store.readStream(streamOfBadge(user.id, 'quest_master_10'))).filter((e) => e.type === 'BadgeOnchainRequested').map((e) => e.data as { kind: string; requestId: string; oldTokenId: string | null });
    assert.deepEqual(requested.map((r) => [r.kind, r.oldTokenId]), [['mint', null], ['upgrade', first.onchain_token_id]]);
    assert.equal(requested[1]!.requestId, onchainRequestIdOf(first.instance_id, 2), 'the request id derives from the instance and the level');

    // an award at a lower level afterwards is recorded and changes nothing
    const lower = await award({ award_id: `award-${user.id}-l1-late`, user_id: user.id, badge_type: 'quest_master_10', level: 1 }).expect(201);
    assert.equal(lower.body.level, 2);
    assert.equal(lower.body.onchain_status, 'confirmed');
  });

  it('given an off-chain badge type, when it is awarded, then its status stays none while an on-chain badge awarded after it is confirmed', async () => {
    const user = await aMember();
    await givenVerifiedWallet(system, clock, user.id);
    const offchain = await award({ award_id: `award-${user.id}-off`, user_id: user.id, badge_type: 'first_review', level: 1 }).expect(201);
    assert.equal(offchain.body.onchain_status, 'none');
    await award({ award_id: `award-${user.id}-on`, user_id: user.id, badge_type: 'explorer_gold', level: 1 }).expect(201);
    await badgeWhen(user, 'explorer_gold', 'confirmed');
    const off = await badge(user, 'first_review');
    assert.equal(off?.onchain_status, 'none');
    assert.equal(off?.onchain_token_id, null);
    assert.deepEqual(await eventsOf(user.id, 'first_review'), ['BadgeAwarded'], 'never asked on chain');
  });

  it('given the chain refuses the mint for good, then the badge is failed with the error, and support sees it', async () => {
    const user = await aMember();
    await givenVerifiedWallet(system, clock, user.id);
    chain.failNext('sign', new ChainError('permanent', 'invalid destination address (for the test)'));
    await award({ award_id: `award-${user.id}-fail`, user_id: user.id, badge_type: 'quest_master_10', level: 1 }).expect(201);
    const failed = await badgeWhen(user, 'quest_master_10', 'failed');
    assert.match(failed.onchain_error ?? '', /invalid destination address/);
    assert.equal(failed.onchain_token_id, null);
    const support = await aSupport();
    const seen = await request(system.api).get(`/connect/users/${user.id}/badges`).set('Authorization', support.token).expect(200);
    assert.equal(seen.body.items[0].onchain_status, 'failed');
    const other = await aMember();
    await request(system.api).get(`/connect/users/${user.id}/badges`).set('Authorization', other.token).expect(403);
  });
});
