import { beginCell, storeStateInit } from '@ton/core';
import { mnemonicToPrivateKey } from '@ton/crypto';
import { WalletContractV5R1 } from '@ton/ton';
import nacl from 'tweetnacl';
import { NETWORK_ID } from './hot-wallet.js';
import { signedDigest } from './ton-proof.js';

/**
 * The wallet's side of ton_proof, as a TON Connect wallet app does it: used by
 * scripts/ton-proof.ts (to try the API with curl) and by tests. Never used by the gateway.
 */
export async function signTonProof(input: { keys: WalletKeys; domain: string; payload: string; timestamp: number }) {
  const { keys } = input;
  const wallet = WalletContractV5R1.create({ publicKey: keys.publicKey, walletId: { networkGlobalId: NETWORK_ID.mainnet } });
  const signature = nacl.sign.detached(signedDigest(wallet.address, input.domain, input.timestamp, input.payload), keys.secretKey);
  return {
    address: wallet.address.toString({ bounceable: false }),
    proof: {
      timestamp: input.timestamp,
      domain: { lengthBytes: Buffer.byteLength(input.domain), value: input.domain },
      payload: input.payload,
      signature: Buffer.from(signature).toString('base64'),
      state_init: beginCell().store(storeStateInit(wallet.init)).endCell().toBoc().toString('base64'),
    },
  };
}

export interface WalletKeys {
  readonly publicKey: Buffer;
  readonly secretKey: Buffer;
}

export async function walletKeysOf(mnemonic: readonly string[]): Promise<WalletKeys> {
  return mnemonicToPrivateKey([...mnemonic]);
}

/** A fresh random wallet key pair (tests; a real wallet derives it from its mnemonic). */
export function randomWalletKeys(): WalletKeys {
  const pair = nacl.sign.keyPair();
  return { publicKey: Buffer.from(pair.publicKey), secretKey: Buffer.from(pair.secretKey) };
}
