/**
 * One server process of the on-sale bench, forked by bench/onsale.ts with an IPC channel: it
 * starts the system of the role and variant it is told (`ServerStart`), answers `{ ready, port }`,
 * then what it is asked (`ServerAsk`): its statement counter (statements it sent for the asks
 * themselves left out), whether the sales' asynchronous work has settled, the seats sold, stop.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { startSystem, type RunningSystem } from '../../adapters/app/system.js';
import { appConfigSections } from '../../adapters/config/app-config.js';
import { loadConfig } from '../../adapters/config/platform-config.js';
import type { Database } from '../../adapters/database/database.js';
import { openDatabase, startPglite } from '../../adapters/database/open-database.js';
import { comparePositions } from '../../adapters/eventstore/event-store.js';
import { createLogger } from '../../adapters/observability/logger.js';
import { databaseStatementsSent } from '../../adapters/observability/metrics.js';
import { notificationsModule } from '../../commands/notifications/notifications-module.js';
import type { NotificationChannel } from '../../commands/notifications/ports/notification-channel.js';
import { ticketingModule } from '../../commands/ticketing/ticketing-module.js';
import { streamOfInventory } from '../../domain/ticketing/ticket-inventory.js';
import { readCheckpoint } from '../../projections/checkpoints.js';
import { TICKETS_PROJECTION } from '../../projections/ticketing/ticket-projection.js';
import { crudTicketingModule } from './crud-ticketing.js';
import type { ServerAsk, ServerStart } from './messages.js';

const quietChannel: NotificationChannel = { name: 'bench', deliver: async () => {} };
const send = (message: unknown) => process.send!(message);

let system: RunningSystem | undefined;
let database: Database | undefined;
let start: ServerStart | undefined;
/** Statements this process sent to answer the asks: not the sales'. */
let ownStatements = 0;

async function own<T>(work: () => Promise<T>): Promise<T> {
  const before = databaseStatementsSent();
  try {
    return await work();
  } finally {
    ownStatements += databaseStatementsSent() - before;
  }
}

/** `--profile`: how many of each statement (its first 90 characters) this process sent, to see where a sale's statements go. */
const profile = new Map<string, number>();
function profileStatements(): void {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = (typeof first === 'string' ? first : (first?.text ?? '?')).replace(/\s+/g, ' ').trim().slice(0, 90);
    profile.set(text, (profile.get(text) ?? 0) + 1);
    return query.apply(this, args);
  } as never;
}

async function begin(options: ServerStart): Promise<void> {
  start = options;
  if (options.profile) profileStatements();
  const names = { schema: options.schema, biSchema: `${options.schema}_bi` };
  database = options.url ? await openDatabase({ url: options.url, ...names, poolSize: 20 }) : await openDatabase({ ...names, pgliteHost: await startPglite('memory://') });
  const config = loadConfig(
    { PORT: '0', JWT_SECRET: options.secret, LOG_LEVEL: 'silent', TICKET_SALES_STRATEGY: options.variant === 'optimistic' ? 'optimistic' : 'batched' },
    appConfigSections,
  );
  system = await startSystem({
    config,
    role: options.role,
    database,
    logger: createLogger({ level: 'silent' }),
    contexts: options.variant === 'crud' ? [crudTicketingModule] : [ticketingModule(), notificationsModule({ channel: quietChannel })],
  });
  send({ ready: true, port: system.port ?? null });
}

async function answer(message: ServerAsk): Promise<unknown> {
  switch (message.ask) {
    case 'cpu': {
      const { user, system: kernel } = process.cpuUsage();
      return { cpuMs: (user + kernel) / 1000 };
    }
    case 'statements':
      return { statements: databaseStatementsSent() - ownStatements, profile: Object.fromEntries(profile) };
    case 'settled':
      return own(async () => {
        const db = database!.db;
        if (start!.variant === 'crud') return { settled: true };
        const head = await system!.dependencies.store.headPosition();
        const reached = comparePositions(await readCheckpoint(db, TICKETS_PROJECTION), head) >= 0;
        const { rows } = await sql<{ n: string }>`select count(*)::text as n from outbox where status = 'pending'`.execute(db);
        return { settled: reached && rows[0]?.n === '0' };
      });
    case 'sold':
      return own(async () => {
        if (start!.variant === 'crud') {
          const { rows } = await sql<{ sold: number; tickets: string }>`
            select t.sold, (select count(*) from crud_tickets where ticket_type_id = t.id)::text as tickets from crud_ticket_types t where t.id = ${message.ticketTypeId}`.execute(database!.db);
          return { sold: Number(rows[0]?.tickets ?? 0), counter: rows[0]?.sold ?? 0 };
        }
        const stream = await system!.dependencies.store.readStream(streamOfInventory(message.ticketTypeId));
        const sold = stream.reduce((sum, event) => sum + (event.type === 'TicketsSold' ? (event.data as { tickets: unknown[] }).tickets.length : 0), 0);
        return { sold, counter: sold };
      });
    case 'stop':
      await system?.stop();
      await database?.close();
      setImmediate(() => process.exit(0));
      return { stopped: true };
  }
}

process.on('message', (message: ServerStart | ServerAsk) => {
  if ('ask' in message) {
    answer(message).then(
      (reply) => send({ id: message.id, ...(reply as object) }),
      (error: unknown) => send({ id: message.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
  } else {
    begin(message).catch((error: unknown) => {
      send({ ready: false, error: error instanceof Error ? error.stack ?? error.message : String(error) });
      setImmediate(() => process.exit(1));
    });
  }
});
