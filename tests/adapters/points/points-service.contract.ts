import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PointsRefusal, type PointsService } from '../../../commands/rewards/ports/points-service.js';

/**
 * The PointsService contract (issue 14, item 6): what Connect's reward dispatcher relies on,
 * whichever Points service answers — one credit per credit id whatever is repeated (the same
 * entry and balance answer a repeat), the balance after each credit, an id reused with another
 * amount refused for good, an invalid amount refused for good. Run through the HTTP adapter
 * against the local ledger's protocol routes over real HTTP, and through the in-process service.
 */
export interface PointsServiceSubject {
  readonly service: PointsService;
  /** The user's balance as the service keeps it (the protocol's GET …/balance, or the ledger). */
  balanceOf(userId: string): Promise<bigint>;
}

export function pointsServiceContract(name: string, subject: () => PointsServiceSubject): void {
  describe(`PointsService contract: ${name}`, () => {
    const aUser = () => `points-user-${randomUUID().slice(0, 8)}`;

    it('given a user, when points are credited twice under two ids, then each answers its entry and the balance after it', async () => {
      const { service, balanceOf } = subject();
      const user = aUser();
      const first = await service.credit({ creditId: randomUUID(), userId: user, amount: 100n, reason: 'referral.joined' });
      const second = await service.credit({ creditId: randomUUID(), userId: user, amount: 25n, reason: 'quest.completed' });
      assert.equal(first.balanceAfter, 100n);
      assert.equal(second.balanceAfter, 125n);
      assert.notEqual(first.entryId, second.entryId);
      assert.equal(await balanceOf(user), 125n);
    });

    it('given a credit, when it is asked again with the same id (a retry after a lost answer), then the same entry and balance, and nothing is credited twice', async () => {
      const { service, balanceOf } = subject();
      const user = aUser();
      const credit = { creditId: randomUUID(), userId: user, amount: 40n, reason: 'review.created' };
      const first = await service.credit(credit);
      const again = await Promise.all([service.credit(credit), service.credit(credit), service.credit(credit)]);
      for (const answer of again) assert.deepEqual(answer, first);
      assert.equal(await balanceOf(user), 40n);
    });

    it('given a credit, when the same id comes with another amount, then PointsRefusal points.credit_id_reused and the balance is unchanged', async () => {
      const { service, balanceOf } = subject();
      const user = aUser();
      const creditId = randomUUID();
      await service.credit({ creditId, userId: user, amount: 10n, reason: 'x' });
      await assert.rejects(service.credit({ creditId, userId: user, amount: 11n, reason: 'x' }), (e: unknown) => e instanceof PointsRefusal && e.code === 'points.credit_id_reused');
      assert.equal(await balanceOf(user), 10n);
    });

    it('given an amount of 0, when it is credited, then PointsRefusal (for good) naming the amount', async () => {
      const { service, balanceOf } = subject();
      const user = aUser();
      await assert.rejects(service.credit({ creditId: randomUUID(), userId: user, amount: 0n, reason: 'x' }), (e: unknown) => e instanceof PointsRefusal && e.code === 'points.invalid_amount');
      assert.equal(await balanceOf(user), 0n);
    });

    it('given amounts beyond 64 bits, when they are credited, then the balance is exact (decimal strings, never floats)', async () => {
      const { service, balanceOf } = subject();
      const user = aUser();
      const big = 123_456_789_012_345_678_901_234_567n;
      const answer = await service.credit({ creditId: randomUUID(), userId: user, amount: big, reason: 'x' });
      await service.credit({ creditId: randomUUID(), userId: user, amount: 1n, reason: 'x' });
      assert.equal(answer.balanceAfter, big);
      assert.equal(await balanceOf(user), big + 1n);
    });
  });
}
