import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address } from '@ton/core';
import { mnemonicNew } from '@ton/crypto';
import { WalletContractV5R1 } from '@ton/ton';
import type { SentBatch, SignedBatch, TaskOperation } from '../../../commands/blockchain/ports/gateway-chain.js';
import { EmulatorChain } from '../../../adapters/ton/emulator-chain.js';
import { HotWallet, NETWORK_ID } from '../../../adapters/ton/hot-wallet.js';

const G2A = 1_000_000_000n;

async function userAddress(): Promise<string> {
  const wallet = WalletContractV5R1.create({ publicKey: randomBytes(32), walletId: { networkGlobalId: NETWORK_ID.mainnet } });
  return wallet.address.toString({ bounceable: false });
}

const sent = (signed: SignedBatch, ops: readonly TaskOperation[]): SentBatch => ({
  messageHash: signed.messageHash,
  validUntil: signed.validUntil,
  tasks: ops.map((op) => ({ ...op, actions: signed.actions[op.taskId] ?? [], ...(signed.itemIndexes[op.taskId] ? { itemIndex: signed.itemIndexes[op.taskId] } : {}) })),
});

describe('TON emulator chain (the gateway on @ton/sandbox)', function () {
  this.timeout(120_000);
  let wallet: HotWallet;
  let now = 1_800_000_000;
  let chain: EmulatorChain;
  let stateDir: string;

  before(async () => {
    wallet = await HotWallet.fromMnemonic((await mnemonicNew(24)).join(' '), NETWORK_ID.mainnet);
    stateDir = await mkdtemp(join(tmpdir(), 'ledgerline-ton-'));
    chain = await EmulatorChain.open({ stateDir, wallet, publicUrl: 'http://localhost:3000', now: () => now });
  });
  after(async () => rm(stateDir, { recursive: true, force: true }));

  it('given a fresh emulator, then the hot wallet holds the G2A reserve and seqno has moved past the bootstrap', async () => {
    assert.equal(await chain.seqno(), 1);
    assert.equal(await chain.jettonBalance(wallet.address), 1_000_000n * G2A);
  });

  it('given mint, transfer and badge tasks in one signed message, when submitted, then each is judged by what it did on chain', async () => {
    const alice = await userAddress();
    const bob = await userAddress();
    const ops: TaskOperation[] = [
      { taskId: 'mint', operation: { kind: 'g2a_mint', to: alice, amount: (5n * G2A).toString() } },
      { taskId: 'transfer', operation: { kind: 'g2a_transfer', to: bob, amount: (3n * G2A).toString(), userId: 'bob' } },
      { taskId: 'badge', operation: { kind: 'nft_mint', to: alice, userId: 'alice', badge: 'quest_master_10', level: 1 } },
    ];
    const signed = await chain.sign(ops, 60);
    assert.deepEqual(signed.actions, { mint: [0], transfer: [1], badge: [2] });
    assert.equal(await chain.findConfirmation(sent(signed, ops)), null, 'not on chain before it is submitted');
    await chain.submit(signed.messageBoc);
    const confirmation = await chain.findConfirmation(sent(signed, ops));
    assert.ok(confirmation);
    assert.deepEqual(confirmation.outcomes.mint, { ok: true, result: { balanceAfter: (5n * G2A).toString() } });
    assert.deepEqual(confirmation.outcomes.transfer, { ok: true, result: { balanceAfter: (3n * G2A).toString() } });
    const badge = confirmation.outcomes.badge!;
    assert.ok(badge.ok);
    assert.equal(badge.result.onchainTokenId, signed.itemIndexes.badge);
    const item = await chain.badge(BigInt(signed.itemIndexes.badge!));
    assert.ok(item.owner?.equals(Address.parse(alice)));
    assert.equal(await chain.jettonBalance(Address.parse(alice)), 5n * G2A);
  });

  it('given a badge, when upgraded, then the old one is revoked by the gateway and a new one is minted in the same message', async () => {
    const alice = await userAddress();
    const mintOps: TaskOperation[] = [{ taskId: 'b1', operation: { kind: 'nft_mint', to: alice, userId: 'a', badge: 'starter', level: 1 } }];
    const first = await chain.sign(mintOps, 60);
    await chain.submit(first.messageBoc);
    const oldIndex = first.itemIndexes.b1!;
    const upgradeOps: TaskOperation[] = [{ taskId: 'up', operation: { kind: 'nft_upgrade', to: alice, userId: 'a', badge: 'starter', level: 2, retiredItemIndex: oldIndex } }];
    const signed = await chain.sign(upgradeOps, 60);
    await chain.submit(signed.messageBoc);
    const outcome = (await chain.findConfirmation(sent(signed, upgradeOps)))!.outcomes.up!;
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.notEqual(outcome.result.onchainTokenId, oldIndex);
    assert.ok((await chain.badge(BigInt(oldIndex))).revokedAt > 0, 'the old badge is revoked');
    assert.equal((await chain.badge(BigInt(outcome.result.onchainTokenId!))).revokedAt, 0);
  });

  it('given a transfer larger than the hot wallet holds, then the chain refuses it and it is judged a permanent failure', async () => {
    const ops: TaskOperation[] = [{ taskId: 'big', operation: { kind: 'g2a_transfer', to: await userAddress(), amount: (10n ** 30n).toString(), userId: 'x' } }];
    const signed = await chain.sign(ops, 60);
    await chain.submit(signed.messageBoc);
    const outcome = (await chain.findConfirmation(sent(signed, ops)))!.outcomes.big!;
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.permanent);
  });

  it('given operations no message can carry among honest ones, when signed, then each poisoned one is refused alone with its reason and the honest ones are carried and confirmed', async () => {
    const alice = await userAddress();
    const hash = Address.parse(alice).hash.toString('hex');
    const ops: TaskOperation[] = [
      { taskId: 'honest-1', operation: { kind: 'g2a_mint', to: alice, amount: (2n * G2A).toString() } },
      { taskId: 'too-much', operation: { kind: 'g2a_mint', to: alice, amount: (2n ** 120n).toString() } },
      { taskId: 'workchain-7', operation: { kind: 'g2a_transfer', to: `7:${hash}`, amount: '1', userId: 'x' } },
      { taskId: 'not-an-index', operation: { kind: 'nft_upgrade', to: alice, userId: 'a', badge: 'b', level: 2, retiredItemIndex: '-3' } },
      { taskId: 'index-too-big', operation: { kind: 'nft_upgrade', to: alice, userId: 'a', badge: 'b', level: 2, retiredItemIndex: (2n ** 64n).toString() } },
      { taskId: 'honest-badge', operation: { kind: 'nft_mint', to: alice, userId: 'a', badge: 'starter', level: 1 } },
      { taskId: 'honest-2', operation: { kind: 'g2a_mint', to: `-1:${hash}`, amount: G2A.toString() } },
    ];
    const signed = await chain.sign(ops, 60);
    assert.deepEqual(Object.keys(signed.refused).sort(), ['index-too-big', 'not-an-index', 'too-much', 'workchain-7']);
    assert.match(signed.refused['too-much']!, /amount .*2\^120/);
    assert.match(signed.refused['workchain-7']!, /workchain 0 or -1/);
    assert.match(signed.refused['index-too-big']!, /uint64/);
    assert.deepEqual(signed.actions, { 'honest-1': [0], 'honest-badge': [1], 'honest-2': [2] }, 'the poisoned ones take no place in the message');
    const honest = ops.filter((op) => signed.actions[op.taskId]);
    await chain.submit(signed.messageBoc);
    const confirmation = (await chain.findConfirmation(sent(signed, honest)))!;
    for (const op of honest) assert.ok(confirmation.outcomes[op.taskId]?.ok, `${op.taskId}: ${JSON.stringify(confirmation.outcomes[op.taskId])}`);
    assert.equal(confirmation.outcomes['honest-badge']!.ok && confirmation.outcomes['honest-badge']!.result.onchainTokenId, signed.itemIndexes['honest-badge']);
  });

  it('given more actions than one message holds (255), when signed, then the message is full and the rest are left for the next one, neither carried nor refused', async () => {
    const to = await userAddress();
    const ops: TaskOperation[] = Array.from({ length: 260 }, (_, i) => ({ taskId: `m${i}`, operation: { kind: 'g2a_mint', to, amount: '1' } }));
    const signed = await chain.sign(ops, 60);
    assert.equal(Object.keys(signed.actions).length, 255);
    assert.deepEqual(signed.refused, {});
    assert.equal(signed.actions.m254?.[0], 254);
    assert.equal(signed.actions.m255, undefined);
  });

  it('given only operations that are refused, when signed, then there is no message to submit', async () => {
    const signed = await chain.sign([{ taskId: 'bad', operation: { kind: 'g2a_mint', to: 'not-an-address', amount: '1' } }], 60);
    assert.match(signed.refused.bad!, /invalid address/);
    assert.equal(signed.messageBoc, '');
    assert.deepEqual(signed.actions, {});
  });

  it('given a submitted message, when submitted again, then it is not executed twice', async () => {
    const alice = await userAddress();
    const ops: TaskOperation[] = [{ taskId: 'once', operation: { kind: 'g2a_mint', to: alice, amount: G2A.toString() } }];
    const signed = await chain.sign(ops, 60);
    await chain.submit(signed.messageBoc);
    await chain.submit(signed.messageBoc);
    assert.equal(await chain.jettonBalance(Address.parse(alice)), G2A);
  });

  it('given two messages signed for one seqno, then only the first lands and the second is refused by the wallet', async () => {
    const ops = async (): Promise<TaskOperation[]> => [{ taskId: 't', operation: { kind: 'g2a_mint', to: await userAddress(), amount: G2A.toString() } }];
    const a = await chain.sign(await ops(), 60);
    const b = await chain.sign(await ops(), 60);
    assert.equal(a.seqno, b.seqno);
    await chain.submit(a.messageBoc);
    await assert.rejects(chain.submit(b.messageBoc), /did not accept/);
  });

  it('given a message past its valid_until, then the wallet refuses it: the recovery rule (re-sign after expiry) is safe', async () => {
    const ops: TaskOperation[] = [{ taskId: 'late', operation: { kind: 'g2a_mint', to: await userAddress(), amount: G2A.toString() } }];
    const signed = await chain.sign(ops, 10);
    now += 11;
    await assert.rejects(chain.submit(signed.messageBoc), /did not accept/);
    assert.equal(await chain.findConfirmation(sent(signed, ops)), null);
  });

  it('given balances on chain, when the emulator is reopened from its state directory, then they are still there', async () => {
    const carol = await userAddress();
    const ops: TaskOperation[] = [{ taskId: 'keep', operation: { kind: 'g2a_mint', to: carol, amount: (7n * G2A).toString() } }];
    const signed = await chain.sign(ops, 60);
    await chain.submit(signed.messageBoc);
    const reopened = await EmulatorChain.open({ stateDir, wallet, publicUrl: 'http://localhost:3000', now: () => now });
    assert.equal(await reopened.jettonBalance(Address.parse(carol)), 7n * G2A);
    assert.equal(await reopened.seqno(), await chain.seqno());
    assert.ok(await reopened.findConfirmation(sent(signed, ops)), 'confirmations survive too');
  });
});
