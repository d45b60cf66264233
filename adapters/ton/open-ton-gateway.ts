import { join } from 'node:path';
import type { GatewayAdapters, OpenGatewayAdapters } from '../../commands/blockchain/gateway-module.js';
import { EmulatorChain } from './emulator-chain.js';
import { HotWallet, NETWORK_ID, resolveHotWalletMnemonic } from './hot-wallet.js';
import { TonProofChecker } from './ton-proof.js';

/**
 * The gateway's TON side from configuration. TON_NETWORK=emulator (the embedded default): the
 * in-process emulator with its state in DATA_DIR/ton, and a hot wallet whose mnemonic is
 * TON_MNEMONIC or generated once. The emulator belongs to one process: it is the single-process
 * default, not a shared network.
 */
export function openTonGateway(options: { readonly persist?: boolean } = {}): OpenGatewayAdapters {
  return async (deps): Promise<GatewayAdapters> => {
    const settings = deps.config.gateway;
    if (settings.network !== 'emulator') {
      throw new Error(`TON_NETWORK=${settings.network}: the network adapter is not available in this build; use TON_NETWORK=emulator`);
    }
    const mnemonic = await resolveHotWalletMnemonic(settings.mnemonic, deps.dataDir, (message) => deps.logger.warn(message));
    const wallet = await HotWallet.fromMnemonic(mnemonic, NETWORK_ID.mainnet);
    const chain = await EmulatorChain.open({
      ...(options.persist === false ? {} : { stateDir: join(deps.dataDir, 'ton') }),
      wallet,
      publicUrl: settings.publicUrl,
      now: () => Math.floor(deps.clock.now().getTime() / 1000),
    });
    deps.logger.info({ hotWallet: wallet.address.toString(), g2aMinter: chain.contracts.minter.address.toString(), badgeCollection: chain.contracts.collection.address.toString() }, 'TON emulator ready');
    return { chain, verifier: new TonProofChecker((address) => chain.deployedPublicKey(address)), close: async () => {} };
  };
}
