import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Address } from '@ton/core';
import { mnemonicNew } from '@ton/crypto';
import { WalletContractV5R1 } from '@ton/ton';
import { signBatch } from '../../../adapters/ton/batch-signing.js';
import type { ChainReads } from '../../../adapters/ton/chain-reads.js';
import { GatewayContracts } from '../../../adapters/ton/gateway-contracts.js';
import { HotWallet, NETWORK_ID } from '../../../adapters/ton/hot-wallet.js';
import type { TaskOperation } from '../../../commands/blockchain/ports/gateway-chain.js';

const someone = () => WalletContractV5R1.create({ publicKey: randomBytes(32), walletId: { networkGlobalId: NETWORK_ID.mainnet } }).address.toString({ bounceable: false });

describe('Signing a batch (the Signing Engine, without a chain)', () => {
  let wallet: HotWallet;
  let reads: ChainReads;
  const failingLookups = new Set<bigint>();

  before(async () => {
    wallet = await HotWallet.fromMnemonic((await mnemonicNew(24)).join(' '), NETWORK_ID.mainnet);
    const contracts = new GatewayContracts(wallet.address, 'http://localhost:3000');
    reads = {
      contracts,
      seqno: async () => 7,
      jettonWalletOf: async (owner: Address) => contracts.jettonWalletAddress(owner),
      nextItemIndex: async () => 40n,
      badgeAddress: async (index: bigint) => {
        if (failingLookups.has(index)) throw new Error('get method get_nft_address_by_index failed: exit code -13');
        return Address.parse(someone());
      },
    } as unknown as ChainReads;
  });

  it('given an upgrade whose badge lookup fails, when signed with others, then that task alone is deferred (a transient failure) and the others keep their places and item indexes', async () => {
    failingLookups.add(3n);
    const to = someone();
    const ops: TaskOperation[] = [
      { taskId: 'badge-a', operation: { kind: 'nft_mint', to, userId: 'a', badge: 'b', level: 1 } },
      { taskId: 'stuck', operation: { kind: 'nft_upgrade', to, userId: 'a', badge: 'b', level: 2, retiredItemIndex: '3' } },
      { taskId: 'up', operation: { kind: 'nft_upgrade', to, userId: 'a', badge: 'b', level: 2, retiredItemIndex: '4' } },
      { taskId: 'mint', operation: { kind: 'g2a_mint', to, amount: '5' } },
    ];
    const signed = await signBatch(reads, wallet, ops, 1_800_000_000);
    assert.match(signed.deferred?.stuck ?? '', /could not look up badge 3/);
    assert.deepEqual(signed.refused, {});
    assert.deepEqual(signed.actions, { 'badge-a': [0], up: [1, 2], mint: [3] });
    assert.deepEqual(signed.itemIndexes, { 'badge-a': '40', up: '41' }, 'no item index is spent on a task left out');
    assert.equal(signed.seqno, '7');
    assert.ok(signed.messageBoc.length > 0);
  });
});
