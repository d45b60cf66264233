import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../adapters/app/system.js';
import { startTestSystem } from '../support/test-system.js';
import { accountsModule } from '../../commands/accounts/accounts-module.js';
import { notificationsModule } from '../../commands/notifications/notifications-module.js';
import { ticketingModule } from '../../commands/ticketing/ticketing-module.js';
import { ManualClock } from '../../platform/clock.js';
import { openTestDatabase } from '../support/test-database.js';
import { eventually, gatheringBody, RecordingChannel, ticketTypeBody } from './ticketing/ticketing-harness.js';

/**
 * The README's ticketing walkthrough, step by step, with real accounts (no hand-made tokens):
 * register, become an organizer, publish an event with a ticket type, buy as another user, see
 * the tickets, get checked in by door staff an admin appointed, cancel, read the notifications.
 */
describe('README walkthrough: accounts and ticketing together', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem;
  let api: string;
  const clock = new ManualClock(new Date());

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({ database, clock, env: { ADMIN_EMAILS: 'admin@example.com' }, contexts: [accountsModule(), ticketingModule(), notificationsModule({ channel: new RecordingChannel() })] });
    api = `http://127.0.0.1:${system.port}`;
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const register = async (email: string, name: string) =>
    (await request(api).post('/api/auth/register').send({ email, password: `${name} password 1`, display_name: name }).expect(201)).body;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('given a fresh system, when people follow the README, then every step answers as the README shows', async () => {
    const admin = await register('admin@example.com', 'Admin');
    const olga = await register('olga@example.com', 'Olga');
    const boris = await register('boris@example.com', 'Boris');
    const door = await register('door@example.com', 'Door');
    assert.ok(admin.user.roles.includes('admin'));

    await request(api).post('/api/events').set(auth(olga.access_token)).send(gatheringBody(clock.now())).expect(403);
    const organizer = (await request(api).post('/api/users/me/become-organizer').set(auth(olga.access_token)).expect(200)).body.access_token;
    const event = (await request(api).post('/api/events').set(auth(organizer)).send(gatheringBody(clock.now(), 10 * 86400_000, { capacity: 100 })).expect(201)).body.id;
    await request(api).post(`/api/events/${event}/publish`).set(auth(organizer)).expect(200);
    const type = (await request(api).post(`/api/events/${event}/ticket-types`).set(auth(organizer)).send(ticketTypeBody(clock.now(), { quantity: 50 })).expect(201)).body.ticket_type_id;

    const sale = await request(api).post(`/api/events/${event}/tickets`).set(auth(boris.access_token)).set('Idempotency-Key', 'boris-first-purchase').send({ ticket_type_id: type, quantity: 2 }).expect(201);
    const mine = await request(api).get('/api/tickets').set(auth(boris.access_token)).expect(200);
    assert.deepEqual(mine.body.items.map((t: { status: string }) => t.status), ['active', 'active']);
    const code = sale.body.tickets[0].code;

    await request(api).post(`/api/tickets/${code}/checkin`).set(auth(door.access_token)).send({ event_id: event }).expect(403);
    await request(api).post(`/api/admin/users/${door.user.id}/roles`).set(auth(admin.access_token)).send({ role: 'scanner' }).expect(200);
    const scanner = (await request(api).post('/api/auth/login').send({ email: 'door@example.com', password: 'Door password 1' }).expect(200)).body.access_token;
    assert.equal((await request(api).post(`/api/tickets/${code}/validate`).set(auth(scanner)).send({ event_id: event }).expect(200)).body.valid, true);
    await request(api).post(`/api/tickets/${code}/checkin`).set(auth(scanner)).send({ event_id: event }).expect(200);
    await request(api).post(`/api/tickets/${code}/checkin`).set(auth(scanner)).send({ event_id: event }).expect(409);

    await request(api).post(`/api/events/${event}/cancel`).set(auth(organizer)).send({ reason: 'storm warning' }).expect(200);
    const statuses = await eventually(async () => {
      const tickets = (await request(api).get('/api/tickets').set(auth(boris.access_token)).expect(200)).body.items.map((t: { status: string }) => t.status).sort();
      return tickets.includes('voided') ? tickets : undefined;
    });
    assert.deepEqual(statuses, ['used', 'voided']);
    const kinds = await eventually(async () => {
      const items = (await request(api).get('/api/notifications').set(auth(boris.access_token)).expect(200)).body.items;
      return items.length === 2 && items.every((n: { delivered_at: string | null }) => n.delivered_at) ? items.map((n: { kind: string }) => n.kind).sort() : undefined;
    });
    assert.deepEqual(kinds, ['event.cancelled', 'ticket.purchased']);
  });
});
