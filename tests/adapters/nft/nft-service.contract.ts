import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { NftRefusal, type NftService } from '../../../commands/rewards/ports/nft-service.js';

/**
 * The NftService contract — what Connect's reward dispatcher relies on, whichever NFT service
 * answers: an award records the user's badge (one instance per user and badge type) at a level;
 * the same award id again is the same award (the same instance, nothing raised twice); an award
 * at a lower level leaves the level; the same award id with another level is refused for good;
 * a badge type configured as on-chain answers `pending` (or `awaiting_wallet`), another `none`.
 */
export interface NftServiceSubject {
  readonly service: NftService;
  /** A badge type the service puts on chain, and one it keeps off chain. */
  readonly onchainBadge: string;
  readonly offchainBadge: string;
  stop(): Promise<void>;
}

export function nftServiceContract(name: string, open: () => Promise<NftServiceSubject>): void {
  describe(`NftService contract: ${name}`, function () {
    this.timeout(120_000);
    let subject: NftServiceSubject;
    before(async () => {
      subject = await open();
    });
    after(async () => {
      await subject?.stop();
    });
    const user = () => `user-${randomUUID()}`;

    it('given a new badge, when it is awarded, then the answer names the award, an instance and the level, off chain none', async () => {
      const answer = await subject.service.award({ awardId: randomUUID(), userId: user(), badgeType: subject.offchainBadge, level: 2 });
      assert.equal(answer.level, 2);
      assert.ok(answer.instanceId.length > 0);
      assert.equal(answer.onchainStatus, 'none');
      assert.equal(answer.onchainTokenId, null);
    });

    it('given an award, when the same award id is asked again, then the same instance at the same level', async () => {
      const award = { awardId: randomUUID(), userId: user(), badgeType: subject.offchainBadge, level: 1 };
      const first = await subject.service.award(award);
      const again = await subject.service.award(award);
      assert.deepEqual(again, first);
      assert.equal(again.awardId, award.awardId);
    });

    it('given a badge at level 3, when another award at level 1 comes, then the same instance stays at level 3; a higher one raises it', async () => {
      const userId = user();
      const high = await subject.service.award({ awardId: randomUUID(), userId, badgeType: subject.offchainBadge, level: 3 });
      const low = await subject.service.award({ awardId: randomUUID(), userId, badgeType: subject.offchainBadge, level: 1 });
      assert.equal(low.instanceId, high.instanceId);
      assert.equal(low.level, 3);
      const higher = await subject.service.award({ awardId: randomUUID(), userId, badgeType: subject.offchainBadge, level: 4 });
      assert.equal(higher.level, 4);
      const other = await subject.service.award({ awardId: randomUUID(), userId, badgeType: `${subject.offchainBadge}_2`, level: 1 });
      assert.notEqual(other.instanceId, high.instanceId, 'another badge type is another instance');
    });

    it('given an award, when its id comes with another level, then a refusal with a code', async () => {
      const award = { awardId: randomUUID(), userId: user(), badgeType: subject.offchainBadge, level: 1 };
      await subject.service.award(award);
      await assert.rejects(subject.service.award({ ...award, level: 2 }), (error: unknown) => error instanceof NftRefusal && error.code === 'badge.award_reused');
    });

    it('given an on-chain badge type, when it is awarded, then it is on its way on chain (pending, or awaiting a wallet)', async () => {
      const answer = await subject.service.award({ awardId: randomUUID(), userId: user(), badgeType: subject.onchainBadge, level: 1 });
      assert.ok(['pending', 'awaiting_wallet'].includes(answer.onchainStatus), answer.onchainStatus);
    });

    it('given a malformed award (a level of 0, a badge type with capitals), then a refusal', async () => {
      await assert.rejects(subject.service.award({ awardId: randomUUID(), userId: user(), badgeType: subject.offchainBadge, level: 0 }), NftRefusal);
      await assert.rejects(subject.service.award({ awardId: randomUUID(), userId: user(), badgeType: 'Not A Type', level: 1 }), NftRefusal);
    });
  });
}
