import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { Database } from '../../../adapters/database/database.js';
import { startCloudRegister, type LocalCloudRegister } from '../../../adapters/fiscal/cloud-register/cloud-register.js';
import type { PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import type { Clock } from '../../../platform/clock.js';
import { eventually, tokenFor, type Caller, type GameStoreSystem } from './game-store-harness.js';
import { startPayingStore, startSandbox } from './payment-harness.js';
import { openTestDatabase } from '../../support/test-database.js';

/**
 * A game store that pays through a sandbox and registers receipts with a local cloud register,
 * both owned by the suite (they outlive a system that is stopped and started again).
 */
export async function startRegister(clock?: Clock, waitMs = 150): Promise<LocalCloudRegister> {
  return startCloudRegister({ port: 0, waitMs, ...(clock ? { now: () => clock.now() } : {}) });
}

export function startPurchasingStore(options: { database: Database; clock: Clock; sandbox: PaymentSandbox; register: LocalCloudRegister; env?: Record<string, string>; role?: 'all' | 'api' | 'worker' }): Promise<GameStoreSystem> {
  return startPayingStore({ ...options, env: { CLOUD_REGISTER_URL: options.register.url, ...options.env } });
}

/** A buyer with an account (the receipt goes to its e-mail): registered over HTTP. */
export async function registeredBuyer(api: string, name = `buyer-${randomBytes(4).toString('hex')}`): Promise<Caller & { email: string }> {
  const email = `${name}@example.com`;
  const registered = await request(api).post('/api/auth/register').send({ email, password: 'correct horse battery', display_name: name }).expect(201);
  const id = registered.body.user.id as string;
  return { id, email, token: await tokenFor(id, ['user']) };
}

export interface OrderDetail {
  order_id: string;
  status: string;
  buyer_id: string;
  total: { value: string; currency: string };
  items: { product_id: string; title: string; line_total: string }[];
  transactions: { transaction_id: string; status: string }[];
  progress: { paid: boolean; in_library: boolean; confirmation_sent: boolean; receipt_registered: boolean; receipt_sent: boolean; developer_credited: boolean; recorded: boolean; steps: { step: string; done_at: string }[] };
  refunds: { refund_id: string; status: string; items: string[]; amount: { value: string; currency: string }; reason: string; failure_reason: string | null }[];
}

export async function orderDetail(api: string, token: string, orderId: string): Promise<OrderDetail> {
  return (await request(api).get(`/api/v1/orders/${orderId}`).set('Authorization', token).expect(200)).body as OrderDetail;
}

/** Wait until the order satisfies `done` (default: every step of the purchase done). */
export function orderReaches(api: string, token: string, orderId: string, done: (o: OrderDetail) => boolean = (o) => o.progress.recorded, timeoutMs = 30_000): Promise<OrderDetail> {
  return eventually(async () => {
    const order = await orderDetail(api, token, orderId);
    return done(order) ? order : undefined;
  }, timeoutMs);
}

export async function libraryOf(api: string, token: string): Promise<{ product_id: string; order_id: string; acquisition: string }[]> {
  const answer = await request(api).get('/api/v1/library/items').query({ limit: 100 }).set('Authorization', token).expect(200);
  return answer.body.items;
}

export async function receiptsOf(api: string, token: string, orderId: string) {
  const answer = await request(api).get(`/api/v1/orders/${orderId}/receipts`).set('Authorization', token).expect(200);
  return answer.body.items as {
    receipt_id: string;
    operation: string;
    status: string;
    total: { value: string; currency: string };
    lines: { product_id: string; name: string; quantity: number; price: string; sum: string; vat: string; payment_object: string; payment_method: string }[];
    attempts: number;
    fiscal: { fiscal_document_number: string; fiscal_sign: string; fiscal_drive_number: string; register_number: string; registered_at: string } | null;
    last_error: string | null;
  }[];
}

export async function balanceOf(api: string, developerToken: string) {
  const answer = await request(api).get('/api/v1/developers/me/balance').set('Authorization', developerToken).expect(200);
  return answer.body as { developer_id: string; balances: { value: string; amount_minor: string; currency: string }[]; entries: { kind: string; order_id: string; product_id: string; amount: { amount_minor: string } }[] };
}

export async function inboxOf(api: string, token: string): Promise<{ kind: string; title: string; body: string }[]> {
  const answer = await request(api).get('/api/notifications').set('Authorization', token).expect(200);
  return answer.body.items;
}

export async function refund(api: string, token: string, orderId: string, body: { reason: string; items?: string[] }, expected = 202) {
  const answer = await request(api).post(`/api/v1/orders/${orderId}/refund`).set('Authorization', token).send(body);
  assert.equal(answer.status, expected, JSON.stringify(answer.body));
  return answer.body;
}

export interface PurchasingSuite {
  readonly database: Awaited<ReturnType<typeof openTestDatabase>>;
  readonly sandbox: PaymentSandbox;
  readonly register: LocalCloudRegister;
  readonly system: GameStoreSystem;
}

/**
 * The mocha hooks of a suite that buys games: its own database, payment sandbox and cloud
 * register (on `clock`), and a store paying through them — started before its specs, stopped
 * after. Read the fields inside specs (they are set once `before` ran).
 */
export function purchasingSuite(clock: Clock, env: Record<string, string> = {}): PurchasingSuite {
  const suite = {} as { -readonly [K in keyof PurchasingSuite]: PurchasingSuite[K] };
  before(async () => {
    suite.database = await openTestDatabase();
    suite.sandbox = await startSandbox(clock);
    suite.register = await startRegister();
    suite.system = await startPurchasingStore({ database: suite.database, clock, sandbox: suite.sandbox, register: suite.register, env });
  });
  after(async () => {
    await suite.system?.stop();
    await suite.sandbox?.stop();
    await suite.register?.stop();
    await suite.database?.dispose();
  });
  return suite;
}
