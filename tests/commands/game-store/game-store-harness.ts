import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { ContextFactory } from '../../../adapters/app/context-module.js';
import type { RunningSystem } from '../../../adapters/app/system.js';
import type { Database } from '../../../adapters/database/database.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { catalogAndOrders } from '../../../commands/game-store/catalog-and-orders.js';
import { gameStoreModule } from '../../../commands/game-store/game-store-module.js';
import { notificationsModule } from '../../../commands/notifications/notifications-module.js';
import type { GameOwnership } from '../../../commands/game-store/ports/game-ownership.js';
import type { OrderPayments, OrderPaymentSummary } from '../../../commands/game-store/ports/order-payments.js';
import type { Clock } from '../../../platform/clock.js';
import { eventually } from '../../support/eventually.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';

/**
 * The game store as `npm start` builds it (accounts + notifications + game store) on a suite's database, and
 * the callers and givens its specs share: catalog, orders, payments, webhooks.
 */
export type GameStoreSystem = RunningSystem & { api: string };

export function startGameStore(options: { database: Database; clock: Clock; role?: 'all' | 'api' | 'worker'; env?: Record<string, string>; contexts?: readonly ContextFactory[] }): Promise<GameStoreSystem> {
  return startTestSystem({ database: options.database, clock: options.clock, ...(options.role ? { role: options.role } : {}), env: options.env ?? {}, contexts: options.contexts ?? [accountsModule(), notificationsModule(), gameStoreModule()] });
}

export { eventually };

/** `Bearer <token>` of a user with these roles (signed as accounts would; no account stream behind it). */
export const tokenFor = (id: string, roles: readonly string[]): Promise<string> =>
  signAccessToken({ kind: 'user', id, roles: [...roles], scopes: [] }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then((t) => `Bearer ${t}`);
export const serviceToken = (id: string, scopes: readonly string[] = []): Promise<string> =>
  signAccessToken({ kind: 'service', id, roles: [], scopes: [...scopes] }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then((t) => `Bearer ${t}`);

export const buyer = (id = `buyer-${randomBytes(4).toString('hex')}`) => tokenFor(id, ['user']);
export const developer = (id = `dev-${randomBytes(4).toString('hex')}`) => tokenFor(id, ['user', 'developer']);
export const admin = (id = 'admin-1') => tokenFor(id, ['user', 'admin']);
export const support = (id = 'support-1') => tokenFor(id, ['user', 'support']);

/** A caller: its id and `Authorization` header value. */
export interface Caller {
  readonly id: string;
  readonly token: string;
}
const caller = async (id: string, roles: readonly string[]): Promise<Caller> => ({ id, token: await tokenFor(id, roles) });
export const aBuyer = (id = `buyer-${randomBytes(4).toString('hex')}`) => caller(id, ['user']);
export const aDeveloper = (id = `dev-${randomBytes(4).toString('hex')}`) => caller(id, ['user', 'developer']);
export const anAdmin = (id = `admin-${randomBytes(4).toString('hex')}`) => caller(id, ['user', 'admin']);

/**
 * A registered account holding the developer role (for an admin listing a game on its behalf,
 * which is checked against the account): registered over HTTP, the role granted by an admin.
 */
export async function registeredDeveloper(api: string, name = `dev-${randomBytes(4).toString('hex')}`): Promise<Caller> {
  const registered = await request(api).post('/api/auth/register').send({ email: `${name}@example.com`, password: 'correct horse battery', display_name: name }).expect(201);
  const id = registered.body.user.id as string;
  await request(api).post(`/api/admin/users/${id}/roles`).set('Authorization', await admin()).send({ role: 'developer' }).expect(200);
  return { id, token: await tokenFor(id, ['user', 'developer']) };
}

export interface ProductSpec {
  readonly title?: string;
  readonly vat?: string;
  readonly payment_subject?: string;
  /** Region → major-unit amount ("1499.00"), in `currency`. Default { RU: '1499.00' }. */
  readonly prices?: Readonly<Record<string, string>>;
  readonly currency?: string;
  /** When an admin lists it. */
  readonly developer_id?: string;
}

/** Given a product listed by `token` (a developer, or an admin with `developer_id`): its view. */
export async function givenProduct(api: string, token: string, spec: ProductSpec = {}) {
  const currency = spec.currency ?? 'RUB';
  const body = {
    title: spec.title ?? `Game ${randomBytes(3).toString('hex')}`,
    vat: spec.vat ?? 'none',
    ...(spec.payment_subject ? { payment_subject: spec.payment_subject } : {}),
    ...(spec.developer_id ? { developer_id: spec.developer_id } : {}),
    prices: Object.entries(spec.prices ?? { RU: '1499.00' }).map(([region, amount]) => ({ region, currency, amount })),
  };
  const answer = await request(api).post('/api/v1/catalog/products').set('Authorization', token).send(body);
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as ProductAnswer;
}

export interface ProductAnswer {
  product_id: string;
  title: string;
  developer_id: string;
  status: 'active' | 'withdrawn';
  vat: string;
  payment_subject: string;
  prices: { region: string; currency: string; amount: string }[];
  listed_at: string;
  updated_at: string;
  version: number;
}

export interface OrderAnswer {
  order_id: string;
  status: string;
  region: string;
  currency: string;
  items: { product_id: string; title: string; quantity: number; unit_price: string; line_total: string }[];
  total: { value: string; currency: string };
  payment_method: string;
  created_at: string;
}

/** Given an order of these products (one each) by `buyerToken`: its 201 answer. */
export async function givenOrder(api: string, buyerToken: string, productIds: readonly string[], options: { region?: string; payment_method?: string; idempotencyKey?: string } = {}) {
  let call = request(api)
    .post('/api/v1/orders/initiate')
    .set('Authorization', buyerToken)
    .send({ items: productIds.map((product_id) => ({ product_id, quantity: 1 })), region: options.region ?? 'RU', payment_method: options.payment_method ?? 'bank_card' });
  if (options.idempotencyKey) call = call.set('Idempotency-Key', options.idempotencyKey);
  const answer = await call;
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as OrderAnswer;
}

/** The same, priced from a fresh product of a fresh developer: the shortest way to an order to pay. */
export async function givenOrderOfNewProduct(api: string, buyerToken: string, spec: ProductSpec = {}, options: { region?: string; payment_method?: string } = {}) {
  const product = await givenProduct(api, (await aDeveloper()).token, spec);
  return { product, order: await givenOrder(api, buyerToken, [product.product_id], options) };
}

/** Ports the catalog-and-orders part is given, as a spec sets them (who owns what, an order's transactions). */
export interface StubPorts {
  readonly owned: Map<string, Set<string>>;
  readonly transactions: Map<string, OrderPaymentSummary[]>;
  readonly ownership: GameOwnership;
  readonly orderPayments: OrderPayments;
}

export function stubPorts(): StubPorts {
  const owned = new Map<string, Set<string>>();
  const transactions = new Map<string, OrderPaymentSummary[]>();
  return {
    owned,
    transactions,
    ownership: { ownedAmong: async (buyerId, productIds) => productIds.filter((id) => owned.get(buyerId)?.has(id)) },
    orderPayments: {
      ofOrder: async (orderId) => transactions.get(orderId) ?? [],
      ofOrders: async (orderIds) => new Map(orderIds.map((id) => [id, transactions.get(id) ?? []])),
    },
  };
}

/**
 * The catalog-and-orders part alone as the game-store context, on ports a spec controls (the
 * module's own wiring is the payments' to test): for ownership refusals and order statuses.
 */
export function catalogAndOrdersContext(ports: Pick<StubPorts, 'ownership' | 'orderPayments'>): ContextFactory {
  return (system) => ({
    name: 'game-store',
    roles: [{ name: 'developer', description: 'puts its own games in the catalog (game store)' }],
    ...catalogAndOrders({ system, ownership: ports.ownership, orderPayments: ports.orderPayments }),
  });
}
