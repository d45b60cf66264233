import type { SystemDependencies } from '../../../adapters/app/context-module.js';
import type { GatewayChain } from './gateway-chain.js';
import type { TonProofVerifier } from './ton-proof-verifier.js';

/** The TON side of the gateway, opened by the composition root (emulator or network). */
export interface GatewayAdapters {
  readonly chain: GatewayChain;
  readonly verifier: TonProofVerifier;
  close(): Promise<void>;
}

export type OpenGatewayAdapters = (deps: SystemDependencies) => Promise<GatewayAdapters>;
