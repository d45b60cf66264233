import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';
import type { Database } from '../../../adapters/database/database.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import type { Role } from '../../../adapters/http/principal.js';
import { notificationsModule } from '../../../commands/notifications/notifications-module.js';
import type { NotificationChannel } from '../../../commands/notifications/ports/notification-channel.js';
import { ticketingModule } from '../../../commands/ticketing/ticketing-module.js';
import type { Clock } from '../../../platform/clock.js';

export { RecordingChannel } from '../notifications/recording-channel.js';

export const SECRET = TEST_JWT_SECRET;
export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

export const bearer = async (id: string, roles: Role[] = ['user']) =>
  `Bearer ${await signAccessToken({ kind: 'user', id, roles, scopes: [] }, { secret: SECRET, ttlSeconds: 3600 })}`;

export interface TicketingSystemOptions {
  readonly database: Database;
  readonly clock: Clock;
  readonly channel: NotificationChannel;
  readonly role?: 'all' | 'api' | 'worker';
  readonly env?: Record<string, string>;
}

/** Ticketing and the notifications it sends, started as `npm start` would (role all) or as one API instance. */
export function startTicketing(options: TicketingSystemOptions): Promise<RunningSystem & { api: string }> {
  return startTestSystem({ ...options, contexts: [ticketingModule(), notificationsModule({ channel: options.channel })] });
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A valid event body starting `inMs` from `now`, lasting three hours. */
export function gatheringBody(now: Date, inMs = 7 * DAY, overrides: Record<string, unknown> = {}) {
  const start = now.getTime() + inMs;
  return { title: 'Jazz in the Park', description: 'An evening of jazz', venue: 'Gorky Park, Moscow', starts_at: iso(start), ends_at: iso(start + 3 * HOUR), capacity: 500, ...overrides };
}

export function ticketTypeBody(now: Date, overrides: Record<string, unknown> = {}) {
  return { kind: 'standard', quantity: 100, price: '1500.00', sales_start: iso(now.getTime() - HOUR), sales_end: iso(now.getTime() + 6 * DAY), ...overrides };
}

/** Given a published event with one ticket type on sale: its ids. */
export async function publishedGathering(api: string, organizer: string, now: Date, options: { quantity?: number; inMs?: number; price?: string } = {}) {
  const created = await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now, options.inMs)).expect(201);
  await request(api).post(`/api/events/${created.body.id}/publish`).set('Authorization', organizer).expect(200);
  const typed = await request(api)
    .post(`/api/events/${created.body.id}/ticket-types`)
    .set('Authorization', organizer)
    .send(ticketTypeBody(now, { quantity: options.quantity ?? 100, ...(options.price ? { price: options.price } : {}) }))
    .expect(201);
  assert.ok(typed.body.ticket_type_id);
  return { gatheringId: created.body.id as string, ticketTypeId: typed.body.ticket_type_id as string };
}

export { eventually } from '../../support/eventually.js';
