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

  it('given a cancelled event, then its reminder never fires', async () => {
    const organizer = await bearer('org-r', ['organizer']);
    const created = await request(system.api).post('/api/events').set('Authorization', organizer).send(gatheringBody(clock.now(), 2 * DAY)).expect(201);
    await eventually(async () => (await dueOf(created.body.id)) !== undefined);
    await request(system.api).post(`/api/events/${created.body.id}/cancel`).set('Authorization', organizer).send({}).expect(200);
    await eventually(async () => (await dueOf(created.body.id))!.status === 'cancelled');
  });
});
