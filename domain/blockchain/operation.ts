import * as t from 'io-ts';

/** A non-negative integer as a decimal string: amounts (jetton units), lt, seqno, query ids. */
export interface DecimalStringBrand {
  readonly DecimalString: unique symbol;
}
export const DecimalString = t.brand(t.string, (s): s is t.Branded<string, DecimalStringBrand> => /^(0|[1-9]\d{0,38})$/.test(s), 'DecimalString');
export type DecimalString = t.TypeOf<typeof DecimalString>;

/** What a task does on chain. Addresses are user-friendly TON addresses, validated at the edge. */
export const Operation = t.union([
  t.type({ kind: t.literal('g2a_mint'), to: t.string, amount: t.string }, 'G2aMint'),
  t.type({ kind: t.literal('g2a_transfer'), to: t.string, amount: t.string, userId: t.string }, 'G2aTransfer'),
  // The item index of a new badge is assigned when the message is signed (the collection only
  // accepts the next free index, so indexes follow the order messages land in).
  t.type({ kind: t.literal('nft_mint'), to: t.string, userId: t.string, badge: t.string, level: t.number }, 'NftMint'),
  t.type(
    { kind: t.literal('nft_upgrade'), to: t.string, userId: t.string, badge: t.string, level: t.number, retiredItemIndex: t.string },
    'NftUpgrade',
  ),
]);
export type Operation = t.TypeOf<typeof Operation>;

/** What the chain showed once the task's message was confirmed. */
export const OnchainResult = t.partial({
  /** Transaction of the hot wallet that carried the message. */
  txHash: t.string,
  lt: t.string,
  /** NFT item index (decimal string) of a minted badge: the `onchain_token_id`. */
  onchainTokenId: t.string,
  itemAddress: t.string,
  /** Jetton balance of the receiver after the operation, in jetton units. */
  balanceAfter: t.string,
});
export type OnchainResult = t.TypeOf<typeof OnchainResult>;
