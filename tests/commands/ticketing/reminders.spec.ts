import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { reminderTimerId } from '../../../sagas/ticketing/gathering-followup-saga.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { bearer, DAY, eventually, gatheringBody, HOUR, RecordingChannel, startTicketing, ticketTypeBody } from './ticketing-harness.js';

/** T-8: a durable timer per event fires a day before the start, after a restart too. */
describe('T-8 reminders: a durable timer a day before the start', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date('2030-03-01T10:00:00Z'));
  const channel = new RecordingChannel();
  const dueOf = async (gatheringId: string) =>
    (await sql<{ due_at: Date | string; status: string }>`select due_at, status from timers where id = ${reminderTimerId(gatheringId)}`.execute(database.db)).rows[0];
  const reminders = async (token: string, gatheringId: string) =>
    (await request(system.api).get('/api/notifications').set('Authorization', token).expect(200)).body.items.filter(
      (n: { kind: string; event_id: string }) => n.kind === 'event.reminder' && n.event_id === gatheringId,
    );

  before(async () => {
    database = await openTestDatabase();
    system = await startTicketing({ database, clock, channel });
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given holders, when the start moves before publishing and the worker restarts, then the reminder fires once, 24 h before the new start, to every holder', async () => {
    const organizer = await bearer('org-r', ['organizer']);
    const alice = await bearer('alice');
    const bob = await bearer('bob');
    const now = clock.now();
    const created = await request(system.api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now, 3 * DAY)).expect(201);
    const id = created.body.id as string;
    await eventually(async () => (await dueOf(id)) !== undefined);
    assert.equal(new Date((await dueOf(id))!.due_at).toISOString(), new Date(now.getTime() + 2 * DAY).toISOString(), 'scheduled on creation');

    await request(system.api).put(`/api/events/${id}`).set('Authorization', organizer).send(gatheringBody(now, 5 * DAY)).expect(200);
    await eventually(async () => new Date((await dueOf(id))!.due_at).getTime() === now.getTime() + 4 * DAY);

    await request(system.api).post(`/api/events/${id}/publish`).set('Authorization', organizer).expect(200);
    const typed = await request(system.api).post(`/api/events/${id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now, { quantity: 10, sales_end: new Date(now.getTime() + 4 * DAY).toISOString() })).expect(201);
    for (const token of [alice, alice, bob]) {
      await request(system.api).post(`/api/events/${id}/tickets`).set('Authorization', token).send({ ticket_type_id: typed.body.ticket_type_id }).expect(201);
    }

    // when the worker stops between scheduling and firing …
    await system.stop();
    clock.advance(2 * DAY + HOUR); // the old due time passes while nothing runs
    system = await startTicketing({ database, clock, channel });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await reminders(alice, id), [], 'not at the old time');

    clock.advance(2 * DAY); // now 4 d + 1 h after creation: 23 h before the start
    const aliceReminder = await eventually(async () => {
      const found = await reminders(alice, id);
      return found.length ? found : undefined;
    });
    const bobReminder = await eventually(async () => {
      const found = await reminders(bob, id);
      return found.length ? found : undefined;
    });
    assert.equal(aliceReminder.length, 1, 'one reminder per holder, however many tickets');
    assert.equal(bobReminder.length, 1);
    assert.equal((await dueOf(id))!.status, 'fired');
    await eventually(async () => channel.delivered.filter((n) => n.kind === 'event.reminder' && n.userId === 'alice').length === 1);
  });

  const inboxOf = async (token: string, gatheringId: string) =>
    ((await request(system.api).get('/api/notifications').set('Authorization', token).expect(200)).body.items as { id: string; kind: string; event_id: string; title: string; body: string; delivered_at: string | null }[]).filter(
      (n) => n.event_id === gatheringId,
    );

  it('given the reminder has gone out, when someone buys afterwards, then they get the purchase notice and the reminder, once however often they buy', async () => {
    const organizer = await bearer('org-r', ['organizer']);
    const early = await bearer('early-bird');
    const late = await bearer('latecomer');
    const now = clock.now();
    const created = await request(system.api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now, 2 * DAY)).expect(201);
    const id = created.body.id as string;
    const startsAt = created.body.starts_at as string;
    await request(system.api).post(`/api/events/${id}/publish`).set('Authorization', organizer).expect(200);
    const typed = await request(system.api).post(`/api/events/${id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now, { quantity: 10, sales_end: startsAt })).expect(201);
    const buy = (token: string) => request(system.api).post(`/api/events/${id}/tickets`).set('Authorization', token).send({ ticket_type_id: typed.body.ticket_type_id }).expect(201);
    await buy(early);
    await eventually(async () => (await dueOf(id)) !== undefined);

    clock.advance(DAY + HOUR); // 23 h before the start: the reminder fires for the holders so far
    await eventually(async () => (await dueOf(id))!.status === 'fired');
    await eventually(async () => (await reminders(early, id)).length === 1);
    assert.deepEqual(await reminders(late, id), [], 'not a holder when it fired');

    const sale = await buy(late);
    const inbox = await eventually(async () => {
      const found = await inboxOf(late, id);
      return found.length === 2 && found.every((n) => n.delivered_at) ? found : undefined;
    });
    const [purchased, reminder] = [inbox.find((n) => n.kind === 'ticket.purchased')!, inbox.find((n) => n.kind === 'event.reminder')!];
    assert.equal(purchased.id, `purchased:${sale.body.sale_id}`);
    assert.equal(purchased.title, 'Your ticket for Jazz in the Park');
    assert.equal(reminder.id, `reminder:${id}:latecomer:${startsAt}`);
    assert.equal(reminder.title, 'Reminder: Jazz in the Park');
    assert.equal(reminder.body, `Jazz in the Park starts at ${startsAt.replace('T', ' ').slice(0, 16)} UTC. Have your QR code ready at the door.`);

    // buying again, or an early holder buying more, reminds nobody twice
    await buy(late);
    await buy(early);
    await eventually(async () => (await inboxOf(late, id)).filter((n) => n.kind === 'ticket.purchased').length === 2);
    await eventually(async () => (await inboxOf(early, id)).filter((n) => n.kind === 'ticket.purchased').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await reminders(late, id)).length, 1);
    assert.equal((await reminders(early, id)).length, 1);
    for (const user of ['latecomer', 'early-bird']) {
      assert.equal(channel.delivered.filter((n) => n.kind === 'event.reminder' && n.userId === user && n.notificationId.startsWith(`reminder:${id}:`)).length, 1, user);
    }
  });

  it('given an event published after its reminder moment, then each buyer is reminded with the purchase', async () => {
    const organizer = await bearer('org-r', ['organizer']);
    const buyer = await bearer('last-minute');
    const now = clock.now();
    const created = await request(system.api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now, 12 * HOUR)).expect(201);
    const id = created.body.id as string;
    await eventually(async () => (await dueOf(id))?.status === 'fired'); // due at once, while still a draft: nobody to remind
    await request(system.api).post(`/api/events/${id}/publish`).set('Authorization', organizer).expect(200);
    const typed = await request(system.api).post(`/api/events/${id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now, { quantity: 10, sales_end: created.body.starts_at })).expect(201);
    await request(system.api).post(`/api/events/${id}/tickets`).set('Authorization', buyer).send({ ticket_type_id: typed.body.ticket_type_id }).expect(201);
    const found = await eventually(async () => {
      const mine = await reminders(buyer, id);
      return mine.length ? mine : undefined;
    });
    assert.equal(found.length, 1);
  });

  it('given a cancelled event, then its reminder never fires', async () => {
    const organizer = await bearer('org-r', ['organizer']);
    const created = await request(system.api).post('/api/events').set('Authorization', organizer).send(gatheringBody(clock.now(), 2 * DAY)).expect(201);
    await eventually(async () => (await dueOf(created.body.id)) !== undefined);
    await request(system.api).post(`/api/events/${created.body.id}/cancel`).set('Authorization', organizer).send({}).expect(200);
    await eventually(async () => (await dueOf(created.body.id))!.status === 'cancelled');
  });
});
