/**
 * `npm run bench -- payments [--quick] [--orders=150] [--concurrency=20] [--providers=yookassa,tbank] [--database=pglite,postgres] [--sources=…]`
 *
 * The game store's payment webhooks (issue 12, item 10) against a started system (accounts +
 * game store, role all, as `npm start`) on a fresh schema per provider and database, with the
 * local payment sandbox (adapters/payments/sandbox) in the same process as its providers.
 *
 * 1. Prepare (not measured): a developer lists a game (`POST /api/v1/catalog/products`), N
 *    buyers each order it (`POST /api/v1/orders/initiate`) and start paying
 *    (`POST /api/v1/payments/transactions/initiate`, bank card): N live transactions, each with a
 *    payment at the sandbox. Then each payment is paid at the sandbox (what the hosted page's
 *    button does); the sandbox sends the provider's real notification — but to a catcher of
 *    ours, not to the system: YooKassa's webhook URL and the T-Bank NotificationURL
 *    (PUBLIC_BASE_URL) point at it. So the bodies are the sandbox's own (YooKassa's
 *    `payment.succeeded` with the payment object; T-Bank's signed `CONFIRMED`, the last of its
 *    AUTHORIZED + CONFIRMED pair) and their delivery is ours to time, not the sandbox's loop.
 * 2. complete (ours): the N bodies are posted to `/webhooks/{provider}` with `--concurrency` in
 *    flight. YooKassa's makes the API re-fetch the payment from the sandbox (part of the real
 *    flow, kept); T-Bank's is verified by its Token and amount. Latency = from posting a
 *    webhook to `rm_payment_transactions` (the read model of `GET /api/v1/payments/transactions/{id}`)
 *    showing `completed`, seen by one poller reading the pending ids in one query every few ms;
 *    perSecond = N / (last seen completed − first post). The answer's latency is kept apart (ack*).
 * 3. dedupe (baseline): the same N bodies again to the completed transactions — authenticated,
 *    re-fetched (YooKassa), decided, no event. Latency = post → answer (the read model already
 *    shows completed). The difference to complete is what completing costs over acknowledging.
 *
 * Afterwards every transaction's stream must hold exactly one PaymentTransactionCompleted, and
 * the dedupe pass must have appended nothing (`completedOnce`, `extraEvents`).
 *
 * Webhooks are posted from `--sources` loopback addresses (127.0.1.x; default one per in-flight
 * request): the route limits each source address to 200 notifications/s (burst 400), which
 * would otherwise be what is measured. 429s are counted and retried after 50 ms.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { startSystem, type RunningSystem } from '../adapters/app/system.js';
import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfig } from '../adapters/config/platform-config.js';
import { signAccessToken } from '../adapters/http/access-token.js';
import { createLogger } from '../adapters/observability/logger.js';
import { startPaymentSandbox, type PaymentSandbox } from '../adapters/payments/sandbox/payment-sandbox.js';
import { accountsModule } from '../commands/accounts/accounts-module.js';
import { gameStoreModule } from '../commands/game-store/game-store-module.js';
import { streamOfPaymentTransaction } from '../domain/game-store/payment-transaction.js';
import { numberOption, type Bench, type BenchContext } from './lib/bench.js';
import { targetFor, type BenchTarget, type DatabaseName, type FreshDatabase } from './lib/target.js';
import { call, percentile, round } from './lib/measures.js';

const SECRET = 'payments-benchmark-secret-of-at-least-32-chars';
const POLL_MS = 2;
/** Pause between the complete and the dedupe pass. */
const QUIET_MS = 2000;

type Provider = 'yookassa' | 'tbank';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A webhook POST as a provider makes it, from a given loopback source address. */
function postFrom(agent: Agent, url: URL, body: string, localAddress: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Where the sandbox's notifications go instead of the system: kept per transaction id (the last one wins). */
async function startCatcher(): Promise<{ url: string; bodies: Map<string, { provider: Provider; body: unknown }>; stop(): Promise<void> }> {
  const bodies = new Map<string, { provider: Provider; body: unknown }>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
        if (req.url?.endsWith('/webhooks/yookassa')) {
          const id = body.object?.metadata?.transaction_id;
          if (typeof id === 'string') bodies.set(id, { provider: 'yookassa', body });
        } else if (req.url?.endsWith('/webhooks/tbank')) {
          if (typeof body.OrderId === 'string') bodies.set(body.OrderId, { provider: 'tbank', body });
        }
      } catch {
        // not JSON: nothing to keep
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    bodies,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `work` over `items` with `concurrency` in flight. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async (_, worker) => {
      while (next < items.length) await work(items[next++]!, worker);
    }),
  );
}

interface Sizes {
  readonly orders: number;
  readonly concurrency: number;
  readonly sources: number;
}

interface PassFigures {
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
  readonly status429: number;
  readonly errors: number;
  readonly unexpected: Readonly<Record<string, number>>;
}

/** One provider on one database: a fresh schema, sandbox, catcher and system. */
async function runProvider(ctx: BenchContext, target: BenchTarget, database: DatabaseName, provider: Provider, sizes: Sizes): Promise<void> {
  const { orders, concurrency, sources } = sizes;
  const schema: FreshDatabase = await target.openSchema(20);
  const sandbox: PaymentSandbox = await startPaymentSandbox({ port: 0, delivery: { firstRetryMs: 1000, attempts: 1 } });
  const catcher = await startCatcher();
  let system: RunningSystem | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const config = loadConfig(
      {
        PORT: '0',
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        PAYMENT_SANDBOX_URL: sandbox.url,
        PUBLIC_BASE_URL: catcher.url,
        YOOKASSA_WEBHOOK_SOURCES: '127.0.0.0/8,::1',
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_ITERATIONS: '1',
      },
      appConfigSections,
    );
    system = await startSystem({ config, role: 'all', database: schema, logger: createLogger({ level: 'silent' }), contexts: [accountsModule(), gameStoreModule()] });
    sandbox.setYookassaWebhookUrl(`${catcher.url}/webhooks/yookassa`);
    const api = `http://127.0.0.1:${system.port}`;
    const user = (id: string, roles: string[]) => signAccessToken({ kind: 'user', id, roles, scopes: [] }, { secret: SECRET, ttlSeconds: 3600 });

    // 1: a game, N orders, N live transactions, each paid at the sandbox (its notification caught)
    const prepStarted = performance.now();
    const developer = await user(`bench-dev-${randomBytes(3).toString('hex')}`, ['user', 'developer']);
    const product = await call('POST', `${api}/api/v1/catalog/products`, developer, { title: 'Benchmark Game', vat: 'none', prices: [{ region: 'RU', currency: 'RUB', amount: '1499.00' }] });
    if (product.status !== 201) throw new Error(`list a product: ${product.status} ${JSON.stringify(product.json)}`);
    const productId = product.json.product_id as string;
    const transactions: { id: string; providerPaymentId: string }[] = [];
    await pool(
      Array.from({ length: orders }, (_, i) => i),
      concurrency,
      async (i) => {
        const buyer = await user(`bench-buyer-${i}`, ['user']);
        const order = await call('POST', `${api}/api/v1/orders/initiate`, buyer, { items: [{ product_id: productId, quantity: 1 }], region: 'RU', payment_method: 'bank_card' });
        if (order.status !== 201) throw new Error(`order: ${order.status} ${JSON.stringify(order.json)}`);
        const tx = await call('POST', `${api}/api/v1/payments/transactions/initiate`, buyer, { order_id: order.json.order_id, provider, payment_method: 'bank_card', success_url: 'https://shop.example/paid' });
        if (tx.status !== 201 || typeof tx.json.provider_payment_id !== 'string') throw new Error(`initiate: ${tx.status} ${JSON.stringify(tx.json)}`);
        await sandbox.pay(provider, tx.json.provider_payment_id);
        transactions.push({ id: tx.json.transaction_id as string, providerPaymentId: tx.json.provider_payment_id as string });
      },
    );
    const missing = transactions.filter((tx) => !catcher.bodies.has(tx.id));
    if (missing.length > 0) throw new Error(`${missing.length} notifications were not caught (e.g. transaction ${missing[0]!.id})`);
    const ids = transactions.map((tx) => tx.id);
    const statuses = async (): Promise<Map<string, string>> => {
      const rows = await sql<{ transaction_id: string; status: string }>`select transaction_id, status from rm_payment_transactions where transaction_id = any(${ids}::text[])`.execute(schema.db);
      return new Map(rows.rows.map((row) => [row.transaction_id, row.status]));
    };
    // the read side caught up before the clock starts: every transaction visible as processing
    for (const deadline = Date.now() + 120_000; ; await sleep(50)) {
      const seen = await statuses();
      if (ids.every((id) => seen.get(id) === 'processing')) break;
      if (Date.now() > deadline) throw new Error(`the read model shows ${[...seen.values()].filter((s) => s === 'processing').length} of ${ids.length} transactions processing after 2 minutes`);
    }
    const prepSeconds = (performance.now() - prepStarted) / 1000;
    ctx.log(`payments ${provider} on ${database}: ${orders} transactions paid at the sandbox in ${prepSeconds.toFixed(1)} s; posting their webhooks, ${concurrency} in flight from ${sources} source addresses`);

    const webhookUrl = new URL(`${api}/webhooks/${provider}`);
    const bodies = new Map(transactions.map((tx) => [tx.id, JSON.stringify(catcher.bodies.get(tx.id)!.body)]));
    const expectedReply = provider === 'tbank' ? (text: string) => text === 'OK' : () => true;

    /** Posts every body once (retrying 429s); `watch` also times each until the read model shows completed. */
    const pass = async (watch: boolean): Promise<PassFigures> => {
      const posted = new Map<string, number>();
      const acked: number[] = [];
      const completedAt = new Map<string, number>();
      let status429 = 0;
      let errors = 0;
      const unexpected = new Map<string, number>();
      let posting = true;
      const started = performance.now();
      const poller = watch
        ? (async () => {
            while (completedAt.size < ids.length) {
              const seen = await statuses();
              const now = performance.now();
              for (const [id, status] of seen) if (status === 'completed' && !completedAt.has(id) && posted.has(id)) completedAt.set(id, now);
              if (!posting && now - started > 300_000) throw new Error(`only ${completedAt.size} of ${ids.length} transactions completed in 5 minutes`);
              await sleep(POLL_MS);
            }
          })()
        : Promise.resolve();
      await pool(ids, concurrency, async (id, worker) => {
        const source = `127.0.1.${(worker % sources) + 1}`;
        const body = bodies.get(id)!;
        const first = performance.now();
        posted.set(id, first);
        for (let attempt = 0; ; attempt++) {
          let answer: { status: number; text: string };
          try {
            answer = await postFrom(agent, webhookUrl, body, source);
          } catch (error) {
            errors++;
            if (errors <= 3) ctx.log(`  webhook post failed: ${String(error)}`);
            if (attempt > 20) throw error;
            continue;
          }
          if (answer.status === 429) {
            status429++;
            await sleep(50);
            continue;
          }
          if (answer.status !== 200 || !expectedReply(answer.text)) {
            const key = `${answer.status} ${answer.text.slice(0, 80)}`;
            unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
          }
          break;
        }
        acked.push(performance.now() - first);
      });
      posting = false;
      const ackedAll = performance.now();
      await poller;
      const latencies = watch ? ids.map((id) => completedAt.get(id)! - posted.get(id)!) : acked;
      const finished = watch ? Math.max(...completedAt.values()) : ackedAll;
      const elapsed = (finished - started) / 1000;
      latencies.sort((a, b) => a - b);
      acked.sort((a, b) => a - b);
      return {
        seconds: round(elapsed, 2),
        perSecond: round(ids.length / elapsed),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
        maxMs: round(latencies.at(-1) ?? 0),
        ackP50Ms: round(percentile(acked, 50)),
        ackP99Ms: round(percentile(acked, 99)),
        status429,
        errors,
        unexpected: Object.fromEntries(unexpected),
      };
    };

    // 2: complete
    const completing = await pass(true);
    const after = new Map<string, { events: number; completions: number }>();
    for (const id of ids) {
      const events = await system.dependencies.store.readStream(streamOfPaymentTransaction(id));
      after.set(id, { events: events.length, completions: events.filter((event) => event.type === 'PaymentTransactionCompleted').length });
    }
    const completedOnce = [...after.values()].filter((a) => a.completions === 1).length;
    const common = { bench: 'payments', provider, database, webhooks: ids.length, concurrency, sources } as const;
    const { unexpected: completingUnexpected, ...completingFigures } = completing;
    ctx.record({ ...common, case: 'complete', impl: 'ours', ...completingFigures, unexpectedReplies: sum(completingUnexpected), completedOnce, extraEvents: null, prepSeconds: round(prepSeconds, 1) });
    noteUnexpected(ctx, provider, database, 'complete', completing.unexpected);
    if (completedOnce !== ids.length) ctx.note(`payments ${provider} on ${database}: ${ids.length - completedOnce} transactions do not hold exactly one PaymentTransactionCompleted after the webhooks`);

    // 3: dedupe — the same webhooks to the completed transactions, once the read side's work of
    // the completions (sagas, the order and ownership rows) has had time to settle
    await sleep(QUIET_MS);
    const deduping = await pass(false);
    let extraEvents = 0;
    let completedOnceAfter = 0;
    for (const id of ids) {
      const events = await system.dependencies.store.readStream(streamOfPaymentTransaction(id));
      extraEvents += events.length - after.get(id)!.events;
      if (events.filter((event) => event.type === 'PaymentTransactionCompleted').length === 1) completedOnceAfter++;
    }
    const stillCompleted = [...(await statuses()).values()].filter((s) => s === 'completed').length;
    const { unexpected: dedupingUnexpected, ...dedupingFigures } = deduping;
    ctx.record({ ...common, case: 'dedupe', impl: 'baseline', ...dedupingFigures, unexpectedReplies: sum(dedupingUnexpected), completedOnce: completedOnceAfter, extraEvents, readModelCompleted: stillCompleted, prepSeconds: null });
    noteUnexpected(ctx, provider, database, 'dedupe', deduping.unexpected);
    if (extraEvents !== 0) ctx.note(`payments ${provider} on ${database}: the dedupe pass appended ${extraEvents} events`);
  } finally {
    agent.destroy();
    await system?.stop();
    await catcher.stop();
    await sandbox.stop();
    await schema.dispose();
  }
}

const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

function noteUnexpected(ctx: BenchContext, provider: Provider, database: DatabaseName, pass: string, unexpected: Readonly<Record<string, number>>): void {
  if (Object.keys(unexpected).length > 0) ctx.note(`payments ${provider} on ${database} (${pass}): unexpected replies ${JSON.stringify(unexpected)}`);
}


export const bench: Bench = {
  name: 'payments',
  description: 'Game-store payment webhooks: to a completed transaction in the read model, vs the same webhooks acknowledged again (dedupe)',
  async run(ctx) {
    const concurrency = numberOption(ctx, 'concurrency', ctx.quick ? 8 : 20);
    const sizes: Sizes = {
      orders: numberOption(ctx, 'orders', ctx.quick ? 40 : 150),
      concurrency,
      sources: numberOption(ctx, 'sources', concurrency),
    };
    const providers = (ctx.options.get('providers') ?? 'yookassa,tbank').split(',') as Provider[];
    const badProvider = providers.find((p) => p !== 'yookassa' && p !== 'tbank');
    if (badProvider) throw new Error(`--providers: yookassa and/or tbank, got ${badProvider}`);
    const databases = (ctx.options.get('database') ?? (process.env.DATABASE_URL ? 'pglite,postgres' : 'pglite')).split(',') as DatabaseName[];
    const badDatabase = databases.find((d) => d !== 'pglite' && d !== 'postgres');
    if (badDatabase) throw new Error(`--database: pglite and/or postgres, got ${badDatabase}`);
    if (sizes.sources > 254) throw new Error('--sources: at most 254');

    for (const database of databases) {
      const { target, close } = await targetFor(ctx.target, database, { inMemory: ctx.quick });
      try {
        ctx.log(`payments on ${target.description}`);
        ctx.note(`${database} = ${target.description}`);
        for (const provider of providers) await runProvider(ctx, target, database, provider, sizes);
      } finally {
        await close();
      }
    }
    ctx.note(
      'complete (ours) = the provider’s notification (caught from the sandbox when paid, posted by the bench) to /webhooks/{provider} until rm_payment_transactions shows completed; p50/p99 from the post to the poller seeing completed (polled every ~2 ms, one query for all pending), ack* = post → answer; perSecond = webhooks / (first post → last completed seen). ' +
        'dedupe (baseline) = the same notifications again to the completed transactions: authenticated, re-fetched (YooKassa), decided, nothing appended; p50/p99 = post → answer. ' +
        'One process (role all): API, projections, the sandbox and the client share one event loop; YooKassa’s webhook re-fetches the payment from the sandbox (GET /v3/payments/{id}); T-Bank’s is checked by its Token. T-Bank card payments notify AUTHORIZED then CONFIRMED: only the CONFIRMED one is posted',
    );
  },
};
