/**
 * `npm run bench -- onsale [--quick] [--buyers=500] [--seats=5000] [--seconds=90]`
 *
 * An on-sale rush over HTTP against a started server (T-3): N concurrent buyers keep buying one
 * ticket at a time of one ticket type of M seats until it is sold out. Run for our design
 * (batched decisions on one inventory stream) and for the naive baseline (plain optimistic
 * retry on the same stream) in the same invocation, each on a fresh schema and server.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { startSystem } from '../adapters/app/system.js';
import { appConfigSections } from '../adapters/config/app-config.js';
import { loadConfig } from '../adapters/config/platform-config.js';
import { signAccessToken } from '../adapters/http/access-token.js';
import type { NotificationChannel } from '../commands/notifications/ports/notification-channel.js';
import { createLogger } from '../adapters/observability/logger.js';
import { databaseStatementsSent } from '../adapters/observability/metrics.js';
import { comparePositions } from '../adapters/eventstore/event-store.js';
import { readCheckpoint } from '../projections/checkpoints.js';
import { TICKETS_PROJECTION } from '../projections/ticketing/ticket-projection.js';
import { notificationsModule } from '../commands/notifications/notifications-module.js';
import { ticketingModule } from '../commands/ticketing/ticketing-module.js';
import { streamOfInventory } from '../domain/ticketing/ticket-inventory.js';
import { numberOption, type Bench, type BenchContext } from './lib/bench.js';
import { percentile, round } from './lib/measures.js';

const SECRET = 'onsale-benchmark-secret-of-at-least-32-chars';
const quietChannel: NotificationChannel = { name: 'bench', deliver: async () => {} };

async function post(url: string, token: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json().catch(() => null) };
}

async function rush(ctx: BenchContext, variant: 'batched' | 'optimistic', buyers: number, seats: number, seconds: number) {
  const database = await ctx.target.openSchema(20);
  const config = loadConfig({ PORT: '0', JWT_SECRET: SECRET, LOG_LEVEL: 'silent', TICKET_SALES_STRATEGY: variant }, appConfigSections);
  const system = await startSystem({ config, role: 'all', database, logger: createLogger({ level: 'silent' }), contexts: [ticketingModule(), notificationsModule({ channel: quietChannel })] });
  try {
    const api = `http://127.0.0.1:${system.port}`;
    const organizer = await signAccessToken({ kind: 'user', id: 'bench-organizer', roles: ['organizer'], scopes: [] }, { secret: SECRET, ttlSeconds: 3600 });
    const now = Date.now();
    const created = await post(`${api}/api/events`, organizer, {
      title: 'On-sale rush',
      venue: 'Benchmark Arena',
      starts_at: new Date(now + 30 * 86400_000).toISOString(),
      ends_at: new Date(now + 30 * 86400_000 + 3 * 3600_000).toISOString(),
      capacity: seats,
    });
    if (created.status !== 201) throw new Error(`create event: ${created.status} ${JSON.stringify(created.json)}`);
    const gatheringId = created.json.id as string;
    await post(`${api}/api/events/${gatheringId}/publish`, organizer, {});
    const typed = await post(`${api}/api/events/${gatheringId}/ticket-types`, organizer, {
      kind: 'standard',
      quantity: seats,
      price: '1500.00',
      sales_start: new Date(now - 3600_000).toISOString(),
      sales_end: new Date(now + 29 * 86400_000).toISOString(),
    });
    if (typed.status !== 201) throw new Error(`add ticket type: ${typed.status} ${JSON.stringify(typed.json)}`);
    const ticketTypeId = typed.json.ticket_type_id as string;
    const tokens = await Promise.all(Array.from({ length: buyers }, () => signAccessToken({ kind: 'user', id: randomUUID(), roles: ['user'], scopes: [] }, { secret: SECRET, ttlSeconds: 3600 })));

    ctx.log(`onsale ${variant}: ${buyers} buyers, ${seats} seats`);
    const latencies: number[] = [];
    let busy = 0;
    let errors = 0;
    let soldOut = false;
    const statementsBefore = databaseStatementsSent();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      tokens.map(async (token) => {
        while (!soldOut && performance.now() < deadline) {
          const t0 = performance.now();
          const answer = await post(`${api}/api/events/${gatheringId}/tickets`, token, { ticket_type_id: ticketTypeId });
          if (answer.status === 201) latencies.push(performance.now() - t0);
          else if (answer.status === 409) soldOut = true;
          else if (answer.status === 429) busy++;
          else errors++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    // the asynchronous work counts too: wait until the sagas' and projections' share is done
    const settled = await settle(system, database.db);
    const statements = databaseStatementsSent() - statementsBefore - settled.ownStatements;
    const stream = await system.dependencies.store.readStream(streamOfInventory(ticketTypeId));
    const sold = stream.reduce((sum, event) => sum + (event.data as { tickets: unknown[] }).tickets.length, 0);
    latencies.sort((a, b) => a - b);
    ctx.record({
      bench: 'onsale',
      case: 'rush',
      impl: variant === 'batched' ? 'ours' : 'baseline',
      variant,
      buyers,
      seats,
      sold,
      oversold: Math.max(0, sold - seats),
      answered201: latencies.length,
      soldOut,
      busy429: busy,
      errors,
      seconds: round(elapsed, 2),
      purchasesPerSec: round(latencies.length / elapsed),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      statementsPerSale: latencies.length ? round(statements / latencies.length, 1) : null,
      settledSeconds: round(settled.seconds, 1),
    });
    if (sold !== latencies.length) ctx.note(`${variant}: ${sold} seats in the log but ${latencies.length} purchases answered 201`);
    if (!soldOut) ctx.note(`${variant}: not sold out within ${seconds} s (--seconds); figures cover what sold in that time`);
  } finally {
    await system.stop();
    await database.dispose();
  }
}

/**
 * Waits until the tickets read model has passed the log's head and the outbox holds no pending
 * effect (the sales' notifications and ticket issuing), so the statements counted include the
 * asynchronous share of every sale. Each check is exactly two statements (and the head read one),
 * which `ownStatements` reports so they are not charged to the sales.
 */
async function settle(system: Awaited<ReturnType<typeof startSystem>>, db: Kysely<any>): Promise<{ seconds: number; ownStatements: number }> {
  const t0 = performance.now();
  const head = await system.dependencies.store.headPosition();
  let ownStatements = 1;
  for (let i = 0; i < 1200; i++) {
    ownStatements += 2;
    const reached = comparePositions(await readCheckpoint(db, TICKETS_PROJECTION), head) >= 0;
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from outbox where status = 'pending'`.execute(db);
    if (reached && rows[0]?.n === '0') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { seconds: (performance.now() - t0) / 1000, ownStatements };
}

export const bench: Bench = {
  name: 'onsale',
  description: 'On-sale rush over HTTP: N buyers, M seats of one ticket type; batched seller vs plain optimistic retry',
  async run(ctx) {
    const buyers = numberOption(ctx, 'buyers', ctx.quick ? 40 : 500);
    const seats = numberOption(ctx, 'seats', ctx.quick ? 200 : 5000);
    const seconds = numberOption(ctx, 'seconds', ctx.quick ? 30 : 90);
    for (const variant of ['batched', 'optimistic'] as const) await rush(ctx, variant, buyers, seats, seconds);
    ctx.note('statementsPerSale = every statement the process sent to the database from the first purchase until the sales’ asynchronous work (projections, sagas, outbox) had settled, BEGIN/COMMIT included (database_statements_total), over the purchases answered 201; settledSeconds = how long that work ran on after the rush');
    ctx.note('ours = purchases of one ticket type queued per process and decided + appended together; baseline = one load-decide-append per purchase, retried on conflict (429 busy after 20 conflicts; the buyer then tries again)');
  },
};
