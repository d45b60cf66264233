import { Address, type Message, type Transaction } from '@ton/core';
import type { OperationOutcome, SentBatch } from '../../commands/blockchain/ports/gateway-chain.js';
import type { ChainReads } from './chain-reads.js';

/** One transaction of a message's cascade, as much as judging an operation needs. */
export interface TxSummary {
  readonly address: string;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly children: readonly TxSummary[];
}

/** What was found on chain for a signed message: the wallet's transaction and each action's cascade. */
export interface FoundMessage {
  readonly txHash: string;
  readonly lt: string;
  /** The cascade under each out message of the hot wallet's transaction, by action position. */
  readonly actions: Readonly<Record<number, TxSummary>>;
}

/**
 * Which action of its message an out message of the hot wallet is: every action body starts
 * with op (32 bits) and query id (64 bits), and the query id is `seqno·1000 + position`
 * (batch-signing.ts). Matching by query id rather than by out-message index keeps positions
 * right when the wallet skipped an action (W5R1 sends with IGNORE_ERRORS: a message it cannot
 * pay for is left out, and the ones after it move up).
 */
export function actionPosition(message: Message, index: number): number {
  const body = message.body.beginParse();
  if (body.remainingBits < 96) return index;
  body.skip(32);
  return Number(body.loadUintBig(64) % 1000n);
}

export function summarize(tx: Transaction, children: readonly TxSummary[] = []): TxSummary {
  const description = tx.description;
  const aborted = description.type === 'generic' ? description.aborted : false;
  const compute = description.type === 'generic' ? description.computePhase : undefined;
  const exitCode = compute?.type === 'vm' ? compute.exitCode : null;
  const success = compute?.type === 'vm' ? compute.success : false;
  const address = tx.inMessage?.info.dest instanceof Address ? tx.inMessage.info.dest.toRawString() : '';
  return { address, ok: !aborted && success, exitCode, children };
}

function find(node: TxSummary, address: string): TxSummary | undefined {
  if (node.address === address) return node;
  for (const child of node.children) {
    const hit = find(child, address);
    if (hit) return hit;
  }
  return undefined;
}

function firstFailure(node: TxSummary): TxSummary | undefined {
  if (!node.ok) return node;
  for (const child of node.children) {
    const hit = firstFailure(child);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Did each action of the task reach its goal (the recipient's jetton wallet, the badge item)?
 * Judged per operation, since harmless side transactions of a good flow show as aborted (a
 * notification without gas), so "every transaction succeeded" would give false failures.
 */
export async function judgeTask(reads: ChainReads, task: SentBatch['tasks'][number], found: FoundMessage): Promise<OperationOutcome> {
  const { operation } = task;
  const reached = (position: number | undefined, target: Address): OperationOutcome | null => {
    const root = position === undefined ? undefined : found.actions[position];
    if (!root) return { ok: false, error: 'the hot wallet could not send the message (insufficient TON balance?)', permanent: true };
    const hit = find(root, target.toRawString());
    if (hit?.ok) return null;
    const failed = hit ?? firstFailure(root);
    return { ok: false, error: `refused on chain${failed ? ` by ${failed.address} (exit code ${failed.exitCode ?? 'none'})` : ''}`, permanent: true };
  };
  const to = Address.parse(operation.to);
  switch (operation.kind) {
    case 'g2a_mint':
    case 'g2a_transfer': {
      const jettonWallet = await reads.jettonWalletOf(to);
      const failure = reached(task.actions[0], jettonWallet);
      if (failure) return operation.kind === 'g2a_transfer' && !failure.ok ? { ...failure, error: `${failure.error}: insufficient jetton balance or refused transfer` } : failure;
      // reached: the recipient's jetton wallet exists
      return { ok: true, result: { balanceAfter: (await reads.activeJettonWalletBalance(jettonWallet)).toString() } };
    }
    case 'nft_mint':
    case 'nft_upgrade': {
      const index = BigInt(task.itemIndex ?? '-1');
      if (operation.kind === 'nft_upgrade') {
        const failure = reached(task.actions[0], await reads.badgeAddress(BigInt(operation.retiredItemIndex)));
        if (failure) return failure;
      }
      const item = await reads.badge(index);
      const failure = reached(task.actions[task.actions.length - 1], item.address);
      if (failure) return failure;
      if (!item.owner?.equals(to)) return { ok: false, error: `badge ${index} is not owned by ${operation.to}`, permanent: true };
      return { ok: true, result: { onchainTokenId: index.toString(), itemAddress: item.address.toString() } };
    }
  }
}
