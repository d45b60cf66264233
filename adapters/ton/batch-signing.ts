import { Address } from '@ton/core';
import { ChainError, type SignedBatch, type TaskOperation } from '../../commands/blockchain/gateway-chain.js';
import type { ChainReads } from './chain-reads.js';
import { toRelaxed, type OutgoingMessage } from './gateway-contracts.js';
import type { HotWallet } from './hot-wallet.js';

/**
 * The Signing Engine's batch: several tasks' operations as the actions of one W5R1 external
 * message for the wallet's current seqno (the same on the emulator and on a network). Each
 * action carries query id `seqno·1000 + position`, so it can be recognised on chain.
 */
export async function signBatch(reads: ChainReads, wallet: HotWallet, operations: readonly TaskOperation[], validUntil: number): Promise<SignedBatch> {
  const { contracts } = reads;
  const seqno = await reads.seqno(wallet);
  const hotJettonWallet = await reads.jettonWalletOf(wallet.address);
  let nextIndex = await reads.nextItemIndex();
  const messages: OutgoingMessage[] = [];
  const actions: Record<string, number[]> = {};
  const itemIndexes: Record<string, string> = {};
  const refused: Record<string, string> = {};
  for (const { taskId, operation } of operations) {
    let to: Address;
    try {
      to = Address.parse(operation.to);
    } catch {
      refused[taskId] = `invalid address ${operation.to}`;
      continue;
    }
    const queryId = BigInt(seqno) * 1000n + BigInt(messages.length);
    const positions: number[] = [];
    const add = (message: OutgoingMessage) => positions.push(messages.push(message) - 1);
    switch (operation.kind) {
      case 'g2a_mint':
        add(await contracts.mintJettons(to, BigInt(operation.amount), queryId));
        break;
      case 'g2a_transfer':
        add(await contracts.transferJettons(hotJettonWallet, to, BigInt(operation.amount), queryId));
        break;
      case 'nft_upgrade': {
        add(contracts.revokeBadge(await reads.badgeAddress(BigInt(operation.retiredItemIndex)), queryId));
        itemIndexes[taskId] = nextIndex.toString();
        add(await contracts.mintBadge(to, nextIndex++, queryId + 1n));
        break;
      }
      case 'nft_mint':
        itemIndexes[taskId] = nextIndex.toString();
        add(await contracts.mintBadge(to, nextIndex++, queryId));
        break;
    }
    actions[taskId] = positions;
  }
  if (messages.length > 255) throw new ChainError('permanent', 'more than 255 actions in one message');
  const signed = wallet.sign(seqno, messages.map(toRelaxed), validUntil);
  return { messageHash: signed.normalizedHash, seqno: String(seqno), validUntil, messageBoc: signed.boc, itemIndexes, actions, refused };
}
