import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Blockchain, snapshotFromSerializable, snapshotToSerializable, type BlockchainTransaction } from '@ton/sandbox';
import { Address, Cell, loadMessage, toNano } from '@ton/core';
import { ChainError, type BatchConfirmation, type GatewayChain, type OperationOutcome, type SentBatch, type SignedBatch, type TaskOperation } from '../../commands/blockchain/ports/gateway-chain.js';
import { actionPosition, judgeTask, summarize, type FoundMessage as StoredConfirmation, type TxSummary } from './batch-judging.js';
import { signBatch } from './batch-signing.js';
import { ChainReads, type BadgeState } from './chain-reads.js';
import { GatewayContracts, toRelaxed } from './gateway-contracts.js';
import { normalizedExternalHash, type HotWallet } from './hot-wallet.js';

export interface EmulatorChainOptions {
  /** Where the emulator's state is kept (DATA_DIR/ton); undefined keeps it in memory (tests). */
  readonly stateDir?: string;
  readonly wallet: HotWallet;
  readonly publicUrl: string;
  /** Chain time in unix seconds (the injected clock). */
  readonly now: () => number;
  /** Initial G2A reserve of the hot wallet (jetton units) for transfers. */
  readonly reserve?: bigint;
}

/**
 * TON's real transaction emulator (@ton/sandbox) in the process, as the gateway's chain: the
 * same contracts and signed messages as on a network. Its state is saved after each message
 * (DATA_DIR/ton/emulator-state.json), so balances survive a restart; the saved file grows with
 * every transaction (about 10 kB each), which suits the embedded default, not production.
 */
export class EmulatorChain implements GatewayChain {
  private readonly confirmations = new Map<string, StoredConfirmation>();
  private readonly reads: ChainReads;
  /** True when this open found no saved state and bootstrapped a new chain. */
  bootstrapped = false;

  private constructor(
    readonly blockchain: Blockchain,
    readonly contracts: GatewayContracts,
    private readonly options: EmulatorChainOptions,
  ) {
    this.reads = new ChainReads((address) => blockchain.provider(address), contracts);
  }

  static async open(options: EmulatorChainOptions): Promise<EmulatorChain> {
    const blockchain = await Blockchain.create();
    const contracts = new GatewayContracts(options.wallet.address, options.publicUrl);
    const chain = new EmulatorChain(blockchain, contracts, options);
    if (!(await chain.load())) {
      await chain.bootstrap();
      chain.bootstrapped = true;
    }
    return chain;
  }

  async chainTime(): Promise<number> {
    return this.options.now();
  }

  /** Seqno of the hot wallet (0 before its first message). */
  async seqno(): Promise<number> {
    this.tick();
    return this.reads.seqno(this.options.wallet);
  }

  async jettonBalance(owner: Address): Promise<bigint> {
    this.tick();
    return this.reads.jettonBalance(owner);
  }

  async badge(index: bigint): Promise<BadgeState> {
    this.tick();
    return this.reads.badge(index);
  }

  /** The public key of a deployed wallet, through its get_public_key get-method. */
  async deployedPublicKey(address: Address): Promise<Buffer | null> {
    this.tick();
    return this.reads.publicKey(address);
  }

  async sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch> {
    this.tick();
    return signBatch(this.reads, this.options.wallet, operations, this.options.now() + validForSeconds);
  }

  async submit(messageBoc: string): Promise<void> {
    this.tick();
    const message = loadMessage(Cell.fromBase64(messageBoc).beginParse());
    if (message.info.type !== 'external-in') throw new ChainError('permanent', 'not an external message');
    const hash = normalizedExternalHash(message.info.dest as Address, message.body);
    if (this.confirmations.has(hash)) return; // already executed: a wallet never runs it twice
    let result;
    try {
      result = await this.blockchain.sendMessage(message);
    } catch (error) {
      // The wallet refused the external (wrong seqno, expired, bad signature): nothing happened.
      throw new ChainError('transient', `the hot wallet did not accept the message: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    const walletTx = result.transactions[0]!;
    this.confirmations.set(hash, {
      txHash: walletTx.hash().toString('hex'),
      lt: walletTx.lt.toString(),
      actions: actionsOf(walletTx),
    });
    await this.save();
  }

  async findConfirmation(batch: SentBatch): Promise<BatchConfirmation | null> {
    this.tick();
    const stored = this.confirmations.get(batch.messageHash);
    if (!stored) return null;
    const outcomes: Record<string, OperationOutcome> = {};
    for (const task of batch.tasks) outcomes[task.taskId] = await judgeTask(this.reads, task, stored);
    return { txHash: stored.txHash, lt: stored.lt, outcomes };
  }

  /** First start: fund the hot wallet, deploy the minter and the collection, mint the G2A reserve. */
  private async bootstrap(): Promise<void> {
    this.tick();
    const funding = await this.blockchain.treasury('ledgerline-funding', { balance: toNano('1000000') });
    await funding.send({ to: this.options.wallet.address, value: toNano('100000'), bounce: false });
    const reserve = await this.contracts.mintJettons(this.options.wallet.address, this.options.reserve ?? 1_000_000_000_000_000n, 0n);
    const signed = this.options.wallet.sign(0, [this.contracts.deployMinter()!, this.contracts.deployCollection()!, reserve].map(toRelaxed), this.options.now() + 60);
    await this.submit(signed.boc);
  }

  private tick(): void {
    this.blockchain.now = this.options.now();
  }

  private statePath(file: string): string | null {
    return this.options.stateDir ? join(this.options.stateDir, file) : null;
  }

  private async save(): Promise<void> {
    const path = this.statePath('emulator-state.json');
    if (!path) return;
    await mkdir(this.options.stateDir!, { recursive: true });
    const state = { snapshot: snapshotToSerializable(this.blockchain.snapshot()), confirmations: Object.fromEntries(this.confirmations) };
    await writeFile(`${path}.tmp`, JSON.stringify(state, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
    await rename(`${path}.tmp`, path);
  }

  private async load(): Promise<boolean> {
    const path = this.statePath('emulator-state.json');
    if (!path) return false;
    const text = await readFile(path, 'utf8').catch(() => null);
    if (!text) return false;
    const state = JSON.parse(text) as { snapshot: Parameters<typeof snapshotFromSerializable>[0]; confirmations: Record<string, StoredConfirmation> };
    await this.blockchain.loadFrom(snapshotFromSerializable(state.snapshot));
    for (const [hash, confirmation] of Object.entries(state.confirmations)) this.confirmations.set(hash, confirmation);
    return true;
  }
}

/** The emulator's cascade of transactions as summaries (children follow the messages). */
function tree(tx: BlockchainTransaction): TxSummary {
  return summarize(tx, tx.children.map(tree));
}

/** The cascade under each out message of the wallet's transaction, keyed by action position. */
function actionsOf(walletTx: BlockchainTransaction): Record<number, TxSummary> {
  const actions: Record<number, TxSummary> = {};
  const outs = walletTx.outMessages;
  for (const key of outs.keys()) {
    const out = outs.get(key)!;
    if (out.info.type !== 'internal') continue;
    const lt = out.info.createdLt;
    const child = walletTx.children.find((c) => c.inMessage?.info.type === 'internal' && c.inMessage.info.createdLt === lt);
    if (child) actions[actionPosition(out, key)] = tree(child);
  }
  return actions;
}
