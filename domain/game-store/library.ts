import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A buyer's game library (SPEC P-6), one stream `Library-<buyerId>`: the games they own now and
 * how each came (acquisition `purchase`: an order paid). The purchase saga adds an order's games
 * once it completes and takes a refunded game out again; both are idempotent by the ids they
 * carry, so an effect retried after a crash records nothing twice:
 * - an order adds a game once: the same order adding it again is nothing new — even after the
 *   game was refunded (a retry of the order's step must not give the refunded game back);
 * - a game owned through another order is not added (the caller refunds that purchase);
 * - a refund removes a game once, and only a game that is in the library through the refund's
 *   order (a refund of an old order cannot take away the game a newer order bought);
 * - a removed game can be bought again: a new order adds it anew.
 *
 * Pure: the time comes in the command; titles and developer ids are the order's lines (what the
 * buyer bought), never re-read here. No personal data: the buyer is their id.
 */
export const LibraryEvent = t.union([
  eventCodec(
    'LibraryGameAdded',
    t.type({
      buyerId: t.string,
      productId: t.string,
      orderId: t.string,
      acquisition: t.literal('purchase'),
      title: t.string,
      developerId: t.string,
      purchasedAt: t.string,
      addedAt: t.string,
    }),
  ),
  eventCodec('LibraryGameRemoved', t.type({ buyerId: t.string, productId: t.string, orderId: t.string, refundId: t.string, reason: t.literal('refund'), removedAt: t.string })),
]);
export type LibraryEvent = t.TypeOf<typeof LibraryEvent>;
export type LibraryGameAdded = Extract<LibraryEvent, { type: 'LibraryGameAdded' }>;

/** A game in the library now, and through which order it came. */
export type OwnedGame = Omit<LibraryGameAdded['data'], 'buyerId'>;

export interface LibraryState {
  /** By product id: what the buyer owns now. */
  readonly owned: ReadonlyMap<string, OwnedGame>;
  /** `orderId / productId` of every game an order ever added (kept after a refund removed it). */
  readonly addedByOrder: ReadonlySet<string>;
  /** `refundId / productId` → the order whose game that refund removed. */
  readonly removedByRefund: ReadonlyMap<string, string>;
}

export interface GameToAdd {
  readonly productId: string;
  readonly title: string;
  readonly developerId: string;
}

export type LibraryCommand =
  | { readonly type: 'AddPurchasedGames'; readonly buyerId: string; readonly orderId: string; readonly games: readonly GameToAdd[]; readonly purchasedAt: Date; readonly now: Date }
  | { readonly type: 'RemoveRefundedGames'; readonly buyerId: string; readonly orderId: string; readonly refundId: string; readonly productIds: readonly string[]; readonly now: Date };

export const streamOfLibrary = (buyerId: string): string => `Library-${buyerId}`;
export const libraryOfStream = (stream: string): string | undefined => (stream.startsWith('Library-') ? stream.slice('Library-'.length) : undefined);

const key = (a: string, b: string): string => `${a}\u0000${b}`;
const invalid = (code: string, message: string, field: string): Either<DomainError, never> => left(domainError('rule_violated', code, message, field));

/** Whether a product list names each product once (an order line, a refund line, once each). */
function checkOnce(productIds: readonly string[], field: string): Either<DomainError, void> {
  const seen = new Set<string>();
  for (const [index, productId] of productIds.entries()) {
    if (productId.length === 0) return invalid('library.invalid_product', 'a product id is required', `${field}.${index}`);
    if (seen.has(productId)) return invalid('library.duplicate_product', `product ${productId} is named twice`, `${field}.${index}`);
    seen.add(productId);
  }
  return right(undefined);
}

/**
 * What an `AddPurchasedGames` of `orderId` comes to on a library (before or after its events):
 * `added` — the games this order has put in the library (now or at an earlier, identical call);
 * `alreadyOwned` — the others, owned through another order.
 */
export function purchaseOutcome(state: LibraryState, orderId: string, productIds: readonly string[]): { readonly added: readonly string[]; readonly alreadyOwned: readonly string[] } {
  const added = productIds.filter((id) => state.addedByOrder.has(key(orderId, id)));
  const alreadyOwned = productIds.filter((id) => !state.addedByOrder.has(key(orderId, id)) && state.owned.has(id));
  return { added, alreadyOwned };
}

/** The games `refundId` has taken out of the library (now or at an earlier, identical call). */
export const refundOutcome = (state: LibraryState, refundId: string, productIds: readonly string[]): readonly string[] => productIds.filter((id) => state.removedByRefund.has(key(refundId, id)));

export const libraryDecider: EventSourcedDecider<LibraryCommand, LibraryEvent, LibraryState> = {
  events: LibraryEvent,
  initialState: { owned: new Map(), addedByOrder: new Set(), removedByRefund: new Map() },
  decide(command, state) {
    if (command.buyerId.length === 0) return invalid('library.invalid_buyer', 'a library belongs to a buyer', 'buyerId');
    if (command.orderId.length === 0) return invalid('library.invalid_order', 'an order id is required', 'orderId');
    switch (command.type) {
      case 'AddPurchasedGames': {
        const once = checkOnce(command.games.map((g) => g.productId), 'games');
        if (once._tag === 'Left') return once;
        const events: LibraryEvent[] = [];
        for (const game of command.games) {
          if (state.addedByOrder.has(key(command.orderId, game.productId))) continue; // this order added it already
          if (state.owned.has(game.productId)) continue; // owned through another order: the caller refunds this one
          events.push({
            type: 'LibraryGameAdded',
            data: {
              buyerId: command.buyerId,
              productId: game.productId,
              orderId: command.orderId,
              acquisition: 'purchase',
              title: game.title,
              developerId: game.developerId,
              purchasedAt: command.purchasedAt.toISOString(),
              addedAt: command.now.toISOString(),
            },
          });
        }
        return right(events);
      }
      case 'RemoveRefundedGames': {
        if (command.refundId.length === 0) return invalid('library.invalid_refund', 'a refund id is required', 'refundId');
        const once = checkOnce(command.productIds, 'productIds');
        if (once._tag === 'Left') return once;
        const events: LibraryEvent[] = [];
        for (const productId of command.productIds) {
          if (state.removedByRefund.has(key(command.refundId, productId))) continue; // this refund removed it already
          if (state.owned.get(productId)?.orderId !== command.orderId) continue; // not there through this order
          events.push({ type: 'LibraryGameRemoved', data: { buyerId: command.buyerId, productId, orderId: command.orderId, refundId: command.refundId, reason: 'refund', removedAt: command.now.toISOString() } });
        }
        return right(events);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'LibraryGameAdded': {
        const { buyerId: _buyer, ...game } = event.data;
        return {
          owned: new Map(state.owned).set(game.productId, game),
          addedByOrder: new Set(state.addedByOrder).add(key(game.orderId, game.productId)),
          removedByRefund: state.removedByRefund,
        };
      }
      case 'LibraryGameRemoved': {
        const owned = new Map(state.owned);
        owned.delete(event.data.productId);
        return { owned, addedByOrder: state.addedByOrder, removedByRefund: new Map(state.removedByRefund).set(key(event.data.refundId, event.data.productId), event.data.orderId) };
      }
    }
  },
};
