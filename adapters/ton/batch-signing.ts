import { Address, beginCell, storeMessageRelaxed } from '@ton/core';
import type { SignedBatch, TaskOperation } from '../../commands/blockchain/ports/gateway-chain.js';
import { tonAddressProblem } from '../../domain/blockchain/ton-address.js';
import { operationProblem, type Operation } from '../../domain/blockchain/operation.js';
import type { ChainReads } from './chain-reads.js';
import { toRelaxed, type GatewayContracts, type OutgoingMessage } from './gateway-contracts.js';
import type { HotWallet } from './hot-wallet.js';

/** A W5R1 external message carries at most 255 actions. */
export const MAX_ACTIONS_PER_MESSAGE = 255;

/** What a task's operation needs once checked: parsed address and numbers. */
type Plan =
  | { readonly kind: 'g2a_mint' | 'g2a_transfer'; readonly to: Address; readonly amount: bigint }
  | { readonly kind: 'nft_mint'; readonly to: Address }
  | { readonly kind: 'nft_upgrade'; readonly to: Address; readonly retired: bigint };

/** A task whose operation no message could carry: refused alone, the batch goes on. */
class Unencodable extends Error {}

/**
 * The Signing Engine's batch: several tasks' operations as the actions of one W5R1 external
 * message for the wallet's current seqno (the same on the emulator and on a network). Each
 * action carries query id `seqno·1000 + position`, so it can be recognised on chain.
 *
 * One task cannot spoil the others' message: each operation is checked (address in workchain 0
 * or -1, amount below 2^120, item index within uint64) and built — down to serializing its
 * messages — on its own. A task whose operation fails there is `refused` (a permanent failure of
 * that task) and is not in the message; a get-method read for one task that fails puts that task
 * alone in `deferred` (a transient failure). The wallet's own reads (seqno, next item index)
 * failing is the batch's failure: thrown. Tasks beyond the 255 actions of one message are
 * left out (neither carried nor refused): they wait for the next message.
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
  const deferred: Record<string, string> = {};

  for (const { taskId, operation } of operations) {
    let plan: Plan;
    try {
      plan = planOf(operation);
    } catch (error) {
      refused[taskId] = reasonOf(error);
      continue;
    }
    let retiredItem: Address | undefined;
    if (plan.kind === 'nft_upgrade') {
      try {
        retiredItem = await reads.badgeAddress(plan.retired);
      } catch (error) {
        deferred[taskId] = `could not look up badge ${plan.retired}: ${reasonOf(error)}`;
        continue;
      }
    }
    const position = messages.length;
    const queryId = BigInt(seqno) * 1000n + BigInt(position);
    let own: OutgoingMessage[];
    try {
      own = await build(contracts, plan, { queryId, hotJettonWallet, retiredItem, itemIndex: nextIndex });
      // Serialized here, one task at a time: a message that cannot be encoded fails its task, not the wallet's message.
      for (const message of own) beginCell().store(storeMessageRelaxed(toRelaxed(message))).endCell();
    } catch (error) {
      refused[taskId] = `cannot encode the operation: ${reasonOf(error)}`;
      continue;
    }
    if (position + own.length > MAX_ACTIONS_PER_MESSAGE) continue; // the next message carries it
    messages.push(...own);
    actions[taskId] = own.map((_, i) => position + i);
    if (plan.kind === 'nft_mint' || plan.kind === 'nft_upgrade') itemIndexes[taskId] = (nextIndex++).toString();
  }

  if (messages.length === 0) {
    return { messageHash: '', seqno: String(seqno), validUntil, messageBoc: '', itemIndexes, actions, refused, deferred };
  }
  const signed = wallet.sign(seqno, messages.map(toRelaxed), validUntil);
  return { messageHash: signed.normalizedHash, seqno: String(seqno), validUntil, messageBoc: signed.boc, itemIndexes, actions, refused, deferred };
}

/** Check an operation and parse what its messages need; throws Unencodable saying what is wrong. */
function planOf(operation: Operation): Plan {
  const addressProblem = tonAddressProblem(operation.to);
  if (addressProblem) throw new Unencodable(`invalid address ${operation.to.slice(0, 100)}: ${addressProblem}`);
  const to = Address.parse(operation.to);
  const problem = operationProblem(operation);
  if (problem) throw new Unencodable(`${problem.field} ${problem.message}`);
  switch (operation.kind) {
    case 'g2a_mint':
    case 'g2a_transfer':
      return { kind: operation.kind, to, amount: BigInt(operation.amount) };
    case 'nft_mint':
      return { kind: 'nft_mint', to };
    case 'nft_upgrade':
      return { kind: 'nft_upgrade', to, retired: BigInt(operation.retiredItemIndex) };
    default:
      throw new Unencodable(`unknown operation ${String((operation as { kind?: unknown }).kind)}`);
  }
}

/** The internal messages of one task: one action, or two for an upgrade (revoke the old badge, mint the new). */
async function build(
  contracts: GatewayContracts,
  plan: Plan,
  at: { readonly queryId: bigint; readonly hotJettonWallet: Address; readonly retiredItem: Address | undefined; readonly itemIndex: bigint },
): Promise<OutgoingMessage[]> {
  switch (plan.kind) {
    case 'g2a_mint':
      return [await contracts.mintJettons(plan.to, plan.amount, at.queryId)];
    case 'g2a_transfer':
      return [await contracts.transferJettons(at.hotJettonWallet, plan.to, plan.amount, at.queryId)];
    case 'nft_mint':
      return [await contracts.mintBadge(plan.to, at.itemIndex, at.queryId)];
    case 'nft_upgrade':
      return [contracts.revokeBadge(at.retiredItem!, at.queryId), await contracts.mintBadge(plan.to, at.itemIndex, at.queryId + 1n)];
  }
}

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 500);
}
