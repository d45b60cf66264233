import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Address } from '@ton/core';
import request from 'supertest';
import { g2aAccounts, type G2aAccounts } from '../../../commands/rewards/g2a-ledger.js';
import { systemClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { aMember, aSupport, eventually, G2A, givenVerifiedWallet, startConnectWithChain, type Caller } from './rewards-harness.js';

/**
 * G2A withdrawals (issue 14, item 7; seed 000 §2) on the TON emulator, the gateway in process:
 * the gateway's per-transfer limit is 100 G2A here (Connect's own CONNECT_WITHDRAWAL_MAX is the
 * default 1000 G2A), so a withdrawal of 150 G2A passes Connect and is refused by the gateway.
 */
describe('Connect: G2A withdrawals to a verified wallet through the gateway (issue 14, item 7)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: Awaited<ReturnType<typeof startConnectWithChain>>;
  let ledger: G2aAccounts;

  const withdraw = (member: Caller, body: Record<string, unknown>) => request(system.api).post('/connect/withdrawals').set('Authorization', member.token).send(body);
  const withdrawal = async (member: Caller, id: string) => (await request(system.api).get(`/connect/withdrawals/${id}`).set('Authorization', member.token).expect(200)).body;
  const settledAs = (member: Caller, id: string, status: 'completed' | 'failed') =>
    eventually(async () => {
      const current = (await request(system.api).get(`/connect/withdrawals/${id}`).set('Authorization', member.token)).body;
      const hold = status === 'completed' ? 'settled' : 'released';
      return current.status === status && current.hold === hold && current;
    }, 90_000);
  const balances = async (member: Caller) => (await request(system.api).get('/connect/users/me/balances').set('Authorization', member.token).expect(200)).body.g2a;
  const balancesBecome = (member: Caller, expected: { balance: bigint; held: bigint; available: bigint }) =>
    eventually(async () => {
      const g2a = await balances(member);
      return g2a.balance === expected.balance.toString() && g2a.held === expected.held.toString() && g2a.available === expected.available.toString() && g2a;
    });
  /** A member with a verified wallet and `amount` of off-chain G2A credited through the ledger desk. */
  const aFundedMember = async (amount: bigint) => {
    const member = await aMember();
    const wallet = await givenVerifiedWallet(system, systemClock, member.id);
    const credited = await ledger.credit({ entryId: randomUUID(), userId: member.id, amount, reason: 'quest.completed' });
    assert.equal(credited.balanceAfter, amount);
    return { member, wallet };
  };

  before(async () => {
    database = await openTestDatabase();
    system = await startConnectWithChain({ database, clock: systemClock, env: { G2A_LIMIT_PER_TRANSFER: (100n * G2A).toString() } });
    ledger = g2aAccounts(system.dependencies);
  });
  after(async () => {
    await system?.dispose();
    await database?.dispose();
  });

  it('given 50 G2A and a verified wallet, when 20 are withdrawn, then 202 held, the task is confirmed on chain, the hold settled, the balance 30, and the jettons are at the wallet', async () => {
    const { member, wallet } = await aFundedMember(50n * G2A);
    const accepted = await withdraw(member, { amount: (20n * G2A).toString(), to_address: wallet }).expect(202);
    assert.equal(accepted.body.status, 'held');
    assert.equal(accepted.body.hold, 'held');
    assert.equal(accepted.body.user_id, member.id);
    assert.equal(accepted.headers.location, `/connect/withdrawals/${accepted.body.withdrawal_id}`);
    assert.deepEqual(await balances(member), { balance: (50n * G2A).toString(), held: (20n * G2A).toString(), available: (30n * G2A).toString() });
    const done = await settledAs(member, accepted.body.withdrawal_id, 'completed');
    assert.ok(done.task_id, 'the gateway task is named');
    assert.equal(done.failure, null);
    await balancesBecome(member, { balance: 30n * G2A, held: 0n, available: 30n * G2A });
    assert.equal(await system.chain().jettonBalance(Address.parse(wallet)), 20n * G2A, 'the jettons are at the wallet on chain');
    const listed = (await request(system.api).get('/connect/users/me/withdrawals').set('Authorization', member.token).expect(200)).body;
    assert.deepEqual(listed.items.map((w: { withdrawal_id: string }) => w.withdrawal_id), [accepted.body.withdrawal_id]);
  });

  it('given a withdrawal asked again with its withdrawal_id, then the same withdrawal (nothing held twice); the same id with another amount is 409', async () => {
    const { member, wallet } = await aFundedMember(10n * G2A);
    const id = randomUUID();
    const body = { withdrawal_id: id, amount: (3n * G2A).toString(), to_address: wallet };
    const first = await withdraw(member, body).expect(202);
    const again = await withdraw(member, body).expect(202);
    assert.equal(again.body.withdrawal_id, first.body.withdrawal_id);
    const reused = await withdraw(member, { ...body, amount: (4n * G2A).toString() }).expect(409);
    assert.equal(reused.body.code, 'withdrawal.id_reused');
    await settledAs(member, id, 'completed');
    await balancesBecome(member, { balance: 7n * G2A, held: 0n, available: 7n * G2A });
  });

  it('given an address the member has not verified, when they withdraw to it, then 422 withdrawal.wallet_not_verified naming to_address, and nothing is held', async () => {
    const { member } = await aFundedMember(10n * G2A);
    const strangers = await givenVerifiedWallet(system, systemClock, (await aMember()).id);
    const refused = await withdraw(member, { amount: G2A.toString(), to_address: strangers }).expect(422);
    assert.equal(refused.body.code, 'withdrawal.wallet_not_verified');
    assert.equal(refused.body.field, 'to_address');
    await balancesBecome(member, { balance: 10n * G2A, held: 0n, available: 10n * G2A });
  });

  it('given 10 G2A, when 11 are withdrawn, then 422 withdrawal.insufficient_balance, recorded as failed at the hold; asked again with its id, the same 422', async () => {
    const { member, wallet } = await aFundedMember(10n * G2A);
    const id = randomUUID();
    const refused = await withdraw(member, { withdrawal_id: id, amount: (11n * G2A).toString(), to_address: wallet }).expect(422);
    assert.equal(refused.body.code, 'withdrawal.insufficient_balance');
    assert.equal((await withdraw(member, { withdrawal_id: id, amount: (11n * G2A).toString(), to_address: wallet }).expect(422)).body.code, 'withdrawal.insufficient_balance');
    const recorded = await eventually(async () => {
      const w = (await request(system.api).get(`/connect/withdrawals/${id}`).set('Authorization', member.token)).body;
      return w.status === 'failed' && w;
    });
    assert.equal(recorded.hold, 'refused');
    assert.deepEqual(recorded.failure, { stage: 'hold', reason: 'withdrawal.insufficient_balance', message: recorded.failure.message });
    await balancesBecome(member, { balance: 10n * G2A, held: 0n, available: 10n * G2A });
  });

  it('given amounts outside CONNECT_WITHDRAWAL_MIN … MAX or malformed, then 422 / 400 naming amount', async () => {
    const { member, wallet } = await aFundedMember(10n * G2A);
    assert.equal((await withdraw(member, { amount: (G2A - 1n).toString(), to_address: wallet }).expect(422)).body.code, 'withdrawal.amount_below_minimum');
    assert.equal((await withdraw(member, { amount: (1001n * G2A).toString(), to_address: wallet }).expect(422)).body.code, 'withdrawal.amount_above_maximum');
    assert.equal((await withdraw(member, { amount: '1.5', to_address: wallet }).expect(400)).body.field, 'amount');
    assert.equal((await withdraw(member, { amount: G2A.toString(), to_address: 'not-an-address' }).expect(400)).body.field, 'to_address');
  });

  it('given 200 G2A, when 150 are withdrawn (over the gateway’s per-transfer limit of 100), then 202 held, then failed with the gateway’s reason and the hold released', async () => {
    const { member, wallet } = await aFundedMember(200n * G2A);
    const accepted = await withdraw(member, { amount: (150n * G2A).toString(), to_address: wallet }).expect(202);
    const failed = await settledAs(member, accepted.body.withdrawal_id, 'failed');
    assert.equal(failed.failure.stage, 'gateway');
    assert.equal(failed.failure.reason, 'limits.per_transfer');
    assert.equal(failed.task_id, null);
    await balancesBecome(member, { balance: 200n * G2A, held: 0n, available: 200n * G2A });
    assert.equal(await system.chain().jettonBalance(Address.parse(wallet)), 0n);
  });

  it('given 100 G2A, when two withdrawals of 60 come at the same moment, then exactly one is held and the other is 422; the balance never goes below zero', async () => {
    const { member, wallet } = await aFundedMember(100n * G2A);
    const answers = await Promise.all([0, 1].map(() => withdraw(member, { amount: (60n * G2A).toString(), to_address: wallet })));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [202, 422], JSON.stringify(answers.map((a) => a.body)));
    const refused = answers.find((a) => a.status === 422)!;
    assert.equal(refused.body.code, 'withdrawal.insufficient_balance');
    const held = answers.find((a) => a.status === 202)!;
    await settledAs(member, held.body.withdrawal_id, 'completed');
    await balancesBecome(member, { balance: 40n * G2A, held: 0n, available: 40n * G2A });
    assert.equal(await system.chain().jettonBalance(Address.parse(wallet)), 60n * G2A);
  });

  it('given 100 G2A and two ledger instances (as two processes), when 20 holds of 10 race across them, then exactly 10 are held and available ends at 0', async () => {
    const { member } = await aFundedMember(100n * G2A);
    const other = g2aAccounts(system.dependencies);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const answers = await Promise.all(ids.map((withdrawalId, i) => (i % 2 === 0 ? ledger : other).hold({ userId: member.id, withdrawalId, amount: 10n * G2A })));
    const statuses = answers.map((a) => (a._tag === 'Right' ? a.right.status : a.left.code));
    assert.equal(statuses.filter((s) => s === 'held').length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 'refused').length, 10, statuses.join(','));
    const account = await other.current(member.id);
    assert.equal(account.held, 100n * G2A);
    assert.equal(account.balance - account.held, 0n);
    for (const withdrawalId of ids) await ledger.release({ userId: member.id, withdrawalId });
    await balancesBecome(member, { balance: 100n * G2A, held: 0n, available: 100n * G2A });
  });

  it('given a member’s withdrawal, then another member gets 404 for it, support sees it, and the member’s list pages with a cursor', async () => {
    const { member, wallet } = await aFundedMember(10n * G2A);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await withdraw(member, { amount: G2A.toString(), to_address: wallet }).expect(202)).body.withdrawal_id);
    await request(system.api).get(`/connect/withdrawals/${ids[0]}`).set('Authorization', (await aMember()).token).expect(404);
    const support = await aSupport();
    assert.equal((await withdrawal(support, ids[0]!)).user_id, member.id);
    const first = (await request(system.api).get('/connect/users/me/withdrawals?limit=2').set('Authorization', member.token).expect(200)).body;
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    const rest = (await request(system.api).get(`/connect/users/me/withdrawals?limit=2&cursor=${first.nextCursor}`).set('Authorization', member.token).expect(200)).body;
    assert.equal(rest.nextCursor, null);
    assert.deepEqual([...first.items, ...rest.items].map((w: { withdrawal_id: string }) => w.withdrawal_id).sort(), [...ids].sort());
    for (const id of ids) await settledAs(member, id, 'completed');
  });
});
