/**
 * `npm run bench -- purchase [--quick] [--provider=yookassa|tbank] [--database=pglite,postgres] [--sequential=40] [--rates=10,20,40] [--seconds=10] [--poll-ms=5] [--trace=N]`
 *
 * The purchase saga (issue 13, item 9): from the provider's webhook to the game in the buyer's
 * library. Per database, on a fresh schema: a system as `npm start` builds it for the game store
 * (accounts + notifications + game store, role all, production polling: PROJECTION_POLL_MS and
 * the outbox's defaults) with the local payment sandbox in the bench's process and the local
 * cloud register started by the system (its `wait` of CLOUD_REGISTER_WAIT_MS, 1 s by default).
 *
 * Not measured (before each case's clock starts): 8 developers list a game each, buyers register
 * (`POST /api/auth/register`: the receipt goes to their e-mail), and for each purchase a buyer
 * orders one game (`POST /api/v1/orders/initiate`) and starts paying by card
 * (`POST /api/v1/payments/transactions/initiate`) — a buyer per 8 purchases, each of another game,
 * spread so that purchases paid one after the other are different buyers'; then the read side is
 * let catch up (every transaction `processing` in the read model, 1 s quiet).
 *
 * Measured, per purchase, from the moment the bench calls the sandbox's `pay` (what the hosted
 * page's button does: the sandbox marks the payment paid and posts the provider's notification
 * to our `/webhooks/{provider}`, YooKassa's `payment.succeeded` — re-fetched by our API — or
 * T-Bank's AUTHORIZED + CONFIRMED): until
 * - `library` (ours): the game's row in `rm_library_items`, the table `GET /api/v1/library/items`
 *   reads (the path: transaction completed → saga → CompleteOrderForPayment through the outbox →
 *   OrderCompleted → saga → AddOrderToLibrary through the outbox → LibraryGameAdded → the
 *   library projection);
 * - `transaction` (baseline, the same purchases): `rm_payment_transactions` showing `completed`
 *   (the webhook's own work, no saga): the difference is what the saga adds;
 * - and, as columns of the library case: `order` (`rm_game_orders` completed), `processed` (the
 *   saga's last step, `recorded` in `rm_order_progress`: receipt fiscalized, developer credited,
 *   the buyer told twice), `ack` (the sandbox's notification answered).
 * One poller sees every stage: one query every `--poll-ms` for the purchases still pending.
 *
 * Loads: `sequential` — one purchase at a time (the next is paid once the previous game is in
 * the library; the previous purchase's later steps may still run); `steady N/s` — purchases paid
 * at a fixed offered rate for `--seconds` (open loop: a slow system does not slow the offer).
 * perSecond = purchases / (first pay → last game seen in a library); eventLoopBusy = the process's
 * event-loop utilisation during the case (1: saturated — on PGlite the database runs on that loop
 * too). After each case the bench waits for every purchase to be processed, then checks: one
 * library row per purchase (also read through `GET /api/v1/library/items` for a sample of
 * buyers), one OrderCompleted per order, no dead letter. `--trace=N` logs, for N purchases of
 * each case, when each event of the order's flow was appended and each effect enqueued and done.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { startSystem, type RunningSystem } from '../adapters/app/system.js';
import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfig } from '../adapters/config/platform-config.js';
import { signAccessToken } from '../adapters/http/access-token.js';
import { createLogger } from '../adapters/observability/logger.js';
import { startPaymentSandbox, type PaymentSandbox } from '../adapters/payments/sandbox/payment-sandbox.js';
import { accountsModule } from '../commands/accounts/accounts-module.js';
import { gameStoreModule } from '../commands/game-store/game-store-module.js';
import { notificationsModule } from '../commands/notifications/notifications-module.js';
import type { NotificationChannel } from '../commands/notifications/ports/notification-channel.js';
import { streamOfGameOrder } from '../domain/game-store/game-order.js';
import { numberOption, type Bench, type BenchContext } from './lib/bench.js';
import { onEachDatabase, steadyRates } from './lib/each-database.js';
import type { BenchTarget, DatabaseName, FreshDatabase } from './lib/target.js';
import { call, percentile, round } from './lib/measures.js';

const SECRET = 'purchase-benchmark-secret-of-at-least-32-chars';
/** Games on sale (one developer each), bought round-robin: the developer credits spread over a few ledgers. */
const GAMES = 8;
/** Concurrency of the (unmeasured) preparation. */
const PREP_CONCURRENCY = 8;
/** How long a case's purchases may take to be processed to the end before the bench gives up on them. */
const SETTLE_TIMEOUT_MS = 60_000;
/** Buyers per case read back through GET /api/v1/library/items. */
const HTTP_SAMPLE = 10;
/** The buyer's notifications are recorded in the inbox; their delivery is not what is measured. */
const quietChannel: NotificationChannel = { name: 'bench', deliver: async () => {} };

type Provider = 'yookassa' | 'tbank';
type Stage = 'ack' | 'transaction' | 'order' | 'library' | 'processed';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with `concurrency` in flight. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** One purchase, prepared up to the payment, and when (ms after its pay) each stage was seen. */
interface Purchase {
  readonly buyerId: string;
  readonly buyerToken: string;
  readonly productId: string;
  readonly orderId: string;
  readonly transactionId: string;
  readonly providerPaymentId: string;
  paidAt?: number;
  /** The same moment on the wall clock (for --trace, against the database's timestamps). */
  paidWall?: number;
  readonly seen: Partial<Record<Stage, number>>;
}

interface Shop {
  readonly api: string;
  readonly system: RunningSystem;
  readonly sandbox: PaymentSandbox;
  readonly schema: FreshDatabase;
  readonly provider: Provider;
  readonly products: readonly string[];
}

/** A sign-up as a new user makes it (no token). */
async function register(api: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${api}/api/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json().catch(() => null) };
}

const tokenOf = (id: string, roles: string[]) => signAccessToken({ kind: 'user', id, roles, scopes: [] }, { secret: SECRET, ttlSeconds: 3600 });

/**
 * `count` purchases, each an order of one game with a card payment started at the sandbox, by
 * ceil(count / GAMES) registered buyers: purchase i is buyer i mod B's, of game ⌊i / B⌋, so
 * purchases paid one after the other are different buyers' (each buyer's next one comes B
 * purchases later) and no buyer orders a game twice.
 */
async function prepare(shop: Shop, count: number, prepLog: (message: string) => void): Promise<Purchase[]> {
  const run = randomBytes(3).toString('hex');
  const spent = { register: 0, order: 0, initiate: 0 };
  const timed = async <T>(step: keyof typeof spent, work: () => Promise<T>): Promise<T> => {
    const at = performance.now();
    try {
      return await work();
    } finally {
      spent[step] += performance.now() - at;
    }
  };
  const buyerCount = Math.ceil(count / shop.products.length);
  const buyers: { id: string; token: string }[] = new Array(buyerCount);
  await pool(
    Array.from({ length: buyerCount }, (_, b) => b),
    PREP_CONCURRENCY,
    async (b) => {
      const name = `bench-buyer-${run}-${b}`;
      const registered = await timed('register', () => register(shop.api, { email: `${name}@example.com`, password: 'correct horse battery', display_name: name }));
      if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.json)}`);
      const id = registered.json.user.id as string;
      buyers[b] = { id, token: await tokenOf(id, ['user']) };
    },
  );
  const purchases: Purchase[] = new Array(count);
  await pool(
    Array.from({ length: count }, (_, i) => i),
    PREP_CONCURRENCY,
    async (i) => {
      const buyer = buyers[i % buyerCount]!;
      const productId = shop.products[Math.floor(i / buyerCount)]!;
      const order = await timed('order', () => call('POST', `${shop.api}/api/v1/orders/initiate`, buyer.token, { items: [{ product_id: productId, quantity: 1 }], region: 'RU', payment_method: 'bank_card' }));
      if (order.status !== 201) throw new Error(`order: ${order.status} ${JSON.stringify(order.json)}`);
      const tx = await timed('initiate', () =>
        call('POST', `${shop.api}/api/v1/payments/transactions/initiate`, buyer.token, { order_id: order.json.order_id, provider: shop.provider, payment_method: 'bank_card', success_url: 'https://shop.example/paid' }),
      );
      if (tx.status !== 201 || typeof tx.json.provider_payment_id !== 'string') throw new Error(`initiate: ${tx.status} ${JSON.stringify(tx.json)}`);
      purchases[i] = { buyerId: buyer.id, buyerToken: buyer.token, productId, orderId: order.json.order_id, transactionId: tx.json.transaction_id, providerPaymentId: tx.json.provider_payment_id, seen: {} };
    },
  );
  prepLog(`prepared ${count} purchases of ${buyerCount} buyers, ${PREP_CONCURRENCY} in flight: ms per call register ${(spent.register / buyerCount).toFixed(0)}, order ${(spent.order / count).toFixed(0)}, initiate ${(spent.initiate / count).toFixed(0)}`);
  // the read side caught up before the clock starts: every transaction shown processing, then a quiet second
  const ids = purchases.map((p) => p.transactionId);
  for (const deadline = Date.now() + 120_000; ; await sleep(50)) {
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from rm_payment_transactions where transaction_id = any(${ids}::text[]) and status = 'processing'`.execute(shop.schema.db);
    if (Number(rows[0]!.n) === ids.length) break;
    if (Date.now() > deadline) throw new Error(`the read model shows ${rows[0]!.n} of ${ids.length} transactions processing after 2 minutes`);
  }
  await sleep(1000);
  return purchases;
}

/**
 * Watches the read models for every paid purchase's stages (one query per round for what is
 * still pending) until stopped; `stop` resolves once it has.
 */
function watch(shop: Shop, purchases: readonly Purchase[], pollMs: number): { stop(): Promise<void>; seenAll(stage: Stage): boolean } {
  let stopped = false;
  const byTransaction = new Map(purchases.map((p) => [p.transactionId, p]));
  const byOrder = new Map(purchases.map((p) => [p.orderId, p]));
  const libraryKey = (buyerId: string, productId: string) => `${buyerId}\u0000${productId}`;
  const byGame = new Map(purchases.map((p) => [libraryKey(p.buyerId, p.productId), p]));
  const pending = (stage: Stage, key: (p: Purchase) => string) => purchases.filter((p) => p.paidAt !== undefined && p.seen[stage] === undefined).map(key);
  const loop = (async () => {
    while (!stopped) {
      const transactions = pending('transaction', (p) => p.transactionId);
      const orders = pending('order', (p) => p.orderId);
      const buyers = [...new Set(pending('library', (p) => p.buyerId))];
      const processing = pending('processed', (p) => p.orderId);
      if (transactions.length + orders.length + buyers.length + processing.length > 0) {
        const { rows } = await sql<{ stage: Stage; id: string; product_id: string | null }>`
          select 'transaction' as stage, transaction_id as id, null as product_id from rm_payment_transactions where transaction_id = any(${transactions}::text[]) and status = 'completed'
          union all select 'order', order_id, null from rm_game_orders where order_id = any(${orders}::text[]) and status = 'completed'
          union all select 'library', buyer_id, product_id from rm_library_items where buyer_id = any(${buyers}::text[])
          union all select 'processed', order_id, null from rm_order_progress where order_id = any(${processing}::text[]) and step = 'recorded'`.execute(shop.schema.db);
        const now = performance.now();
        for (const row of rows) {
          const purchase = row.stage === 'transaction' ? byTransaction.get(row.id) : row.stage === 'library' ? byGame.get(libraryKey(row.id, row.product_id!)) : byOrder.get(row.id);
          if (purchase && purchase.seen[row.stage] === undefined) purchase.seen[row.stage] = now - purchase.paidAt!;
        }
      }
      await sleep(pollMs);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
    seenAll: (stage) => purchases.every((p) => p.seen[stage] !== undefined),
  };
}

/** Pays a purchase at the sandbox (its notification is posted to our webhook and answered before this resolves). */
async function pay(shop: Shop, purchase: Purchase, errors: string[]): Promise<void> {
  purchase.paidAt = performance.now();
  purchase.paidWall = Date.now();
  try {
    await shop.sandbox.pay(shop.provider, purchase.providerPaymentId);
    purchase.seen.ack = performance.now() - purchase.paidAt;
  } catch (error) {
    errors.push(String(error));
  }
}

const until = async (done: () => boolean, timeoutMs: number, pollMs = 2): Promise<boolean> => {
  for (const deadline = performance.now() + timeoutMs; !done(); await sleep(pollMs)) if (performance.now() > deadline) return false;
  return true;
};

/** One load on one database: the purchases paid, followed to the end, the figures recorded. */
async function runCase(ctx: BenchContext, shop: Shop, database: DatabaseName, load: { kind: 'sequential'; count: number } | { kind: 'steady'; rate: number; seconds: number }, pollMs: number, traced: number): Promise<void> {
  const count = load.kind === 'sequential' ? load.count : Math.max(1, Math.round(load.rate * load.seconds));
  const label = load.kind === 'sequential' ? 'sequential' : `steady ${load.rate}/s`;
  const prepStarted = performance.now();
  const purchases = await prepare(shop, count, (m) => ctx.log(`  ${m}`));
  const prepSeconds = (performance.now() - prepStarted) / 1000;
  ctx.log(`purchase ${shop.provider} on ${database}, ${label}: ${count} purchases prepared in ${prepSeconds.toFixed(1)} s; paying`);

  const loopBefore = performance.eventLoopUtilization();
  const errors: string[] = [];
  const watcher = watch(shop, purchases, pollMs);
  const started = performance.now();
  if (load.kind === 'sequential') {
    for (const purchase of purchases) {
      await pay(shop, purchase, errors);
      if (!(await until(() => purchase.seen.library !== undefined, 30_000))) throw new Error(`purchase of order ${purchase.orderId} not in the library after 30 s`);
    }
  } else {
    const paying: Promise<void>[] = [];
    const interval = 1000 / load.rate;
    for (let i = 0; i < purchases.length; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      paying.push(pay(shop, purchases[i]!, errors));
    }
    await Promise.all(paying);
  }
  const lastPaid = Math.max(...purchases.map((p) => p.paidAt!));
  const inLibrary = await until(() => watcher.seenAll('library'), SETTLE_TIMEOUT_MS);
  const processed = await until(() => watcher.seenAll('processed'), SETTLE_TIMEOUT_MS, 20);
  await watcher.stop();
  const eventLoopBusy = round(performance.eventLoopUtilization(loopBefore).utilization, 2);
  if (!inLibrary) ctx.note(`purchase on ${database} (${label}): ${purchases.filter((p) => p.seen.library === undefined).length} of ${count} games not in the library after ${SETTLE_TIMEOUT_MS / 1000} s`);
  if (!processed) ctx.note(`purchase on ${database} (${label}): ${purchases.filter((p) => p.seen.processed === undefined).length} of ${count} purchases not processed to the end after ${SETTLE_TIMEOUT_MS / 1000} s`);

  if (traced > 0) await trace(ctx, shop, purchases.slice(Math.floor(purchases.length / 2), Math.floor(purchases.length / 2) + traced));
  const checks = await check(shop, purchases);
  const stageFigures = (stage: Stage) => {
    const values = purchases.map((p) => p.seen[stage]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    const last = Math.max(...purchases.map((p) => (p.seen[stage] === undefined ? Number.NEGATIVE_INFINITY : p.paidAt! + p.seen[stage]!)));
    return { values, perSecond: values.length > 0 ? values.length / ((last - started) / 1000) : 0 };
  };
  const ms = (values: number[], p: number) => round(percentile(values, p));
  const library = stageFigures('library');
  const transaction = stageFigures('transaction');
  const order = stageFigures('order');
  const done = stageFigures('processed');
  const ack = stageFigures('ack');
  const common = {
    bench: 'purchase',
    database,
    provider: shop.provider,
    load: label,
    purchases: count,
    offeredPerSecond: load.kind === 'steady' && count > 1 ? round((count - 1) / ((lastPaid - started) / 1000), 1) : null,
  } as const;
  ctx.record({
    ...common,
    case: 'library',
    impl: 'ours',
    perSecond: round(library.perSecond),
    p50Ms: ms(library.values, 50),
    p99Ms: ms(library.values, 99),
    maxMs: round(library.values.at(-1) ?? 0),
    orderP50Ms: ms(order.values, 50),
    orderP99Ms: ms(order.values, 99),
    ackP50Ms: ms(ack.values, 50),
    ackP99Ms: ms(ack.values, 99),
    processedP50Ms: ms(done.values, 50),
    processedP99Ms: ms(done.values, 99),
    processedPerSecond: round(done.perSecond),
    errors: errors.length,
    ...checks,
    eventLoopBusy,
    prepSeconds: round(prepSeconds, 1),
  });
  ctx.record({
    ...common,
    case: 'transaction',
    impl: 'baseline',
    perSecond: round(transaction.perSecond),
    p50Ms: ms(transaction.values, 50),
    p99Ms: ms(transaction.values, 99),
    maxMs: round(transaction.values.at(-1) ?? 0),
    errors: errors.length,
  });
  if (errors.length > 0) ctx.note(`purchase on ${database} (${label}): ${errors.length} payments failed at the sandbox, e.g. ${errors[0]}`);
  if (checks.libraryRows !== count || checks.completedOnce !== count || checks.deadLetters !== 0 || checks.httpAgrees !== true)
    ctx.note(`purchase on ${database} (${label}): checks ${JSON.stringify(checks)} (expected ${count} library rows and orders completed once, 0 dead letters, the HTTP library agreeing)`);
}

/**
 * `--trace=N`: for N purchases from the middle of the case, when (ms after the pay, on the
 * database's clock) each event of the order's flow was appended and each of its effects
 * enqueued and done — where the time between the webhook and the library goes.
 */
async function trace(ctx: BenchContext, shop: Shop, purchases: readonly Purchase[]): Promise<void> {
  for (const p of purchases) {
    const flow = `order:${p.orderId}`;
    const { rows } = await sql<{ at: Date | string; what: string }>`
      select created_at as at, 'event ' || event_type as what from events where metadata->>'correlationId' = ${flow} or stream_name = ${`PaymentTransaction-${p.transactionId}`}
      union all select created_at, 'enqueued ' || kind from outbox where correlation_id = ${flow}
      union all select completed_at, 'done ' || kind from outbox where correlation_id = ${flow} and completed_at is not null
      order by 1`.execute(shop.schema.db);
    const steps = rows.map((r) => `${new Date(r.at).getTime() - p.paidWall!} ${r.what}`).filter((step) => !step.startsWith('-'));
    ctx.log(`  trace of order ${p.orderId} (in the library at ${round(p.seen.library ?? Number.NaN)} ms): ${steps.join(' | ')}`);
  }
}

/** What must hold after a case: one library row per purchase (the HTTP route agrees for a sample of buyers), one OrderCompleted per order, no dead letter. */
async function check(shop: Shop, purchases: readonly Purchase[]) {
  const buyers = [...new Set(purchases.map((p) => p.buyerId))];
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from rm_library_items where buyer_id = any(${buyers}::text[])`.execute(shop.schema.db);
  const dead = await sql<{ n: string }>`select count(*)::text as n from outbox where status = 'dead'`.execute(shop.schema.db);
  let completedOnce = 0;
  for (const purchase of purchases) {
    const events = await shop.system.dependencies.store.readStream(streamOfGameOrder(purchase.orderId));
    if (events.filter((e) => e.type === 'OrderCompleted').length === 1) completedOnce++;
  }
  let httpAgrees = true;
  for (const buyerId of buyers.slice(0, HTTP_SAMPLE)) {
    const bought = purchases.filter((p) => p.buyerId === buyerId);
    const answer = await call('GET', `${shop.api}/api/v1/library/items?limit=100`, bought[0]!.buyerToken);
    const items = (answer.json?.items ?? []) as { product_id: string; order_id: string }[];
    const shown = items.map((item) => `${item.product_id}/${item.order_id}`).sort();
    const expected = bought.map((p) => `${p.productId}/${p.orderId}`).sort();
    if (answer.status !== 200 || JSON.stringify(shown) !== JSON.stringify(expected)) httpAgrees = false;
  }
  return { libraryRows: Number(rows[0]!.n), completedOnce, deadLetters: Number(dead.rows[0]!.n), httpAgrees };
}

interface Plan {
  readonly provider: Provider;
  readonly sequential: number;
  readonly rates: readonly number[];
  readonly seconds: number;
  readonly pollMs: number;
  readonly trace: number;
}

/** One database: a fresh schema, sandbox and system; the sequential case, then each rate. */
async function runDatabase(ctx: BenchContext, target: BenchTarget, database: DatabaseName, plan: Plan): Promise<void> {
  const schema = await target.openSchema(20);
  const sandbox = await startPaymentSandbox({ port: 0, delivery: { firstRetryMs: 1000, attempts: 3 } });
  let system: RunningSystem | undefined;
  try {
    const config = loadConfig(
      {
        PORT: '0',
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        PAYMENT_SANDBOX_URL: sandbox.url,
        YOOKASSA_WEBHOOK_SOURCES: '127.0.0.0/8,::1',
        CLOUD_REGISTER_PORT: '0',
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_ITERATIONS: '1',
        REGISTRATIONS_PER_ADDRESS_PER_HOUR: '1000000',
      },
      appConfigSections,
    );
    system = await startSystem({
      config,
      role: 'all',
      database: schema,
      logger: createLogger({ level: 'silent' }),
      contexts: [accountsModule(), notificationsModule({ channel: quietChannel }), gameStoreModule()],
    });
    const api = `http://127.0.0.1:${system.port}`;
    sandbox.setYookassaWebhookUrl(`${api}/webhooks/yookassa`);
    const products: string[] = [];
    for (let i = 0; i < GAMES; i++) {
      const developer = await tokenOf(`bench-dev-${randomBytes(3).toString('hex')}`, ['user', 'developer']);
      const product = await call('POST', `${api}/api/v1/catalog/products`, developer, { title: `Benchmark Game ${i + 1}`, vat: i % 2 ? 'none' : 'vat22', prices: [{ region: 'RU', currency: 'RUB', amount: '1499.00' }] });
      if (product.status !== 201) throw new Error(`list a product: ${product.status} ${JSON.stringify(product.json)}`);
      products.push(product.json.product_id as string);
    }
    const shop: Shop = { api, system, sandbox, schema, provider: plan.provider, products };
    if (plan.sequential > 0) await runCase(ctx, shop, database, { kind: 'sequential', count: plan.sequential }, plan.pollMs, plan.trace);
    for (const rate of plan.rates) await runCase(ctx, shop, database, { kind: 'steady', rate, seconds: plan.seconds }, plan.pollMs, plan.trace);
  } finally {
    await system?.stop();
    await sandbox.stop();
    await schema.dispose();
  }
}

export const bench: Bench = {
  name: 'purchase',
  description: 'Purchase saga: the provider’s webhook to the game in the buyer’s library (p50/p99, one at a time and at steady rates), vs the webhook to the completed transaction',
  async run(ctx) {
    const provider = (ctx.options.get('provider') ?? 'yookassa') as Provider;
    if (provider !== 'yookassa' && provider !== 'tbank') throw new Error(`--provider: yookassa or tbank, got ${String(provider)}`);
    const rates = steadyRates(ctx);
    const plan: Plan = {
      provider,
      sequential: ctx.options.get('sequential') === '0' ? 0 : numberOption(ctx, 'sequential', ctx.quick ? 5 : 40),
      rates,
      seconds: numberOption(ctx, 'seconds', ctx.quick ? 3 : 10),
      pollMs: numberOption(ctx, 'poll-ms', 5),
      trace: ctx.options.has('trace') ? numberOption(ctx, 'trace', 3) : 0,
    };
    await onEachDatabase(ctx, 'purchase', (target, database) => runDatabase(ctx, target, database, plan));
    ctx.note(
      'library (ours) = from the sandbox’s pay (the provider’s notification posted to /webhooks/{provider}) to the game’s row in rm_library_items (what GET /api/v1/library/items reads); order = to rm_game_orders completed; processed = to the saga’s last step (recorded: receipt fiscalized at the local register after its 1 s wait, developer credited, buyer told); ack = the notification answered. ' +
        'transaction (baseline, the same purchases) = to rm_payment_transactions completed: the webhook’s work without the saga. ' +
        'sequential = one purchase at a time (the next paid once the game is in the library); steady N/s = paid at a fixed offered rate (open loop); perSecond = purchases / (first pay → last seen). One poller reads all stages of the pending purchases in one query every --poll-ms. ' +
        'One process (role all, production polling): API, projections, sagas, outbox, the sandbox, the register and the client share one event loop (and, on PGlite, the database).',
    );
  },
};
