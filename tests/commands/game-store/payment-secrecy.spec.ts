import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import { startPaymentSandbox, type PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import { ManualClock } from '../../../platform/clock.js';
import { storedEventsText } from '../../support/event-log-under-test.js';
import { openTestDatabase } from '../../support/test-database.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { gameStoreModule } from '../../../commands/game-store/game-store-module.js';
import { startTestSystem } from '../../support/test-system.js';
import { aBuyer, givenOrderOfNewProduct, type GameStoreSystem } from './game-store-harness.js';
import { initiatePayment, transactionBecomes } from './payment-harness.js';

const SHOP_SECRET = 'live_shop-secret-NEVER-stored-0123456789abcdef';
const TERMINAL_PASSWORD = 'terminal-password-NEVER-stored-9876';
const occurrences = (text: string, secret: string) => text.split(secret).length - 1;

/**
 * Item 8 of issue 12: shop secrets, terminal passwords, request signatures and buyers' access
 * tokens never reach events, read models, BI, stored idempotent answers or the log. The
 * system is configured as with REAL providers (credentials and API URLs), pointed at a
 * sandbox started with the same credentials — the configured path, not the embedded default.
 */
describe('game store: no secret is kept anywhere (issue 12 item 8)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let sandbox: PaymentSandbox;
  let system: GameStoreSystem;
  const clock = new ManualClock(new Date());
  const logLines: string[] = [];

  before(async () => {
    database = await openTestDatabase();
    sandbox = await startPaymentSandbox({ port: 0, yookassa: { shopId: '424242', secretKey: SHOP_SECRET }, tbank: { terminalKey: 'SecrecyDEMO', password: TERMINAL_PASSWORD }, delivery: { firstRetryMs: 20, attempts: 5 }, now: () => clock.now() });
    system = await startTestSystem({
      database,
      clock,
      contexts: [accountsModule(), gameStoreModule()],
      env: {
        YOOKASSA_SHOP_ID: '424242',
        YOOKASSA_SECRET_KEY: SHOP_SECRET,
        YOOKASSA_API_URL: sandbox.yookassa.apiUrl,
        YOOKASSA_WEBHOOK_SOURCES: '127.0.0.1,::1',
        TBANK_TERMINAL_KEY: 'SecrecyDEMO',
        TBANK_PASSWORD: TERMINAL_PASSWORD,
        TBANK_API_URL: sandbox.tbank.apiUrl,
      },
      logger: createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } }),
    });
    sandbox.setYookassaWebhookUrl(`${system.api}/webhooks/yookassa`);
  });
  after(async () => {
    await system?.stop();
    await sandbox?.stop();
    await database?.dispose();
  });

  it('given payments at both providers (paid, declined, a refused webhook, retried with Idempotency-Keys), then no event, table of any schema or log line holds the shop secret, the terminal password, a request Token or the buyer’s access token', async () => {
    const buyer = await aBuyer();
    const bearer = buyer.token.slice('Bearer '.length);
    const tokens: string[] = [];
    for (const provider of ['yookassa', 'tbank'] as const) {
      const { order } = await givenOrderOfNewProduct(system.api, buyer.token);
      const tx = await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider }, `secrecy-${provider}`);
      await initiatePayment(system.api, buyer.token, { order_id: order.order_id, provider }, `secrecy-${provider}`); // the stored answer replayed
      await sandbox.pay(provider, tx.provider_payment_id!);
      await transactionBecomes(system.api, buyer.token, tx.transaction_id, 'completed');
      const { order: declined } = await givenOrderOfNewProduct(system.api, buyer.token);
      const lost = await initiatePayment(system.api, buyer.token, { order_id: declined.order_id, provider });
      await sandbox.decline(provider, lost.provider_payment_id!);
      await transactionBecomes(system.api, buyer.token, lost.transaction_id, 'failed');
    }
    for (const delivery of sandbox.deliveries()) {
      const token = (delivery.body as { Token?: unknown }).Token;
      if (typeof token === 'string') tokens.push(token);
    }
    assert.ok(tokens.length >= 2, 'T-Bank notifications carried Tokens');
    const forged = await request(system.api).post('/webhooks/tbank').send({ TerminalKey: 'SecrecyDEMO', OrderId: 'x', Success: true, Status: 'CONFIRMED', PaymentId: 1, ErrorCode: '0', Amount: 100, Token: 'e'.repeat(64) });
    assert.equal(forged.status, 403);

    const secrets: Record<string, string> = { 'the shop secret': SHOP_SECRET, 'the terminal password': TERMINAL_PASSWORD, 'the buyer’s access token': bearer, ...Object.fromEntries(tokens.map((t, i) => [`T-Bank Token ${i}`, t])) };
    const found: string[] = [];
    const events = await storedEventsText(database);
    assert.ok(events.some((e) => e.type === 'PaymentTransactionCompleted'));
    const { rows: tables } = await sql<{ table_schema: string; table_name: string }>`
      select table_schema, table_name from information_schema.tables
      where table_schema in (${database.schema}, ${database.biSchema}) and table_type in ('BASE TABLE', 'VIEW')`.execute(database.db);
    assert.ok(tables.some((t) => t.table_name === 'http_idempotency_keys') && tables.some((t) => t.table_name === 'rm_payment_transactions') && tables.some((t) => t.table_name === 'payment_transactions'));
    const rowsOf: string[] = [];
    for (const table of tables) {
      const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(`${table.table_schema}.${table.table_name}`)} as t`.execute(database.db);
      for (const { row } of rows) rowsOf.push(`${table.table_schema}.${table.table_name}: ${row}`);
    }
    assert.ok(logLines.length > 10, 'the log was captured');
    for (const [name, secret] of Object.entries(secrets)) {
      for (const event of events) if (occurrences(event.data + event.metadata, secret) > 0) found.push(`${name} in event ${event.type} of ${event.streamName}`);
      for (const row of rowsOf) if (occurrences(row, secret) > 0) found.push(`${name} in ${row.slice(0, 160)}`);
      for (const line of logLines) if (occurrences(line, secret) > 0) found.push(`${name} in log line ${line.slice(0, 160)}`);
    }
    assert.deepEqual(found, []);
    console.log(`      scanned ${events.length} events, ${rowsOf.length} rows of ${tables.length} tables, ${logLines.length} log lines for ${Object.keys(secrets).length} secrets`);
  });
});
