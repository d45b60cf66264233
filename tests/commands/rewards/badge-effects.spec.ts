import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { migrate } from '../../../adapters/database/migrations.js';
import { eventLogMigrations } from '../../../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../../../adapters/eventstore/postgres/postgres-event-store.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import { RecordBadgeOnchainOutcome, RequestBadgeOnchain } from '../../../commands/rewards/badge-effect-kinds.js';
import { badgeEffectHandlers } from '../../../commands/rewards/badge-effects.js';
import { badgeRegistry, onchainRequestIdOf } from '../../../commands/rewards/badge-registry.js';
import type { BlockchainGateway, GatewayAnswer } from '../../../commands/rewards/ports/blockchain-gateway.js';
import { loadAggregate } from '../../../commands/load-aggregate.js';
import { badgeDecider, streamOfBadge } from '../../../domain/rewards/badge.js';
import { ManualClock } from '../../../platform/clock.js';
import type { EffectPerformer } from '../../../sagas/effect-kind.js';
import { openTestDatabase } from '../../support/test-database.js';

/** A gateway that answers what the test says and records what it was asked. */
function stubGateway(options: { wallets: string[]; answer: (kind: 'mint' | 'upgrade') => GatewayAnswer }) {
  const asked: { kind: 'mint' | 'upgrade'; request: Record<string, unknown> }[] = [];
  const gateway: BlockchainGateway = {
    verifiedWallets: async () => options.wallets,
    taskStreamOf: (requestId) => `BlockchainTask-of-${requestId}`,
    mintG2a: async () => assert.fail('not for badges'),
    transferG2a: async () => assert.fail('not for badges'),
    mintBadge: async (request) => {
      asked.push({ kind: 'mint', request });
      return options.answer('mint');
    },
    upgradeBadge: async (request) => {
      asked.push({ kind: 'upgrade', request });
      return options.answer('upgrade');
    },
  };
  return { gateway, asked };
}

describe('rewards: the on-chain badge steps against the event log', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: PostgresEventStore;
  const clock = new ManualClock(new Date('2026-05-01T10:00:00Z'));
  before(async () => {
    database = await openTestDatabase();
    await migrate(database, eventLogMigrations);
    store = new PostgresEventStore(database, 20);
  });
  after(async () => database?.dispose());

  const perform = (handlers: EffectPerformer[], kind: string, payload: unknown) =>
    handlers.find((h) => h.kind.kind === kind)!.perform(payload, { idempotencyKey: randomUUID(), attempt: 1, correlationId: null });
  const awarded = async (userId: string, level = 1) => {
    const registry = badgeRegistry({ store, clock, onchainBadges: ['quest_master_10'] });
    await registry.nft.award({ awardId: randomUUID(), userId, badgeType: 'quest_master_10', level });
  };
  const badgeOf = async (userId: string) => (await loadAggregate(store, badgeDecider, streamOfBadge(userId, 'quest_master_10'))).state;
  const ask = { badgeType: 'quest_master_10', level: 1, decidedAt: '2026-05-01T10:00:00.000Z' };

  it('given the gateway refuses the mint, then the badge is failed with the gateway’s code', async () => {
    const userId = `u-${randomUUID()}`;
    await awarded(userId);
    const { gateway } = stubGateway({ wallets: ['0:' + 'ab'.repeat(32)], answer: () => ({ kind: 'refused', code: 'wallet.not_verified', message: 'no' }) });
    await perform(badgeEffectHandlers({ store, logger: createLogger({ level: 'silent' }), gateway }), RequestBadgeOnchain.kind, { userId, ...ask });
    const state = await badgeOf(userId);
    assert.equal(state.lastOnchain, 'failed');
    const events = await store.readStream(streamOfBadge(userId, 'quest_master_10'));
    assert.deepEqual((events.at(-1)!.data as { error: string }).error, 'wallet.not_verified');
  });

  it('given the request was recorded and the step is repeated (a crash before the answer), then the gateway is asked the same thing again and nothing new is recorded', async () => {
    const userId = `u-${randomUUID()}`;
    await awarded(userId);
    const first = stubGateway({ wallets: ['0:' + '11'.repeat(32)], answer: () => ({ taskId: 't', taskStream: 'BlockchainTask-t', status: 'pending' }) });
    await perform(badgeEffectHandlers({ store, logger: createLogger({ level: 'silent' }), gateway: first.gateway }), RequestBadgeOnchain.kind, { userId, ...ask });
    const recorded = (await store.readStream(streamOfBadge(userId, 'quest_master_10'))).length;
    // meanwhile the user verified another wallet: the repeat still asks for the recorded address
    const second = stubGateway({ wallets: ['0:' + '22'.repeat(32), '0:' + '11'.repeat(32)], answer: () => ({ taskId: 't', taskStream: 'BlockchainTask-t', status: 'pending' }) });
    await perform(badgeEffectHandlers({ store, logger: createLogger({ level: 'silent' }), gateway: second.gateway }), RequestBadgeOnchain.kind, { userId, ...ask });
    assert.deepEqual(second.asked, first.asked);
    assert.equal(first.asked[0]!.request.toAddress, '0:' + '11'.repeat(32));
    assert.equal(first.asked[0]!.request.requestId, onchainRequestIdOf((await badgeOf(userId)).instanceId!, 1));
    assert.equal((await store.readStream(streamOfBadge(userId, 'quest_master_10'))).length, recorded, 'nothing new');
  });

  it('given no verified wallet, then the badge awaits one and the gateway is not asked', async () => {
    const userId = `u-${randomUUID()}`;
    await awarded(userId);
    const { gateway, asked } = stubGateway({ wallets: [], answer: () => assert.fail('not asked') });
    await perform(badgeEffectHandlers({ store, logger: createLogger({ level: 'silent' }), gateway }), RequestBadgeOnchain.kind, { userId, ...ask });
    assert.equal((await badgeOf(userId)).lastOnchain, 'awaiting_wallet');
    assert.deepEqual(asked, []);
  });

  it('given a confirmed mint and a level-up, then the step upgrades the confirmed token; the outcome recorded twice is recorded once', async () => {
    const userId = `u-${randomUUID()}`;
    await awarded(userId);
    const { gateway, asked } = stubGateway({ wallets: ['0:' + '33'.repeat(32)], answer: () => ({ taskId: 't', taskStream: 'BlockchainTask-t', status: 'pending' }) });
    const handlers = badgeEffectHandlers({ store, logger: createLogger({ level: 'silent' }), gateway });
    await perform(handlers, RequestBadgeOnchain.kind, { userId, ...ask });
    const requestId = (await badgeOf(userId)).inFlight!;
    const outcome = { userId, badgeType: 'quest_master_10', requestId, outcome: { status: 'confirmed', onchainTokenId: '41', itemAddress: null }, decidedAt: ask.decidedAt };
    await perform(handlers, RecordBadgeOnchainOutcome.kind, outcome);
    await perform(handlers, RecordBadgeOnchainOutcome.kind, outcome);
    assert.equal((await store.readStream(streamOfBadge(userId, 'quest_master_10'))).filter((e) => e.type === 'BadgeOnchainConfirmed').length, 1);
    await awarded(userId, 2);
    await perform(handlers, RequestBadgeOnchain.kind, { userId, ...ask, level: 2 });
    assert.deepEqual(asked.map((a) => [a.kind, a.request.oldTokenId ?? null, a.request.level]), [['mint', null, 1], ['upgrade', '41', 2]]);
  });
});
