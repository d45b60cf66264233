import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A game in the catalog (P-1), one stream `Product-<id>`: its title, the developer who owns it,
 * a price per region (ISO 3166-1 alpha-2) in one currency (ISO 4217), the 54-FZ fiscal
 * attributes of its receipt lines (VAT rate, payment subject), active or withdrawn. Every
 * price change is an event carrying the price before and after, so the price history is the
 * stream itself. Orders read the price from this stream at the moment they are placed. An admin
 * may set the developer's revenue share of its sales (basis points; none set: the configured
 * default), which the developer's ledger reads when a sale is credited.
 *
 * Amounts are decimal strings of whole minor units ("149900" = 1 499.00 ₽) in events and
 * commands; the edge speaks major units ("1499.00", domain/money.ts). Pure: the time, the id
 * and who acts come in the command.
 */
export const ProductPrice = t.type({ currency: t.string, amountMinor: t.string });
export type ProductPrice = t.TypeOf<typeof ProductPrice>;

export const RegionalPrice = t.intersection([t.type({ region: t.string }), ProductPrice]);
export type RegionalPrice = t.TypeOf<typeof RegionalPrice>;

export const ProductEvent = t.union([
  eventCodec(
    'ProductListed',
    t.type({
      productId: t.string,
      title: t.string,
      developerId: t.string,
      prices: t.array(RegionalPrice),
      vat: t.string,
      paymentSubject: t.string,
      by: t.string,
      listedAt: t.string,
    }),
  ),
  /** A region priced for the first time (`previous` null) or priced anew. */
  eventCodec('ProductPriceSet', t.type({ productId: t.string, region: t.string, previous: t.union([ProductPrice, t.null]), current: ProductPrice, by: t.string, at: t.string })),
  /** A region no longer priced: the product cannot be ordered there. */
  eventCodec('ProductPriceRemoved', t.type({ productId: t.string, region: t.string, previous: ProductPrice, current: t.null, by: t.string, at: t.string })),
  eventCodec('ProductRetitled', t.type({ productId: t.string, previousTitle: t.string, title: t.string, by: t.string, at: t.string })),
  eventCodec(
    'ProductFiscalChanged',
    t.type({ productId: t.string, previous: t.type({ vat: t.string, paymentSubject: t.string }), vat: t.string, paymentSubject: t.string, by: t.string, at: t.string }),
  ),
  eventCodec('ProductWithdrawn', t.type({ productId: t.string, by: t.string, at: t.string })),
  eventCodec('ProductRestored', t.type({ productId: t.string, by: t.string, at: t.string })),
  /** The developer's share of this product's sales, in basis points (7000 = 70 %); `previous` null: the default applied until now. */
  eventCodec('ProductRevenueShareSet', t.type({ productId: t.string, previous: t.union([t.number, t.null]), shareBasisPoints: t.number, by: t.string, at: t.string })),
]);
export type ProductEvent = t.TypeOf<typeof ProductEvent>;

export type ProductStatus = 'active' | 'withdrawn';

export type ProductState =
  | { readonly status: 'none' }
  | {
      readonly status: ProductStatus;
      readonly productId: string;
      readonly title: string;
      readonly developerId: string;
      /** By region. */
      readonly prices: Readonly<Record<string, ProductPrice>>;
      readonly vat: string;
      readonly paymentSubject: string;
      /** The developer's revenue share in basis points; null: the configured default. */
      readonly revenueShareBasisPoints: number | null;
      readonly listedAt: string;
      readonly updatedAt: string;
    };
export type ListedProduct = Exclude<ProductState, { status: 'none' }>;

/** Who acts: the owning developer may change their product, an admin any product. */
export interface ProductActor {
  readonly id: string;
  readonly isAdmin: boolean;
}

export type ProductCommand =
  | {
      readonly type: 'ListProduct';
      readonly productId: string;
      readonly title: string;
      readonly developerId: string;
      readonly prices: readonly RegionalPrice[];
      readonly vat: string;
      readonly paymentSubject: string;
      readonly by: ProductActor;
      readonly now: Date;
    }
  | { readonly type: 'SetPrice'; readonly region: string; readonly price: ProductPrice; readonly by: ProductActor; readonly now: Date }
  | { readonly type: 'RemovePrice'; readonly region: string; readonly by: ProductActor; readonly now: Date }
  /** Title and / or fiscal attributes; what is unchanged makes no event. */
  | { readonly type: 'ReviseProduct'; readonly title?: string; readonly vat?: string; readonly paymentSubject?: string; readonly by: ProductActor; readonly now: Date }
  | { readonly type: 'WithdrawProduct'; readonly by: ProductActor; readonly now: Date }
  | { readonly type: 'RestoreProduct'; readonly by: ProductActor; readonly now: Date }
  /** Admins only: a commercial term between the store and the developer. */
  | { readonly type: 'SetRevenueShare'; readonly shareBasisPoints: number; readonly by: ProductActor; readonly now: Date };

export const streamOfProduct = (productId: string): string => `Product-${productId}`;
export const productOfStream = (stream: string): string | undefined => (stream.startsWith('Product-') ? stream.slice('Product-'.length) : undefined);

/** ISO 3166-1 alpha-2: the officially assigned codes. */
export const REGIONS: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW
   CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO
   IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
   NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY
   SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`.split(/\s+/),
);
export const isRegion = (text: string): boolean => REGIONS.has(text);
/** An ISO 4217 code's shape (the edge also checks it is a known one). */
export const isCurrencyCode = (text: string): boolean => /^[A-Z]{3}$/.test(text);
/** Whole minor units above zero, as the events spell them (no sign, no leading zeros, ≤ 14 digits). */
export const isAmountMinor = (text: string): boolean => /^[1-9][0-9]{0,13}$/.test(text);
export const MAX_TITLE_LENGTH = 200;
/** A revenue share: whole basis points from 0 to 10000 (100 %). */
export const isRevenueShare = (bps: number): boolean => Number.isInteger(bps) && bps >= 0 && bps <= 10_000;

/**
 * A share as the edge and the configuration speak it: a percent from 0 to 100 as a decimal
 * string with at most two decimals ("70", "72.5", "0.01") — two decimals of a percent are a
 * basis point, so it converts without rounding.
 */
const SHARE_PERCENT = /^(0|[1-9][0-9]?|100)(\.[0-9]{1,2})?$/;
export const SHARE_PERCENT_PATTERN = SHARE_PERCENT.source;
/** "72.5" → 7250. */
export const basisPointsOfPercent = (percent: string): number => {
  const [whole, fraction = ''] = percent.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
};
export const isSharePercent = (text: string): boolean => SHARE_PERCENT.test(text) && basisPointsOfPercent(text) <= 10_000;
/** 7000 → "70", 7250 → "72.5", 7255 → "72.55". */
export const percentOfBasisPoints = (bps: number): string => {
  const whole = Math.trunc(bps / 100);
  const fraction = (bps % 100).toString().padStart(2, '0').replace(/0+$/, '');
  return fraction === '' ? String(whole) : `${whole}.${fraction}`;
};

const notListed = (): DomainError => domainError('not_found', 'catalog.product_not_found', 'no such product');
const notOwner = (): DomainError => domainError('forbidden', 'catalog.not_owner', 'only the developer who owns this product, or an admin, may change it');
const invalid = (code: string, message: string, field: string): Either<DomainError, never> => left(domainError('rule_violated', code, message, field));

function checkTitle(title: string): Either<DomainError, string> {
  const trimmed = title.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TITLE_LENGTH) return invalid('catalog.invalid_title', `a title has 1 to ${MAX_TITLE_LENGTH} characters`, 'title');
  return right(trimmed);
}

function checkPrice(region: string, price: ProductPrice, field: string): Either<DomainError, void> {
  if (!isRegion(region)) return invalid('catalog.invalid_region', `${JSON.stringify(region)} is not an ISO 3166-1 alpha-2 region code`, `${field}region`);
  if (!isCurrencyCode(price.currency)) return invalid('catalog.invalid_currency', `${JSON.stringify(price.currency)} is not an ISO 4217 currency code`, `${field}currency`);
  if (!isAmountMinor(price.amountMinor)) return invalid('catalog.invalid_amount', 'a price is a whole number of minor units above zero', `${field}amount`);
  return right(undefined);
}

const samePrice = (a: ProductPrice | undefined, b: ProductPrice): boolean => a !== undefined && a.currency === b.currency && a.amountMinor === b.amountMinor;

export const productDecider: EventSourcedDecider<ProductCommand, ProductEvent, ProductState> = {
  events: ProductEvent,
  initialState: { status: 'none' },
  decide(command, state) {
    if (command.type === 'ListProduct') {
      if (state.status !== 'none') return left(domainError('conflict', 'catalog.product_exists', `product ${command.productId} is already listed`));
      const title = checkTitle(command.title);
      if (title._tag === 'Left') return title;
      if (command.developerId.length === 0) return invalid('catalog.invalid_developer', 'a product is owned by a developer', 'developer_id');
      if (!command.by.isAdmin && command.by.id !== command.developerId) return left(domainError('forbidden', 'catalog.not_owner', 'a developer lists only their own products'));
      const seen = new Set<string>();
      for (const [index, price] of command.prices.entries()) {
        const ok = checkPrice(price.region, price, `prices.${index}.`);
        if (ok._tag === 'Left') return ok;
        if (seen.has(price.region)) return invalid('catalog.duplicate_region', `region ${price.region} is priced twice`, `prices.${index}.region`);
        seen.add(price.region);
      }
      return right([
        {
          type: 'ProductListed',
          data: {
            productId: command.productId,
            title: title.right,
            developerId: command.developerId,
            prices: command.prices.map((p) => ({ region: p.region, currency: p.currency, amountMinor: p.amountMinor })),
            vat: command.vat,
            paymentSubject: command.paymentSubject,
            by: command.by.id,
            listedAt: command.now.toISOString(),
          },
        },
      ]);
    }
    if (state.status === 'none') return left(notListed());
    if (command.type === 'SetRevenueShare' && !command.by.isAdmin) return left(domainError('forbidden', 'catalog.admin_only', 'only an admin sets a revenue share'));
    if (!command.by.isAdmin && command.by.id !== state.developerId) return left(notOwner());
    const common = { productId: state.productId, by: command.by.id, at: command.now.toISOString() };
    switch (command.type) {
      case 'SetPrice': {
        const ok = checkPrice(command.region, command.price, '');
        if (ok._tag === 'Left') return ok;
        const previous = state.prices[command.region];
        if (samePrice(previous, command.price)) return right([]);
        return right([{ type: 'ProductPriceSet', data: { ...common, region: command.region, previous: previous ?? null, current: { currency: command.price.currency, amountMinor: command.price.amountMinor } } }]);
      }
      case 'RemovePrice': {
        const previous = state.prices[command.region];
        if (!previous) return left(domainError('not_found', 'catalog.price_not_found', `the product has no price in region ${command.region}`, 'region'));
        return right([{ type: 'ProductPriceRemoved', data: { ...common, region: command.region, previous, current: null } }]);
      }
      case 'ReviseProduct': {
        const events: ProductEvent[] = [];
        if (command.title !== undefined) {
          const title = checkTitle(command.title);
          if (title._tag === 'Left') return title;
          if (title.right !== state.title) events.push({ type: 'ProductRetitled', data: { ...common, previousTitle: state.title, title: title.right } });
        }
        const vat = command.vat ?? state.vat;
        const paymentSubject = command.paymentSubject ?? state.paymentSubject;
        if (vat !== state.vat || paymentSubject !== state.paymentSubject) {
          events.push({ type: 'ProductFiscalChanged', data: { ...common, previous: { vat: state.vat, paymentSubject: state.paymentSubject }, vat, paymentSubject } });
        }
        return right(events);
      }
      case 'WithdrawProduct':
        return right(state.status === 'withdrawn' ? [] : [{ type: 'ProductWithdrawn', data: common }]);
      case 'RestoreProduct':
        return right(state.status === 'active' ? [] : [{ type: 'ProductRestored', data: common }]);
      case 'SetRevenueShare':
        if (!isRevenueShare(command.shareBasisPoints)) return invalid('catalog.invalid_revenue_share', 'a revenue share is from 0 to 100 % (0 to 10000 basis points, whole)', 'share_percent');
        if (command.shareBasisPoints === state.revenueShareBasisPoints) return right([]);
        return right([{ type: 'ProductRevenueShareSet', data: { ...common, previous: state.revenueShareBasisPoints, shareBasisPoints: command.shareBasisPoints } }]);
    }
  },
  evolve(state, event) {
    if (event.type === 'ProductListed') {
      const d = event.data;
      return {
        status: 'active',
        productId: d.productId,
        title: d.title,
        developerId: d.developerId,
        prices: Object.fromEntries(d.prices.map((p) => [p.region, { currency: p.currency, amountMinor: p.amountMinor }])),
        vat: d.vat,
        paymentSubject: d.paymentSubject,
        revenueShareBasisPoints: null,
        listedAt: d.listedAt,
        updatedAt: d.listedAt,
      };
    }
    if (state.status === 'none') return state;
    const at = event.data.at;
    switch (event.type) {
      case 'ProductPriceSet':
        return { ...state, prices: { ...state.prices, [event.data.region]: event.data.current }, updatedAt: at };
      case 'ProductPriceRemoved': {
        const { [event.data.region]: _removed, ...prices } = state.prices;
        return { ...state, prices, updatedAt: at };
      }
      case 'ProductRetitled':
        return { ...state, title: event.data.title, updatedAt: at };
      case 'ProductFiscalChanged':
        return { ...state, vat: event.data.vat, paymentSubject: event.data.paymentSubject, updatedAt: at };
      case 'ProductWithdrawn':
        return { ...state, status: 'withdrawn', updatedAt: at };
      case 'ProductRestored':
        return { ...state, status: 'active', updatedAt: at };
      case 'ProductRevenueShareSet':
        return { ...state, revenueShareBasisPoints: event.data.shareBasisPoints, updatedAt: at };
    }
  },
};
