import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A developer's ledger (issue 13, item 5), one stream `DeveloperLedger-<developerId>`: a credit
 * per item sold (the developer's share of the sale) and a debit per item refunded. The invariant
 * lives here, so every path that writes the stream keeps it:
 * - an entry id is recorded once: the same id again is nothing new, the same id with other
 *   content is refused (two different things must not share an id);
 * - an item (order, product) is credited once, and debited at most once, by exactly what its
 *   credit gave — a debit for an item never credited is refused;
 * - the balance is the sum of the credits less the sum of the debits, per currency, and each
 *   event carries the balance after it (`balanceAfterMinor`), so the stream reads as a statement.
 * A debit only ever takes back a credit of the same currency, so no balance goes below zero.
 *
 * The share is in basis points (7000 = 70 %): amount = floor(sale × share / 10000), in bigint.
 * Amounts are decimal strings of whole minor units in events. Pure: the time comes in the command.
 */
export const DeveloperLedgerEvent = t.union([
  eventCodec(
    'DeveloperCredited',
    t.type({
      developerId: t.string,
      entryId: t.string,
      orderId: t.string,
      productId: t.string,
      saleMinor: t.string,
      shareBasisPoints: t.number,
      amountMinor: t.string,
      currency: t.string,
      balanceAfterMinor: t.string,
      creditedAt: t.string,
    }),
  ),
  eventCodec(
    'DeveloperDebited',
    t.type({
      developerId: t.string,
      entryId: t.string,
      orderId: t.string,
      refundId: t.string,
      productId: t.string,
      amountMinor: t.string,
      currency: t.string,
      balanceAfterMinor: t.string,
      debitedAt: t.string,
    }),
  ),
]);
export type DeveloperLedgerEvent = t.TypeOf<typeof DeveloperLedgerEvent>;
export type DeveloperCredited = Extract<DeveloperLedgerEvent, { type: 'DeveloperCredited' }>;
export type DeveloperDebited = Extract<DeveloperLedgerEvent, { type: 'DeveloperDebited' }>;

/** One credited item: what it gave. */
export interface CreditedItem {
  readonly entryId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
}

type Recorded = { readonly kind: 'entry'; readonly event: DeveloperLedgerEvent } | ({ readonly kind: 'credit' } & CreditedItem) | { readonly kind: 'debit'; readonly entryId: string };

/**
 * What a ledger has recorded, by key, shared by the states of one history, so that folding an
 * event costs O(1) rather than a copy of everything recorded (a popular developer's ledger holds
 * an entry per sale, and every new credit is folded onto it). Add-only: a key is written once.
 * A state sees the keys written up to its own length, so a state's answers never change; a state
 * that is not the newest of its index (a batch decided again from an earlier state after a
 * conflict) forks a copy holding only what it sees. Observably pure, like a persistent map.
 */
class RecordedSoFar {
  private constructor(
    private readonly values: Map<string, { readonly at: number; readonly value: Recorded }>,
    private newest: number,
  ) {}

  static empty(): RecordedSoFar {
    return new RecordedSoFar(new Map(), 0);
  }

  get(key: string, length: number): Recorded | undefined {
    const found = this.values.get(key);
    return found && found.at <= length ? found.value : undefined;
  }

  /** The index of the state after `length` events with these keys added (this one, or a fork when another state already went on from it). */
  with(added: readonly (readonly [string, Recorded])[], length: number): RecordedSoFar {
    let index: RecordedSoFar = this;
    // the empty index of the initial state is never written: every ledger starts its own
    if (length === 0) index = new RecordedSoFar(new Map(), 0);
    else if (this.newest !== length) index = new RecordedSoFar(new Map([...this.values].filter(([, v]) => v.at <= length)), length);
    for (const [key, value] of added) {
      if (index.get(key, length) !== undefined) throw new Error(`ledger key ${key} recorded twice`);
      index.values.set(key, { at: length + 1, value });
    }
    index.newest = length + 1;
    return index;
  }
}

export interface DeveloperLedgerState {
  /** Events folded so far. */
  readonly length: number;
  /** Per currency, in minor units: Σ credits − Σ debits. */
  readonly balances: ReadonlyMap<string, bigint>;
  readonly recorded: RecordedSoFar;
}

/** The entry recorded under this id, if any. */
export const entryOf = (state: DeveloperLedgerState, entryId: string): DeveloperLedgerEvent | undefined => {
  const found = state.recorded.get(`entry\u0000${entryId}`, state.length);
  return found?.kind === 'entry' ? found.event : undefined;
};
const creditOf = (state: DeveloperLedgerState, item: string): CreditedItem | undefined => {
  const found = state.recorded.get(`credit\u0000${item}`, state.length);
  return found?.kind === 'credit' ? found : undefined;
};
const debitOf = (state: DeveloperLedgerState, item: string): string | undefined => {
  const found = state.recorded.get(`debit\u0000${item}`, state.length);
  return found?.kind === 'debit' ? found.entryId : undefined;
};

export type DeveloperLedgerCommand =
  | {
      readonly type: 'CreditSale';
      readonly developerId: string;
      readonly entryId: string;
      readonly orderId: string;
      readonly productId: string;
      readonly saleMinor: bigint;
      /** The share in force when the sale is first credited (a repeat keeps the share recorded then). */
      readonly shareBasisPoints: number;
      readonly currency: string;
      readonly now: Date;
    }
  | {
      readonly type: 'DebitRefund';
      readonly developerId: string;
      readonly entryId: string;
      readonly orderId: string;
      readonly refundId: string;
      readonly productId: string;
      readonly now: Date;
    };

export const streamOfDeveloperLedger = (developerId: string): string => `DeveloperLedger-${developerId}`;
export const developerLedgerOfStream = (stream: string): string | undefined => (stream.startsWith('DeveloperLedger-') ? stream.slice('DeveloperLedger-'.length) : undefined);

/** Basis points in 100 %. */
export const FULL_SHARE_BASIS_POINTS = 10_000;
export const isShareBasisPoints = (bps: number): boolean => Number.isInteger(bps) && bps >= 0 && bps <= FULL_SHARE_BASIS_POINTS;

/** The developer's part of a sale: floor(sale × share / 10000), never a float. */
export const developerShareOf = (saleMinor: bigint, shareBasisPoints: number): bigint => (saleMinor * BigInt(shareBasisPoints)) / BigInt(FULL_SHARE_BASIS_POINTS);

const itemKey = (orderId: string, productId: string): string => `${orderId}\u0000${productId}`;
const invalid = (code: string, message: string, field: string): Either<DomainError, never> => left(domainError('rule_violated', code, message, field));

/** What an entry the ledger holds answers (a repeat gets the recorded figures back). */
export const entryFigures = (entry: DeveloperLedgerEvent): { readonly amountMinor: bigint; readonly balanceAfterMinor: bigint } => ({
  amountMinor: BigInt(entry.data.amountMinor),
  balanceAfterMinor: BigInt(entry.data.balanceAfterMinor),
});

/** Whether a recorded entry is what the command asks for (the same id must mean the same thing). */
function sameContent(entry: DeveloperLedgerEvent, command: DeveloperLedgerCommand): boolean {
  if (command.type === 'CreditSale') {
    return (
      entry.type === 'DeveloperCredited' &&
      entry.data.developerId === command.developerId &&
      entry.data.orderId === command.orderId &&
      entry.data.productId === command.productId &&
      entry.data.saleMinor === command.saleMinor.toString() &&
      entry.data.currency === command.currency
    );
  }
  return entry.type === 'DeveloperDebited' && entry.data.developerId === command.developerId && entry.data.orderId === command.orderId && entry.data.refundId === command.refundId && entry.data.productId === command.productId;
}

export const developerLedgerDecider: EventSourcedDecider<DeveloperLedgerCommand, DeveloperLedgerEvent, DeveloperLedgerState> = {
  events: DeveloperLedgerEvent,
  initialState: { length: 0, balances: new Map(), recorded: RecordedSoFar.empty() },
  decide(command, state) {
    if (command.developerId.length === 0) return invalid('ledger.invalid_developer', 'a ledger belongs to a developer', 'developerId');
    if (command.entryId.length === 0) return invalid('ledger.invalid_entry', 'an entry id is required', 'entryId');
    if (command.orderId.length === 0 || command.productId.length === 0) return invalid('ledger.invalid_item', 'an entry names its order and product', command.orderId.length === 0 ? 'orderId' : 'productId');
    const recorded = entryOf(state, command.entryId);
    if (recorded) {
      if (sameContent(recorded, command)) return right([]);
      return left(domainError('conflict', 'ledger.entry_id_reused', `entry ${command.entryId} is already recorded with other content`, 'entryId'));
    }
    const item = itemKey(command.orderId, command.productId);
    const credit = creditOf(state, item);
    if (command.type === 'CreditSale') {
      if (command.saleMinor <= 0n) return invalid('ledger.invalid_sale', 'a sale is a whole number of minor units above zero', 'saleMinor');
      if (!isShareBasisPoints(command.shareBasisPoints)) return invalid('ledger.invalid_share', 'a share is a whole number of basis points from 0 to 10000', 'shareBasisPoints');
      if (!/^[A-Z]{3}$/.test(command.currency)) return invalid('ledger.invalid_currency', 'an ISO 4217 currency code', 'currency');
      if (credit) return left(domainError('conflict', 'ledger.already_credited', `product ${command.productId} of order ${command.orderId} is already credited (entry ${credit.entryId})`, 'entryId'));
      const amount = developerShareOf(command.saleMinor, command.shareBasisPoints);
      const balanceAfter = (state.balances.get(command.currency) ?? 0n) + amount;
      return right([
        {
          type: 'DeveloperCredited',
          data: {
            developerId: command.developerId,
            entryId: command.entryId,
            orderId: command.orderId,
            productId: command.productId,
            saleMinor: command.saleMinor.toString(),
            shareBasisPoints: command.shareBasisPoints,
            amountMinor: amount.toString(),
            currency: command.currency,
            balanceAfterMinor: balanceAfter.toString(),
            creditedAt: command.now.toISOString(),
          },
        },
      ]);
    }
    if (command.refundId.length === 0) return invalid('ledger.invalid_refund', 'a refund id is required', 'refundId');
    if (!credit) return left(domainError('not_found', 'ledger.credit_not_found', `product ${command.productId} of order ${command.orderId} was never credited to this developer`));
    const debit = debitOf(state, item);
    if (debit !== undefined) return left(domainError('conflict', 'ledger.already_debited', `product ${command.productId} of order ${command.orderId} is already debited (entry ${debit})`, 'entryId'));
    const balanceAfter = (state.balances.get(credit.currency) ?? 0n) - credit.amountMinor;
    return right([
      {
        type: 'DeveloperDebited',
        data: {
          developerId: command.developerId,
          entryId: command.entryId,
          orderId: command.orderId,
          refundId: command.refundId,
          productId: command.productId,
          amountMinor: credit.amountMinor.toString(),
          currency: credit.currency,
          balanceAfterMinor: balanceAfter.toString(),
          debitedAt: command.now.toISOString(),
        },
      },
    ]);
  },
  evolve(state, event) {
    const d = event.data;
    const amount = BigInt(d.amountMinor);
    const item = itemKey(d.orderId, d.productId);
    const balances = new Map(state.balances);
    const entry = [`entry\u0000${d.entryId}`, { kind: 'entry', event }] as const;
    if (event.type === 'DeveloperCredited') {
      balances.set(d.currency, (balances.get(d.currency) ?? 0n) + amount);
      const credit = [`credit\u0000${item}`, { kind: 'credit', entryId: d.entryId, amountMinor: amount, currency: d.currency }] as const;
      return { length: state.length + 1, balances, recorded: state.recorded.with([entry, credit], state.length) };
    }
    balances.set(d.currency, (balances.get(d.currency) ?? 0n) - amount);
    const debit = [`debit\u0000${item}`, { kind: 'debit', entryId: d.entryId }] as const;
    return { length: state.length + 1, balances, recorded: state.recorded.with([entry, debit], state.length) };
  },
};
