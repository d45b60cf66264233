import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Blockchain, snapshotFromSerializable, snapshotToSerializable, type BlockchainTransaction } from '@ton/sandbox';
import { Address, Cell, loadMessage, toNano, type Transaction } from '@ton/core';
import { ChainError, type BatchConfirmation, type GatewayChain, type OperationOutcome, type SentBatch, type SignedBatch, type TaskOperation } from '../../commands/blockchain/gateway-chain.js';
import { GatewayContracts, toRelaxed, type OutgoingMessage } from './gateway-contracts.js';
import { normalizedExternalHash, type HotWallet } from './hot-wallet.js';

/** One transaction of a message's cascade, as much as judging an operation needs. */
interface TxSummary {
  readonly address: string;
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly children: readonly TxSummary[];
}

interface StoredConfirmation {
  readonly txHash: string;
  readonly lt: string;
  /** The cascade under each out message of the hot wallet's transaction, by action position. */
  readonly actions: Readonly<Record<number, TxSummary>>;
}

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

  private constructor(
    readonly blockchain: Blockchain,
    readonly contracts: GatewayContracts,
    private readonly options: EmulatorChainOptions,
  ) {}

  static async open(options: EmulatorChainOptions): Promise<EmulatorChain> {
    const blockchain = await Blockchain.create();
    const contracts = new GatewayContracts(options.wallet.address, options.publicUrl);
    const chain = new EmulatorChain(blockchain, contracts, options);
    if (!(await chain.load())) await chain.bootstrap();
    return chain;
  }

  async chainTime(): Promise<number> {
    return this.options.now();
  }

  /** Seqno of the hot wallet (0 before its first message). */
  async seqno(): Promise<number> {
    this.tick();
    return this.options.wallet.contract.getSeqno(this.blockchain.provider(this.options.wallet.address));
  }

  async jettonBalance(owner: Address): Promise<bigint> {
    this.tick();
    const wallet = await this.contracts.minter.getWalletAddress(this.blockchain.provider(this.contracts.minter.address), owner);
    const account = await this.blockchain.getContract(wallet);
    if (account.accountState?.type !== 'active') return 0n;
    const result = await this.blockchain.runGetMethod(wallet, 'get_wallet_data');
    return result.stackReader.readBigNumber();
  }

  async badge(index: bigint): Promise<{ address: Address; owner: Address | null; revokedAt: number }> {
    this.tick();
    const address = await this.contracts.collection.getItemAddress(this.blockchain.provider(this.contracts.collection.address), index);
    const account = await this.blockchain.getContract(address);
    if (account.accountState?.type !== 'active') return { address, owner: null, revokedAt: 0 };
    const data = await this.blockchain.runGetMethod(address, 'get_nft_data');
    data.stackReader.skip(3);
    const owner = data.stackReader.readAddressOpt();
    const revoked = await this.blockchain.runGetMethod(address, 'get_revoked_time');
    return { address, owner, revokedAt: Number(revoked.stackReader.readBigNumber()) };
  }

  /** The public key of a deployed wallet, through its get_public_key get-method. */
  async deployedPublicKey(address: Address): Promise<Buffer | null> {
    this.tick();
    const account = await this.blockchain.getContract(address);
    if (account.accountState?.type !== 'active') return null;
    const result = await this.blockchain.runGetMethod(address, 'get_public_key');
    return Buffer.from(result.stackReader.readBigNumber().toString(16).padStart(64, '0'), 'hex');
  }

  async sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch> {
    this.tick();
    const seqno = await this.seqno();
    const hotJettonWallet = await this.contracts.minter.getWalletAddress(this.blockchain.provider(this.contracts.minter.address), this.options.wallet.address);
    let nextIndex = (await this.contracts.collection.getData(this.blockchain.provider(this.contracts.collection.address))).nextItemIndex;
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
          add(await this.contracts.mintJettons(to, BigInt(operation.amount), queryId));
          break;
        case 'g2a_transfer':
          add(await this.contracts.transferJettons(hotJettonWallet, to, BigInt(operation.amount), queryId));
          break;
        case 'nft_upgrade': {
          const old = await this.contracts.collection.getItemAddress(this.blockchain.provider(this.contracts.collection.address), BigInt(operation.retiredItemIndex));
          add(this.contracts.revokeBadge(old, queryId));
          itemIndexes[taskId] = nextIndex.toString();
          add(await this.contracts.mintBadge(to, nextIndex++, queryId + 1n));
          break;
        }
        case 'nft_mint':
          itemIndexes[taskId] = nextIndex.toString();
          add(await this.contracts.mintBadge(to, nextIndex++, queryId));
          break;
      }
      actions[taskId] = positions;
    }
    if (messages.length > 255) throw new ChainError('permanent', 'more than 255 actions in one message');
    const validUntil = this.options.now() + validForSeconds;
    const signed = this.options.wallet.sign(seqno, messages.map(toRelaxed), validUntil);
    return { messageHash: signed.normalizedHash, seqno: String(seqno), validUntil, messageBoc: signed.boc, itemIndexes, actions, refused };
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
    const stored = this.confirmations.get(batch.messageHash);
    if (!stored) return null;
    const outcomes: Record<string, OperationOutcome> = {};
    for (const task of batch.tasks) outcomes[task.taskId] = await this.judge(task, stored);
    return { txHash: stored.txHash, lt: stored.lt, outcomes };
  }

  /** Did each action of the task reach its goal? Harmless aborted side transactions do not count. */
  private async judge(task: SentBatch['tasks'][number], stored: StoredConfirmation): Promise<OperationOutcome> {
    const { operation } = task;
    const reached = (position: number | undefined, target: Address): OperationOutcome | null => {
      const root = position === undefined ? undefined : stored.actions[position];
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
        const wallet = await this.contracts.minter.getWalletAddress(this.blockchain.provider(this.contracts.minter.address), to);
        const failure = reached(task.actions[0], wallet);
        if (failure) return operation.kind === 'g2a_transfer' && !failure.ok ? { ...failure, error: `${failure.error}: insufficient jetton balance or refused transfer` } : failure;
        return { ok: true, result: { balanceAfter: (await this.jettonBalance(to)).toString() } };
      }
      case 'nft_mint':
      case 'nft_upgrade': {
        const index = BigInt(task.itemIndex ?? '-1');
        if (operation.kind === 'nft_upgrade') {
          const old = await this.badge(BigInt(operation.retiredItemIndex));
          const failure = reached(task.actions[0], old.address);
          if (failure) return failure;
        }
        const item = await this.badge(index);
        const failure = reached(task.actions[task.actions.length - 1], item.address);
        if (failure) return failure;
        if (!item.owner?.equals(to)) return { ok: false, error: `badge ${index} is not owned by ${operation.to}`, permanent: true };
        return { ok: true, result: { onchainTokenId: index.toString(), itemAddress: item.address.toString() } };
      }
    }
  }

  /** First start: fund the hot wallet, deploy the minter and the collection, mint the G2A reserve. */
  private async bootstrap(): Promise<void> {
    this.tick();
    const funding = await this.blockchain.treasury('ledgerline-funding', { balance: toNano('1000000') });
    await funding.send({ to: this.options.wallet.address, value: toNano('100000'), bounce: false });
    const reserve = await this.contracts.mintJettons(this.options.wallet.address, this.options.reserve ?? 1_000_000_000_000_000n, 0n);
    const signed = this.options.wallet.sign(0, [this.contracts.deployMinter(), this.contracts.deployCollection(), reserve].map(toRelaxed), this.options.now() + 60);
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

function summarize(tx: BlockchainTransaction | Transaction): TxSummary {
  const description = tx.description;
  const aborted = description.type === 'generic' ? description.aborted : false;
  const compute = description.type === 'generic' ? description.computePhase : undefined;
  const exitCode = compute?.type === 'vm' ? compute.exitCode : null;
  const success = compute?.type === 'vm' ? compute.success : false;
  const address = tx.inMessage?.info.dest instanceof Address ? tx.inMessage.info.dest.toRawString() : '';
  const children = 'children' in tx ? tx.children.map(summarize) : [];
  return { address, ok: !aborted && success, exitCode, children };
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
    if (child) actions[key] = summarize(child);
  }
  return actions;
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
