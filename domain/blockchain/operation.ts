import * as t from 'io-ts';

/** A non-negative integer as a decimal string: amounts (jetton units), lt, seqno, query ids. */
export interface DecimalStringBrand {
  readonly DecimalString: unique symbol;
}
export const DecimalString = t.brand(t.string, (s): s is t.Branded<string, DecimalStringBrand> => /^(0|[1-9]\d{0,38})$/.test(s), 'DecimalString');
export type DecimalString = t.TypeOf<typeof DecimalString>;

/**
 * The largest jetton amount the contracts carry: TEP-74 messages hold amounts as TL-B `Coins`
 * (`VarUInteger 16`: at most 15 bytes), so an amount must be below 2^120.
 */
export const MAX_JETTON_AMOUNT = 2n ** 120n - 1n;
/** NFT item indexes are `uint64` in the collection's messages and get-methods. */
export const MAX_ITEM_INDEX = 2n ** 64n - 1n;

/** Why a jetton amount (decimal string) cannot be carried, or null: positive, below 2^120. */
export function jettonAmountProblem(amount: string): string | null {
  if (!/^(0|[1-9]\d*)$/.test(amount)) return 'must be a whole number of jetton units as a decimal string';
  if (amount === '0') return 'must be more than 0';
  if (amount.length > 37 || BigInt(amount) > MAX_JETTON_AMOUNT) return `must be at most ${MAX_JETTON_AMOUNT} (jetton amounts are TL-B VarUInteger 16: below 2^120)`;
  return null;
}

/** Why an NFT item index (decimal string) cannot be carried, or null: it fits uint64. */
export function itemIndexProblem(index: string): string | null {
  if (!/^(0|[1-9]\d*)$/.test(index)) return 'must be an NFT item index as a decimal string';
  if (index.length > 20 || BigInt(index) > MAX_ITEM_INDEX) return `must be at most ${MAX_ITEM_INDEX} (item indexes are uint64)`;
  return null;
}

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

/**
 * What in an operation no contract message could carry, naming the operation's field, or null.
 * Addresses are checked where they are parsed (the edge, and the Signing Engine).
 */
export function operationProblem(operation: Operation): { readonly field: 'amount' | 'retiredItemIndex'; readonly message: string } | null {
  switch (operation.kind) {
    case 'g2a_mint':
    case 'g2a_transfer': {
      const problem = jettonAmountProblem(operation.amount);
      return problem ? { field: 'amount', message: problem } : null;
    }
    case 'nft_upgrade': {
      const problem = itemIndexProblem(operation.retiredItemIndex);
      return problem ? { field: 'retiredItemIndex', message: problem } : null;
    }
    case 'nft_mint':
      return null;
  }
}

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
