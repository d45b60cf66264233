import { join } from 'node:path';
import { Address } from '@ton/core';
import type { GatewayAdapters, OpenGatewayAdapters } from '../../commands/blockchain/ports/gateway-adapters.js';
import { ChainError, type BatchConfirmation, type GatewayChain, type SentBatch, type SignedBatch, type TaskOperation } from '../../commands/blockchain/ports/gateway-chain.js';
import { EmulatorChain } from './emulator-chain.js';
import { HotWallet, NETWORK_ID, resolveHotWalletMnemonic } from './hot-wallet.js';
import { NetworkChain } from './network-chain.js';
import { TonProofChecker } from './ton-proof.js';

/**
 * The gateway's TON side from configuration. TON_NETWORK=emulator (the embedded default): the
 * in-process emulator with its state in DATA_DIR/ton, and a hot wallet whose mnemonic is
 * TON_MNEMONIC or generated once. The emulator belongs to one process: it is the single-process
 * default, not a shared network. Persisted (the default), it loads in the background (`background`,
 * default: when persisted); in memory (tests, benchmarks) it is built before the context is. TON_NETWORK=testnet|mainnet: TON_ENDPOINT (toncenter v2) with
 * TON_API_KEY, the hot wallet from TON_MNEMONIC, the contracts at TON_JETTON_MINTER /
 * TON_NFT_COLLECTION or, unset, derived from the hot wallet and deployed on first start.
 */
export function openTonGateway(options: { readonly persist?: boolean; readonly background?: boolean } = {}): OpenGatewayAdapters {
  return async (deps): Promise<GatewayAdapters> => {
    const settings = deps.config.gateway;
    if (settings.network !== 'emulator') {
      // configuration checks guarantee TON_ENDPOINT and TON_MNEMONIC on a network
      const wallet = await HotWallet.fromMnemonic(settings.mnemonic!, settings.network === 'testnet' ? NETWORK_ID.testnet : NETWORK_ID.mainnet);
      const chain = new NetworkChain({
        endpoint: settings.endpoint!,
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...(settings.requestsPerSecond ? { requestsPerSecond: settings.requestsPerSecond } : {}),
        ...(settings.pinned.minter ? { minter: Address.parse(settings.pinned.minter) } : {}),
        ...(settings.pinned.collection ? { collection: Address.parse(settings.pinned.collection) } : {}),
        wallet,
        publicUrl: settings.publicUrl,
        now: () => Math.floor(deps.clock.now().getTime() / 1000),
      });
      const where = {
        network: settings.network,
        hotWallet: chain.show(wallet.address, false),
        g2aMinter: chain.show(chain.contracts.minter.address),
        badgeCollection: chain.show(chain.contracts.collection.address),
        pinned: { minter: Boolean(settings.pinned.minter), collection: Boolean(settings.pinned.collection) },
      };
      // The contracts are checked (and the derived ones deployed) before the first signature
      // anyway; starting it now puts what is wrong in the log at start, without holding the
      // start up while the endpoint is slow or down.
      void chain.ensureDeployed().then(
        (deployment) =>
          deployment.status === 'ready'
            ? deps.logger.info(where, 'TON network ready')
            : deps.logger.warn({ ...where, deploying: deployment.contracts }, 'deploying the gateway contracts on the network; once active, set TON_JETTON_MINTER and TON_NFT_COLLECTION to these addresses'),
        (error: unknown) => deps.logger.error({ ...where, err: error }, 'the gateway contracts are not usable yet; tasks wait (and fail after GATEWAY_MAX_RETRIES) until this is fixed'),
      );
      return { chain, verifier: new TonProofChecker((address) => chain.deployedPublicKey(address)), close: async () => {} };
    }
    const open = async () => {
      const started = performance.now();
      const mnemonic = await resolveHotWalletMnemonic(settings.mnemonic, deps.dataDir, (message) => deps.logger.warn(message));
      const wallet = await HotWallet.fromMnemonic(mnemonic, NETWORK_ID.mainnet);
      const chain = await EmulatorChain.open({
        ...(options.persist === false ? {} : { stateDir: join(deps.dataDir, 'ton') }),
        wallet,
        publicUrl: settings.publicUrl,
        now: () => Math.floor(deps.clock.now().getTime() / 1000),
      });
      const ms = Math.round(performance.now() - started);
      deps.logger.info(
        { phase: 'TON emulator', ms, atMs: Math.round(performance.now()), hotWallet: wallet.address.toString(), g2aMinter: chain.contracts.minter.address.toString(), badgeCollection: chain.contracts.collection.address.toString() },
        `TON emulator: ready (${chain.bootstrapped ? 'first start: funded the hot wallet, deployed the G2A minter and the badge collection' : `state loaded from ${join(deps.dataDir, 'ton', 'emulator-state.json')}`})`,
      );
      return chain;
    };
    // A persisted emulator (npm start) loads in the background: the API serves meanwhile, and
    // whatever needs the chain (the dispatcher's next batch, a wallet-link check) waits for it.
    if (options.background ?? options.persist !== false) {
      deps.logger.info({ phase: 'TON emulator', background: true }, `TON emulator: loading in the background from ${join(deps.dataDir, 'ton')} (gateway tasks wait for it)`);
      const loading = open();
      loading.catch((error: unknown) => deps.logger.error({ phase: 'TON emulator', err: error }, 'TON emulator: could not be loaded; gateway tasks wait (and fail after GATEWAY_MAX_RETRIES)'));
      const chain = new ChainWhenLoaded(loading);
      return { chain, verifier: new TonProofChecker((address) => chain.deployedPublicKey(address)), close: async () => {} };
    }
    const chain = await open();
    return { chain, verifier: new TonProofChecker((address) => chain.deployedPublicKey(address)), close: async () => {} };
  };
}

/** The emulator while it loads: every call waits for it; a failed load is a transient chain error (retried). */
class ChainWhenLoaded implements GatewayChain {
  constructor(private readonly loading: Promise<EmulatorChain>) {}

  private async chain(): Promise<EmulatorChain> {
    try {
      return await this.loading;
    } catch (error) {
      throw new ChainError('transient', `the TON emulator could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async chainTime(): Promise<number> {
    return (await this.chain()).chainTime();
  }

  async sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch> {
    return (await this.chain()).sign(operations, validForSeconds);
  }

  async submit(messageBoc: string): Promise<void> {
    return (await this.chain()).submit(messageBoc);
  }

  async findConfirmation(batch: SentBatch): Promise<BatchConfirmation | null> {
    return (await this.chain()).findConfirmation(batch);
  }

  async deployedPublicKey(address: Address): Promise<Buffer | null> {
    return (await this.chain()).deployedPublicKey(address);
  }
}
