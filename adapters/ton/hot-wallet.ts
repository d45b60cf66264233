import { beginCell, external, storeMessage, SendMode, type Cell, type MessageRelaxed } from '@ton/core';
import { mnemonicNew, mnemonicToPrivateKey, mnemonicValidate, type KeyPair } from '@ton/crypto';
import { WalletContractV5R1 } from '@ton/ton';
import { resolveGeneratedSecret } from '../config/jwt-secret.js';

/** TON network ids (a W5R1 address depends on it). */
export const NETWORK_ID = { mainnet: -239, testnet: -3 } as const;

export interface SignedExternal {
  /** The signed external message as a BOC (base64). Public: it is broadcast as is. */
  readonly boc: string;
  /** TEP-467 normalized hash (hex): how the message is found among the wallet's transactions. */
  readonly normalizedHash: string;
  readonly seqno: number;
  readonly validUntil: number;
}

/**
 * The Signing Engine: the gateway's hot wallet (W5R1), one external message per seqno carrying
 * up to 255 actions. The key is derived once from the mnemonic and never leaves this object:
 * no getter returns it and nothing logs it.
 */
export class HotWallet {
  readonly contract: WalletContractV5R1;
  readonly #keys: KeyPair;

  private constructor(keys: KeyPair, networkId: number) {
    this.#keys = keys;
    this.contract = WalletContractV5R1.create({ publicKey: keys.publicKey, walletId: { networkGlobalId: networkId } });
  }

  static async fromMnemonic(mnemonic: string, networkId: number): Promise<HotWallet> {
    const words = mnemonic.trim().split(/\s+/);
    if (!(await mnemonicValidate(words))) throw new Error('TON_MNEMONIC is not a valid TON mnemonic');
    return new HotWallet(await mnemonicToPrivateKey(words), networkId);
  }

  get address() {
    return this.contract.address;
  }

  /** Sign `messages` for `seqno`, valid until `validUntil` (unix seconds). */
  sign(seqno: number, messages: MessageRelaxed[], validUntil: number): SignedExternal {
    const body = this.contract.createTransfer({
      seqno,
      secretKey: this.#keys.secretKey,
      messages,
      sendMode: SendMode.PAY_GAS_SEPARATELY + SendMode.IGNORE_ERRORS,
      timeout: validUntil,
    });
    const message = external({ to: this.contract.address, init: seqno === 0 ? this.contract.init : undefined, body });
    const boc = beginCell().store(storeMessage(message)).endCell().toBoc().toString('base64');
    return { boc, normalizedHash: normalizedExternalHash(this.contract.address, body), seqno, validUntil };
  }
}

/** TEP-467: hash of the external message with no source, no import fee, no state_init, body by reference. */
export function normalizedExternalHash(destination: WalletContractV5R1['address'], body: Cell): string {
  const normalized = beginCell()
    .store(storeMessage({ info: { type: 'external-in', src: null, dest: destination, importFee: 0n }, init: null, body }, { forceRef: true }))
    .endCell();
  return normalized.hash().toString('hex');
}

/**
 * The hot wallet's mnemonic: TON_MNEMONIC when configured; in the emulator a new one generated
 * once into DATA_DIR/ton/hot-wallet.mnemonic (mode 0600), with a warning that it is for the
 * emulator only.
 */
export async function resolveHotWalletMnemonic(configured: string | undefined, dataDir: string, warn: (message: string) => void): Promise<string> {
  if (configured) return configured;
  let generated = false;
  const words = (await mnemonicNew(24)).join(' ');
  const mnemonic = await resolveGeneratedSecret({
    configured: undefined,
    dataDir,
    file: 'ton/hot-wallet.mnemonic',
    generate: () => {
      generated = true;
      return words;
    },
  });
  if (generated) warn('generated a TON hot-wallet mnemonic into DATA_DIR/ton/hot-wallet.mnemonic for the emulator; never use it on a real network');
  return mnemonic;
}
