import { JettonMinter, JettonWallet, SbtCollection } from '@ton-community/assets-sdk';
import { beginCell, toNano, type Address, type Cell, type ContractProvider, type MessageRelaxed, type Sender, type StateInit, internal } from '@ton/core';

/** What one internal message from the hot wallet carries. */
export interface OutgoingMessage {
  readonly to: Address;
  readonly value: bigint;
  readonly body: Cell;
  readonly bounce: boolean;
  readonly init?: StateInit;
}

export const toRelaxed = (message: OutgoingMessage): MessageRelaxed =>
  internal({ to: message.to, value: message.value, body: message.body, bounce: message.bounce, ...(message.init ? { init: message.init } : {}) });

/** SBT (TEP-85) revoke: only the item's authority may send it; it stamps revoked_at. */
export const SBT_REVOKE_OPCODE = 0x6f89f5e3;

/**
 * The gateway's contracts, all from `@ton-community/assets-sdk` 0.0.5 (pinned; their code-cell
 * hashes are checked by a test): the G2A jetton minter (TEP-74) and the badge collection.
 *
 * Badges are **SBTs (TEP-85)**: soul-bound (an achievement should not be sold), and the issuer
 * is each item's `authority`, so the gateway can retire a badge on chain — `revoke`, which
 * stamps `revoked_at` — although the user owns it. That is our "burn" for B-5: a standard NFT
 * item has no burn, and moving a user-owned item to the zero address needs the owner's
 * signature (exit code 401 for anyone else). The revoked item stays readable, with its
 * revocation time, so history is kept on chain.
 */
export class GatewayContracts {
  readonly minter: JettonMinter;
  readonly collection: SbtCollection;

  /**
   * The minter and the collection this gateway administers. By default their addresses follow
   * from their code and initial data (the admin = the hot wallet, and URLs under `publicUrl`),
   * so they can be deployed by anyone who knows them. `pinned` addresses (TON_JETTON_MINTER,
   * TON_NFT_COLLECTION) name contracts deployed before, which are then never deployed here.
   */
  constructor(
    readonly admin: Address,
    publicUrl: string,
    pinned: { readonly minter?: Address; readonly collection?: Address } = {},
  ) {
    this.minter = pinned.minter
      ? JettonMinter.createFromAddress(pinned.minter)
      : JettonMinter.createFromConfig({ admin, content: offchainContent(`${publicUrl}/g2a/jetton.json`), jettonWalletCode: JettonWallet.code });
    this.collection = pinned.collection
      ? SbtCollection.createFromAddress(pinned.collection)
      : SbtCollection.createFromConfig({
          admin,
          content: beginCell()
            .storeRef(offchainContent(`${publicUrl}/nft/collection`))
            .storeRef(beginCell().storeStringTail(`${publicUrl}/nft/badges/`).endCell())
            .endCell(),
        });
  }

  /** The deploy message of the minter; null when it was pinned (deployed elsewhere). */
  deployMinter(): OutgoingMessage | null {
    return this.minter.init ? { to: this.minter.address, value: toNano('0.1'), body: beginCell().endCell(), bounce: false, init: this.minter.init } : null;
  }

  /** The deploy message of the collection; null when it was pinned. */
  deployCollection(): OutgoingMessage | null {
    return this.collection.init ? { to: this.collection.address, value: toNano('0.1'), body: beginCell().endCell(), bounce: false, init: this.collection.init } : null;
  }

  /**
   * `owner`'s G2A jetton wallet, computed as the minter computes it (standard jetton wallet
   * code, data = balance 0, owner, minter, code): no get-method round trip. A network adapter
   * checks that the minter really uses this wallet code before relying on it.
   */
  jettonWalletAddress(owner: Address): Address {
    return JettonWallet.createFromConfig({ owner, jettonMaster: this.minter.address }).address;
  }

  /** Mint `amount` jetton units to `owner`'s jetton wallet. */
  mintJettons(owner: Address, amount: bigint, queryId: bigint): Promise<OutgoingMessage> {
    return capture(this.minter.address, this.admin, (provider, via) =>
      this.minter.sendMint(provider, via, owner, amount, { queryId, value: toNano('0.1'), returnExcess: true }),
    );
  }

  /** Send `amount` from the hot wallet's own jetton wallet to `recipient`. */
  transferJettons(hotJettonWallet: Address, recipient: Address, amount: bigint, queryId: bigint): Promise<OutgoingMessage> {
    const wallet = JettonWallet.createFromAddress(hotJettonWallet);
    return capture(hotJettonWallet, this.admin, (provider, via) => wallet.send(provider, via, recipient, amount, { queryId, value: toNano('0.1'), returnExcess: true }));
  }

  /** Mint badge `index` to `owner`; the gateway stays its authority. Content: `<index>.json` under the collection's base URL. */
  mintBadge(owner: Address, index: bigint, queryId: bigint): Promise<OutgoingMessage> {
    return capture(this.collection.address, this.admin, (provider, via) =>
      this.collection.sendMint(provider, via, { index, owner, individualContent: `${index}.json`, authority: this.admin, value: toNano('0.05') }, { queryId, value: toNano('0.1') }),
    );
  }

  /** Retire a badge: the authority's revoke. */
  revokeBadge(item: Address, queryId: bigint): OutgoingMessage {
    return { to: item, value: toNano('0.05'), body: beginCell().storeUint(SBT_REVOKE_OPCODE, 32).storeUint(queryId, 64).endCell(), bounce: true };
  }
}

function offchainContent(url: string): Cell {
  return beginCell().storeUint(0x01, 8).storeStringTail(url).endCell();
}

/**
 * Run an assets-sdk `send*` wrapper against a provider that records the internal message it
 * would send, so the hot wallet can sign it into its own batch.
 */
async function capture(to: Address, from: Address, send: (provider: ContractProvider, via: Sender) => Promise<void>): Promise<OutgoingMessage> {
  let message: OutgoingMessage | undefined;
  const provider = {
    internal: async (_via: Sender, args: { value: bigint | string; bounce?: boolean | null; body?: Cell | string | null }) => {
      const value = typeof args.value === 'string' ? toNano(args.value) : args.value;
      const body = args.body instanceof Object ? (args.body as Cell) : beginCell().endCell();
      message = { to, value, body, bounce: args.bounce ?? true };
    },
  } as unknown as ContractProvider;
  const via: Sender = { address: from, send: async () => {} };
  await send(provider, via);
  if (!message) throw new Error('the contract wrapper sent nothing');
  return message;
}

/**
 * Code-cell hashes of the contracts we deploy or talk to, as shipped by
 * @ton-community/assets-sdk 0.0.5 and @ton/ton 16.3. A test compares them with the packages'
 * code, so an upgrade cannot swap contract code silently.
 */
export const CONTRACT_CODE_HASHES = {
  jettonMinter: '0571976c63ec1b7550230a2609dbedb36e1b64ef8d022a16b34ea57063185b2f',
  jettonWallet: 'a760d629d5343e76d045017d9dc216fc8a307a8377815feb2b0a5c490e733486',
  sbtCollection: '64bb2d4661b5f2dc1a83bf5cbbe09e92ac0b460a1b879a5519386fca4c348bca',
  sbtItem: '2ffbf52beaf816157bfc9726dc2548327fa87ebfd2696eed27a9c2cda25c9edc',
  walletV5R1: '20834b7b72b112147e1b2fb457b84e74d1a30f04f737d4f62a668e9552d2b72f',
} as const;
