import { Address, type Transaction } from '@ton/core';
import { TonClient } from '@ton/ton';
import { ChainError, type BatchConfirmation, type GatewayChain, type OperationOutcome, type SentBatch, type SignedBatch, type TaskOperation } from '../../commands/blockchain/gateway-chain.js';
import { judgeTask, summarize, type FoundMessage, type TxSummary } from './batch-judging.js';
import { signBatch } from './batch-signing.js';
import { ChainReads } from './chain-reads.js';
import { GatewayContracts, toRelaxed } from './gateway-contracts.js';
import { normalizedExternalHash, type HotWallet } from './hot-wallet.js';

export interface NetworkChainOptions {
  /** toncenter v2 JSON-RPC endpoint (`https://toncenter.com/api/v2/jsonRPC`, testnet, or your own). */
  readonly endpoint: string;
  readonly apiKey?: string;
  readonly wallet: HotWallet;
  readonly publicUrl: string;
  /** Unix seconds: chain time as the gateway sees it (validity windows are measured with it). */
  readonly now: () => number;
  readonly timeoutMs?: number;
}

/** How far the cascade of a message is followed (wallet → minter → recipient's jetton wallet → notices). */
const CASCADE_DEPTH = 3;
/** A message found on chain whose cascade is not complete after this long is judged as it stands. */
const CASCADE_PATIENCE_SECONDS = 600;

/**
 * The gateway's chain on a TON network through `@ton/ton`'s TonClient (toncenter v2): the same
 * contracts, signing and judging as the emulator (adapters/ton/batch-*.ts). A message is found
 * among the hot wallet's transactions by its normalized hash (paging back as far as its
 * validity window needs), then each action is followed to the transactions it caused, by
 * (sender, creation lt). HTTP 429 / 5xx / timeouts / an external the wallet did not accept are
 * transient; an operation refused on chain is permanent.
 */
export class NetworkChain implements GatewayChain {
  readonly reads: ChainReads;
  readonly contracts: GatewayContracts;
  private readonly client: TonClient;

  constructor(private readonly options: NetworkChainOptions) {
    this.client = new TonClient({ endpoint: options.endpoint, timeout: options.timeoutMs ?? 10_000, ...(options.apiKey ? { apiKey: options.apiKey } : {}) });
    this.contracts = new GatewayContracts(options.wallet.address, options.publicUrl);
    this.reads = new ChainReads((address) => this.client.provider(address), this.contracts);
  }

  async chainTime(): Promise<number> {
    return this.options.now();
  }

  /**
   * First start on a network: deploy the G2A minter and the badge collection if they are not
   * active yet (the hot wallet must hold TON). Their addresses follow from the hot wallet and
   * GATEWAY_PUBLIC_URL, so every process computes the same ones.
   */
  async ensureDeployed(): Promise<{ deployed: boolean }> {
    return guard(async () => {
      const active = await Promise.all([this.reads.isActive(this.contracts.minter.address), this.reads.isActive(this.contracts.collection.address)]);
      if (active.every(Boolean)) return { deployed: false };
      const seqno = await this.reads.seqno(this.options.wallet);
      const signed = this.options.wallet.sign(seqno, [this.contracts.deployMinter(), this.contracts.deployCollection()].map(toRelaxed), this.options.now() + 60);
      await this.client.sendFile(Buffer.from(signed.boc, 'base64'));
      return { deployed: true };
    });
  }

  sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch> {
    return guard(() => signBatch(this.reads, this.options.wallet, operations, this.options.now() + validForSeconds));
  }

  submit(messageBoc: string): Promise<void> {
    return guard(() => this.client.sendFile(Buffer.from(messageBoc, 'base64')));
  }

  deployedPublicKey(address: Address): Promise<Buffer | null> {
    return guard(() => this.reads.publicKey(address));
  }

  findConfirmation(batch: SentBatch): Promise<BatchConfirmation | null> {
    return guard(async () => {
      const walletTx = await this.findWalletTransaction(batch);
      if (!walletTx) return null;
      const found = await this.cascade(walletTx);
      const outcomes: Record<string, OperationOutcome> = {};
      for (const task of batch.tasks) outcomes[task.taskId] = await judgeTask(this.reads, task, found);
      return { txHash: walletTx.hash().toString('hex'), lt: walletTx.lt.toString(), outcomes };
    });
  }

  /** The wallet's transaction that executed the message, newest first, back to before it could have landed. */
  private async findWalletTransaction(batch: SentBatch): Promise<Transaction | null> {
    const wallet = this.options.wallet.address;
    const oldestPossible = batch.validUntil - 3600; // signed at most an hour before it expires
    let cursor: { lt: string; hash: string } | undefined;
    for (let page = 0; page < 50; page++) {
      const txs = await this.client.getTransactions(wallet, { limit: 50, archival: true, ...(cursor ? { ...cursor, inclusive: false } : {}) });
      for (const tx of txs) {
        const message = tx.inMessage;
        if (message?.info.type === 'external-in' && normalizedExternalHash(message.info.dest as Address, message.body) === batch.messageHash) return tx;
      }
      const last = txs[txs.length - 1];
      if (!last || txs.length < 50 || last.now < oldestPossible) return null;
      cursor = { lt: last.lt.toString(), hash: last.hash().toString('base64') };
    }
    return null;
  }

  /** Each out message of the wallet's transaction followed to the transactions it caused. */
  private async cascade(walletTx: Transaction): Promise<FoundMessage> {
    const actions: Record<number, TxSummary> = {};
    let complete = true;
    for (const key of walletTx.outMessages.keys()) {
      const out = walletTx.outMessages.get(key)!;
      if (out.info.type !== 'internal') continue;
      const node = await this.follow(this.options.wallet.address, out.info.dest, out.info.createdLt, CASCADE_DEPTH);
      if (node.summary) actions[key] = node.summary;
      complete &&= node.complete;
    }
    if (!complete && this.options.now() - walletTx.now < CASCADE_PATIENCE_SECONDS) {
      throw new ChainError('transient', 'the message is on chain; the transactions it causes are still in flight');
    }
    return { txHash: walletTx.hash().toString('hex'), lt: walletTx.lt.toString(), actions };
  }

  private async follow(source: Address, dest: Address, createdLt: bigint, depth: number): Promise<{ summary?: TxSummary; complete: boolean }> {
    const txs = await this.client.getTransactions(dest, { limit: 50, archival: true });
    const tx = txs.find((candidate) => {
      const info = candidate.inMessage?.info;
      return info?.type === 'internal' && info.src.equals(source) && info.createdLt === createdLt;
    });
    if (!tx) return { complete: false };
    const children: TxSummary[] = [];
    let complete = true;
    if (depth > 1) {
      for (const key of tx.outMessages.keys()) {
        const out = tx.outMessages.get(key)!;
        if (out.info.type !== 'internal') continue;
        const child = await this.follow(dest, out.info.dest, out.info.createdLt, depth - 1);
        if (child.summary) children.push(child.summary);
        complete &&= child.complete;
      }
    }
    return { summary: summarize(tx, children), complete };
  }
}

/** Errors of the client as the dispatcher needs them: transient (retry) or permanent (fail the task). */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asChainError(error);
  }
}

export function asChainError(error: unknown): ChainError {
  if (error instanceof ChainError) return error;
  const axios = error as { isAxiosError?: boolean; response?: { status?: number; data?: { error?: string } }; code?: string; message?: string };
  if (axios.isAxiosError) {
    const status = axios.response?.status;
    const detail = axios.response?.data?.error ?? axios.message ?? 'no answer';
    if (status === undefined) return new ChainError('transient', `TON endpoint unreachable or timed out (${axios.code ?? 'network error'}): ${detail}`);
    if (status === 429) return new ChainError('transient', `TON endpoint rate limit (429): ${detail}`);
    if (status >= 500) return new ChainError('transient', `TON endpoint error ${status}: ${detail}`);
    if (status === 401 || status === 403) return new ChainError('transient', `TON endpoint refused the API key (${status}): ${detail}`);
    return new ChainError('permanent', `TON endpoint refused the request (${status}): ${detail}`);
  }
  return new ChainError('transient', error instanceof Error ? error.message : String(error));
}

