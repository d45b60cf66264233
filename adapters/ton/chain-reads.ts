import { Address, type ContractProvider } from '@ton/core';
import type { GatewayContracts } from './gateway-contracts.js';
import type { HotWallet } from './hot-wallet.js';

/**
 * Reading contract state, the same way on the emulator (`blockchain.provider`) and on a network
 * (`TonClient.provider`): both give @ton/core ContractProviders.
 */
export type ProviderOf = (address: Address) => ContractProvider;

export interface BadgeState {
  readonly address: Address;
  readonly owner: Address | null;
  readonly revokedAt: number;
}

export class ChainReads {
  /** Badge item addresses never change (they follow from the collection and the index): asked once each. */
  private readonly badgeAddresses = new Map<bigint, Promise<Address>>();

  constructor(
    readonly providerOf: ProviderOf,
    readonly contracts: GatewayContracts,
  ) {}

  async isActive(address: Address): Promise<boolean> {
    return (await this.providerOf(address).getState()).state.type === 'active';
  }

  seqno(wallet: HotWallet): Promise<number> {
    return wallet.contract.getSeqno(this.providerOf(wallet.address));
  }

  /** `owner`'s G2A jetton wallet: computed from the standard wallet code, as the minter does. */
  async jettonWalletOf(owner: Address): Promise<Address> {
    return this.contracts.jettonWalletAddress(owner);
  }

  async jettonBalance(owner: Address): Promise<bigint> {
    const wallet = await this.jettonWalletOf(owner);
    if (!(await this.isActive(wallet))) return 0n;
    return this.activeJettonWalletBalance(wallet);
  }

  /** The balance of a jetton wallet known to be deployed (one get-method, no state read first). */
  async activeJettonWalletBalance(wallet: Address): Promise<bigint> {
    const { stack } = await this.providerOf(wallet).get('get_wallet_data', []);
    return stack.readBigNumber();
  }

  async nextItemIndex(): Promise<bigint> {
    return (await this.contracts.collection.getData(this.providerOf(this.contracts.collection.address))).nextItemIndex;
  }

  badgeAddress(index: bigint): Promise<Address> {
    return remembered(this.badgeAddresses, index, () => this.contracts.collection.getItemAddress(this.providerOf(this.contracts.collection.address), index));
  }

  async badge(index: bigint): Promise<BadgeState> {
    const address = await this.badgeAddress(index);
    if (!(await this.isActive(address))) return { address, owner: null, revokedAt: 0 };
    const data = (await this.providerOf(address).get('get_nft_data', [])).stack;
    data.skip(3);
    const owner = data.readAddressOpt();
    const revoked = (await this.providerOf(address).get('get_revoked_time', [])).stack;
    return { address, owner, revokedAt: Number(revoked.readBigNumber()) };
  }

  /** The public key of a deployed wallet, through its get_public_key get-method (ton_proof). */
  async publicKey(address: Address): Promise<Buffer | null> {
    if (!(await this.isActive(address))) return null;
    const { stack } = await this.providerOf(address).get('get_public_key', []);
    return Buffer.from(stack.readBigNumber().toString(16).padStart(64, '0'), 'hex');
  }
}

/** A derived value, asked for once; a failed lookup is forgotten so the next call asks again. */
function remembered<K, V>(cache: Map<K, Promise<V>>, key: K, look: () => Promise<V>): Promise<V> {
  let value = cache.get(key);
  if (!value) {
    value = look();
    cache.set(key, value);
    value.catch(() => cache.delete(key));
    if (cache.size > 100_000) cache.delete(cache.keys().next().value as K);
  }
  return value;
}
