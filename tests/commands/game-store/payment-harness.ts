import assert from 'node:assert/strict';
import request from 'supertest';
import { startPaymentSandbox, type PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import type { Database } from '../../../adapters/database/database.js';
import type { Clock } from '../../../platform/clock.js';
import { eventually } from '../../support/eventually.js';
import { startGameStore, type GameStoreSystem } from './game-store-harness.js';

/**
 * A game store paying through a sandbox the suite owns (it outlives the system: a crash and
 * restart of ours meets the same provider state), notifying the system's webhooks.
 */
export interface PayingStore {
  readonly system: GameStoreSystem;
  readonly sandbox: PaymentSandbox;
}

/** The sandbox on our clock (a ManualClock moves both: RedirectDueDate, expiries). */
export async function startSandbox(clock?: Clock): Promise<PaymentSandbox> {
  return startPaymentSandbox({ port: 0, delivery: { firstRetryMs: 20, attempts: 5 }, ...(clock ? { now: () => clock.now() } : {}) });
}

export async function startPayingStore(options: { database: Database; clock: Clock; sandbox: PaymentSandbox; env?: Record<string, string>; role?: 'all' | 'api' | 'worker' }): Promise<GameStoreSystem> {
  const system = await startGameStore({
    database: options.database,
    clock: options.clock,
    ...(options.role ? { role: options.role } : {}),
    env: {
      PAYMENT_SANDBOX_URL: options.sandbox.url,
      YOOKASSA_WEBHOOK_SOURCES: '127.0.0.1,::1',
      PAYMENT_PROVIDER_TIMEOUT_MS: '1000',
      ...options.env,
    },
  });
  options.sandbox.setYookassaWebhookUrl(`${system.api}/webhooks/yookassa`);
  return system;
}

export interface InitiatedTransaction {
  transaction_id: string;
  order_id: string;
  provider: string;
  payment_method: string;
  status: string;
  amount: { value: string; currency: string };
  provider_payment_id?: string;
  redirect_url?: string;
  qr?: { payload: string; image_url: string };
  expires_at: string;
}

export async function initiatePayment(
  api: string,
  token: string,
  body: { order_id: string; provider: 'yookassa' | 'tbank'; payment_method?: string; success_url?: string; fail_url?: string },
  idempotencyKey?: string,
): Promise<InitiatedTransaction> {
  let call = request(api)
    .post('/api/v1/payments/transactions/initiate')
    .set('Authorization', token)
    .send({ success_url: 'https://shop.example/paid', ...body });
  if (idempotencyKey) call = call.set('Idempotency-Key', idempotencyKey);
  const answer = await call;
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as InitiatedTransaction;
}

export async function transactionOf(api: string, token: string, id: string) {
  const answer = await request(api).get(`/api/v1/payments/transactions/${id}`).set('Authorization', token).expect(200);
  return answer.body as InitiatedTransaction & { history: { event: string; status: string | null; provider_status: string | null; source: string | null }[]; failure_reason?: string; late_payments: number };
}

/** Wait until the transaction's read model shows `status`. */
export function transactionBecomes(api: string, token: string, id: string, status: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const view = await transactionOf(api, token, id);
    return view.status === status ? view : undefined;
  }, timeoutMs);
}
