import { Address, Cell, fromNano, toNano, type Transaction } from '@ton/core';
import { TonClient } from '@ton/ton';
import { ChainError, type BatchConfirmation, type GatewayChain, type OperationOutcome, type SentBatch, type SignedBatch, type TaskOperation } from '../../commands/blockchain/ports/gateway-chain.js';
import { actionPosition, judgeTask, summarize, type FoundMessage, type TxSummary } from './batch-judging.js';
import { signBatch } from './batch-signing.js';
import { ChainReads } from './chain-reads.js';
import { CONTRACT_CODE_HASHES, GatewayContracts, toRelaxed, type OutgoingMessage } from './gateway-contracts.js';
import { NETWORK_ID, normalizedExternalHash, type HotWallet } from './hot-wallet.js';
import { toncenterTransport } from './toncenter-transport.js';

export interface NetworkChainOptions {
  /** toncenter v2 JSON-RPC endpoint (`https://toncenter.com/api/v2/jsonRPC`, testnet, or your own). */
  readonly endpoint: string;
  readonly apiKey?: string;
  readonly wallet: HotWallet;
  readonly publicUrl: string;
  /** Unix seconds: chain time as the gateway sees it (validity windows are measured with it). */
  readonly now: () => number;
  readonly timeoutMs?: number;
  /** Requests per second the endpoint allows; default 10 with an API key, 1 without (toncenter's free limits). */
  readonly requestsPerSecond?: number;
  /** Times a 429 / 502 / 503 / 504 / unanswered request is tried again before it fails (default 3). */
  readonly retries?: number;
  readonly retryBaseMs?: number;
  /** The G2A minter deployed before (TON_JETTON_MINTER); absent: derived from the hot wallet and the URL, deployed on first use. */
  readonly minter?: Address;
  /** The badge collection deployed before (TON_NFT_COLLECTION); absent: derived, deployed on first use. */
  readonly collection?: Address;
}

/** Where the gateway's contracts stand on the network. */
export type Deployment =
  | { readonly status: 'ready' }
  | { readonly status: 'deploying'; readonly contracts: readonly string[] };

/** How far the cascade of a message is followed: wallet → minter / hot jetton wallet / collection → the recipient's jetton wallet / the item. */
const CASCADE_DEPTH = 2;
/** A message found on chain whose cascade is not complete after this long is judged as it stands. */
const CASCADE_PATIENCE_SECONDS = 600;
/** How far the chain time used for expiry trails the endpoint's last synced block. */
const CHAIN_TIME_MARGIN_SECONDS = 30;
/** toncenter serves at most 100 transactions per call. */
const PAGE = 100;
/** How many pages of one account's history a confirmation reads at most (busy minter: 2,000 transactions since the message). */
const MAX_PAGES = 20;
/** What the hot wallet needs at least to deploy the contracts (0.1 TON each, plus fees). */
const DEPLOY_RESERVE = toNano('0.3');

/**
 * The gateway's chain on a TON network through `@ton/ton`'s TonClient (toncenter v2): the same
 * contracts, signing and judging as the emulator (adapters/ton/batch-*.ts).
 *
 * - Contracts: before the first signature the minter and the collection are checked — active,
 *   the reviewed code (CONTRACT_CODE_HASHES), administered by the hot wallet. Derived ones that
 *   are not active yet are deployed by the hot wallet (tasks wait, transient, until they are);
 *   pinned ones (TON_JETTON_MINTER / TON_NFT_COLLECTION) are never deployed here.
 * - Confirmation: the message is found among the hot wallet's transactions by its normalized
 *   hash (paging back as far as its validity window needs), then each action is followed to
 *   the transaction it caused by (sender, creation lt), in the destination's history after the
 *   wallet's transaction (`to_lt`), one read per account however many actions go there.
 * - Errors: HTTP 429 / 5xx / timeouts / a refused API key / an external the wallet did not
 *   accept are transient (toncenter-transport.ts); an operation refused on chain is permanent.
 */
export class NetworkChain implements GatewayChain {
  readonly reads: ChainReads;
  readonly contracts: GatewayContracts;
  private readonly client: TonClient;
  private checked: Promise<void> | null = null;
  /** A deploy message on its way: not sent again before it expires. */
  private deployingUntil = 0;

  constructor(private readonly options: NetworkChainOptions) {
    const timeout = options.timeoutMs ?? 10_000;
    this.client = new TonClient({
      endpoint: options.endpoint,
      timeout,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      httpAdapter: toncenterTransport({
        requestsPerSecond: options.requestsPerSecond ?? (options.apiKey ? 10 : 1),
        timeoutMs: timeout,
        ...(options.retries !== undefined ? { retries: options.retries } : {}),
        ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      }),
    });
    this.contracts = new GatewayContracts(options.wallet.address, options.publicUrl, {
      ...(options.minter ? { minter: options.minter } : {}),
      ...(options.collection ? { collection: options.collection } : {}),
    });
    this.reads = new ChainReads((address) => this.client.provider(address), this.contracts);
  }

  /** An address as a user of this network writes it (testnet addresses are flagged test-only). */
  show(address: Address, bounceable = true): string {
    return address.toString({ bounceable, testOnly: this.options.wallet.contract.walletId.networkGlobalId === NETWORK_ID.testnet });
  }

  /**
   * Chain time for the recovery rule ("past valid_until and not found: it can never land"): the
   * endpoint's last synced block time read *before* the last look that did not find a message,
   * less a margin for endpoints that balance over liteservers not equally synced. Read any
   * later, a message landing between the look and the read could be taken for lost and its
   * tasks signed again with the next seqno — executed twice.
   */
  async chainTime(): Promise<number> {
    return this.lookedAt ?? (await guard(() => this.syncTime())) - CHAIN_TIME_MARGIN_SECONDS;
  }

  private lookedAt: number | null = null;

  private async syncTime(): Promise<number> {
    return (await this.client.getContractState(this.options.wallet.address)).timestampt;
  }

  /**
   * Start-up: check the contracts, deploying the derived ones that are not active yet. Never
   * throws for a contract on its way: `deploying` says which. Throws what the tasks would meet
   * (a pinned contract that is not ours, an unfunded hot wallet, an endpoint that does not answer).
   */
  async ensureDeployed(): Promise<Deployment> {
    try {
      await this.ready();
      return { status: 'ready' };
    } catch (error) {
      if (error instanceof Deploying) return { status: 'deploying', contracts: error.contracts };
      throw error;
    }
  }

  async sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch> {
    await this.ready();
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
      const syncedAt = await this.syncTime();
      const walletTx = await this.findWalletTransaction(batch);
      if (!walletTx) {
        this.lookedAt = syncedAt - CHAIN_TIME_MARGIN_SECONDS;
        return null;
      }
      const found = await this.cascade(walletTx);
      const outcomes: Record<string, OperationOutcome> = {};
      await Promise.all(batch.tasks.map(async (task) => (outcomes[task.taskId] = await judgeTask(this.reads, task, found))));
      return { txHash: walletTx.hash().toString('hex'), lt: walletTx.lt.toString(), outcomes };
    });
  }

  /** The contracts are checked once; a failed check is done again on the next call. */
  private ready(): Promise<void> {
    this.checked ??= guard(() => this.checkContracts()).catch((error: unknown) => {
      this.checked = null;
      throw error;
    });
    return this.checked;
  }

  private async checkContracts(): Promise<void> {
    const { minter, collection } = this.contracts;
    const [minterState, collectionState] = await Promise.all([this.client.getContractState(minter.address), this.client.getContractState(collection.address)]);
    const missing: { name: string; deploy: OutgoingMessage }[] = [];
    for (const [name, variable, address, state, deploy] of [
      ['G2A minter', 'TON_JETTON_MINTER', minter.address, minterState, this.contracts.deployMinter()],
      ['badge collection', 'TON_NFT_COLLECTION', collection.address, collectionState, this.contracts.deployCollection()],
    ] as const) {
      if (state.state === 'active') continue;
      if (!deploy) throw new ChainError('transient', `${variable}=${this.show(address)} is not an active contract on this network (${state.state}): deploy it, or unset ${variable} to let the gateway deploy its own`);
      missing.push({ name: `the ${name} ${this.show(address)}`, deploy });
    }
    if (missing.length > 0) return this.deploy(missing);

    const problems: string[] = [];
    const codeHash = (code: Buffer | null) => (code ? Cell.fromBoc(code)[0]!.hash().toString('hex') : '');
    if (codeHash(minterState.code) !== CONTRACT_CODE_HASHES.jettonMinter) problems.push(`the G2A minter ${this.show(minter.address)} does not run the standard jetton minter code`);
    if (codeHash(collectionState.code) !== CONTRACT_CODE_HASHES.sbtCollection) problems.push(`the badge collection ${this.show(collection.address)} does not run the standard SBT collection code`);
    if (problems.length === 0) {
      const [minterData, collectionData] = await Promise.all([minter.getData(this.client.provider(minter.address)), collection.getData(this.client.provider(collection.address))]);
      const admin = this.options.wallet.address;
      if (!minterData.adminAddress?.equals(admin)) problems.push(`the G2A minter ${this.show(minter.address)} is administered by ${minterData.adminAddress ? this.show(minterData.adminAddress) : 'nobody'}, not by the hot wallet ${this.show(admin, false)}`);
      if (minterData.jettonWalletCode.hash().toString('hex') !== CONTRACT_CODE_HASHES.jettonWallet) problems.push(`the G2A minter ${this.show(minter.address)} does not use the standard jetton wallet code`);
      if (!collectionData.owner?.equals(admin)) problems.push(`the badge collection ${this.show(collection.address)} is owned by ${collectionData.owner ? this.show(collectionData.owner) : 'nobody'}, not by the hot wallet ${this.show(admin, false)}`);
    }
    if (problems.length > 0) throw new ChainError('permanent', `${problems.join('; ')} (check TON_JETTON_MINTER / TON_NFT_COLLECTION and TON_MNEMONIC)`);
  }

  /** Deploy what is missing in one message of the hot wallet; the caller waits (transient) until it is active. */
  private async deploy(missing: readonly { name: string; deploy: OutgoingMessage }[]): Promise<never> {
    const names = missing.map((m) => m.name);
    const now = this.options.now();
    if (now <= this.deployingUntil) throw new Deploying(names);
    const wallet = this.options.wallet;
    const { balance } = await this.client.getContractState(wallet.address);
    if (balance < DEPLOY_RESERVE) {
      throw new ChainError('transient', `the hot wallet ${this.show(wallet.address, false)} holds ${fromNano(balance)} TON: send it TON so it can deploy ${names.join(' and ')}`);
    }
    const seqno = await this.reads.seqno(wallet);
    const signed = wallet.sign(seqno, missing.map((m) => toRelaxed(m.deploy)), now + 60);
    await this.client.sendFile(Buffer.from(signed.boc, 'base64'));
    this.deployingUntil = signed.validUntil;
    throw new Deploying(names);
  }

  /** The wallet's transaction that executed the message, newest first, back to before it could have landed. */
  private async findWalletTransaction(batch: SentBatch): Promise<Transaction | null> {
    const oldestPossible = batch.validUntil - 3600; // signed at most an hour before it expires
    for await (const tx of this.history(this.options.wallet.address, { stopAtTime: oldestPossible })) {
      const message = tx.inMessage;
      if (message?.info.type === 'external-in' && normalizedExternalHash(message.info.dest as Address, message.body) === batch.messageHash) return tx;
    }
    return null;
  }

  /** Each out message of the wallet's transaction followed to the transactions it caused, keyed by action position. */
  private async cascade(walletTx: Transaction): Promise<FoundMessage> {
    const histories = new AccountHistories((address) => this.history(address, { afterLt: walletTx.lt }));
    const actions: Record<number, TxSummary> = {};
    let complete = true;
    await Promise.all(
      [...walletTx.outMessages.keys()].map(async (key) => {
        const out = walletTx.outMessages.get(key)!;
        if (out.info.type !== 'internal') return;
        const node = await this.follow(histories, this.options.wallet.address, out.info.dest, out.info.createdLt, CASCADE_DEPTH);
        if (node.summary) actions[actionPosition(out, key)] = node.summary;
        complete &&= node.complete;
      }),
    );
    if (!complete && this.options.now() - walletTx.now < CASCADE_PATIENCE_SECONDS) {
      throw new ChainError('transient', 'the message is on chain; the transactions it causes are still in flight');
    }
    return { txHash: walletTx.hash().toString('hex'), lt: walletTx.lt.toString(), actions };
  }

  private async follow(histories: AccountHistories, source: Address, dest: Address, createdLt: bigint, depth: number): Promise<{ summary?: TxSummary; complete: boolean }> {
    const tx = (await histories.of(dest)).find((candidate) => {
      const info = candidate.inMessage?.info;
      return info?.type === 'internal' && info.src.equals(source) && info.createdLt === createdLt;
    });
    if (!tx) return { complete: false };
    let complete = true;
    const children: TxSummary[] = [];
    if (depth > 1) {
      const nodes = await Promise.all(
        [...tx.outMessages.values()].flatMap((out) => (out.info.type === 'internal' ? [this.follow(histories, dest, out.info.dest, out.info.createdLt, depth - 1)] : [])),
      );
      for (const node of nodes) {
        if (node.summary) children.push(node.summary);
        complete &&= node.complete;
      }
    }
    return { summary: summarize(tx, children), complete };
  }

  /**
   * An account's transactions, newest first, page by page: those after `afterLt` (`to_lt`,
   * exclusive, as toncenter reads it), or back to the first one older than `stopAtTime`.
   */
  private async *history(address: Address, bound: { afterLt?: bigint; stopAtTime?: number }): AsyncGenerator<Transaction> {
    let cursor: { lt: string; hash: string } | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const txs = await this.client.getTransactions(address, {
        limit: PAGE,
        archival: true,
        ...(bound.afterLt !== undefined ? { to_lt: bound.afterLt.toString() } : {}),
        ...(cursor ? { ...cursor, inclusive: true } : {}),
      });
      const fresh = cursor ? txs.slice(1) : txs; // inclusive paging repeats the cursor (a limit of 100 stays within toncenter's)
      for (const tx of fresh) {
        if (bound.afterLt !== undefined && tx.lt <= bound.afterLt) return;
        yield tx;
      }
      const last = txs[txs.length - 1];
      if (!last || txs.length < PAGE || (bound.stopAtTime !== undefined && last.now < bound.stopAtTime)) return;
      cursor = { lt: last.lt.toString(), hash: last.hash().toString('base64') };
    }
  }
}

/** One confirmation's reads of account histories: each account read once, however many actions go there. */
class AccountHistories {
  private readonly read = new Map<string, Promise<Transaction[]>>();
  constructor(private readonly load: (address: Address) => AsyncGenerator<Transaction>) {}

  of(address: Address): Promise<Transaction[]> {
    const key = address.toRawString();
    let txs = this.read.get(key);
    if (!txs) {
      txs = (async () => {
        const all: Transaction[] = [];
        for await (const tx of this.load(address)) all.push(tx);
        return all;
      })();
      this.read.set(key, txs);
    }
    return txs;
  }
}

/** The contracts are on their way (a transient state: tasks wait and retry). */
class Deploying extends ChainError {
  constructor(readonly contracts: readonly string[]) {
    super('transient', `deploying ${contracts.join(' and ')}; tasks wait until they are active`);
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

/**
 * What is not already a ChainError (the transport throws those for HTTP failures): toncenter's
 * `{ ok: false }` in a 200, a get-method that failed (e.g. on an account that is not active),
 * a malformed answer. All transient: the next round reads again.
 */
export function asChainError(error: unknown): ChainError {
  if (error instanceof ChainError) return error;
  return new ChainError('transient', error instanceof Error ? error.message : String(error));
}
