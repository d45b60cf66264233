import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import type { ContextFactory } from '../../../adapters/app/context-module.js';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { formatPosition, type EventStore, type Position } from '../../../adapters/eventstore/event-store.js';
import { notificationsModule } from '../../../commands/notifications/notifications-module.js';
import { ticketingModule } from '../../../commands/ticketing/ticketing-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { TICKETS_PROJECTION } from '../../../projections/ticketing/ticket-projection.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem } from '../../support/test-system.js';
import { bearer, DAY, gatheringBody, HOUR, publishedGathering, RecordingChannel } from './ticketing-harness.js';

interface Wait {
  readonly projection: string;
  readonly position: string;
  reached?: boolean;
}

/** Issue 10, item 2 "A clearer HTTP edge", as a new organizer and her door meet it. */
describe('Ticketing over HTTP: partial edits, the organizer at her own door, read-your-writes at the door, codes that are no codes', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let api: string;
  const clock = new ManualClock(new Date());
  let organizer: string;
  let otherOrganizer: string;
  let admin: string;
  let buyer: string;
  let scanner: string;

  /** Every read-your-writes wait the routes make, and whether it was reached before they answered. */
  const waits: Wait[] = [];
  let store: EventStore;
  const ticketing = ticketingModule();
  const watchedTicketing: ContextFactory = (deps) => {
    store = deps.store;
    return ticketing({
      ...deps,
      waitForProjection: async (projection: string, position: Position, timeoutMs?: number) => {
        const wait: Wait = { projection, position: formatPosition(position) };
        waits.push(wait);
        wait.reached = await deps.waitForProjection(projection, position, timeoutMs);
        return wait.reached;
      },
    });
  };
  /** The waits for the tickets read model made while `act` ran. */
  const ticketWaitsDuring = async (act: () => Promise<unknown>) => {
    const from = waits.length;
    await act();
    return waits.slice(from).filter((wait) => wait.projection === TICKETS_PROJECTION);
  };
  const lastPositionOfTicket = async (code: string) => {
    const { rows } = await sql<{ id: string }>`select id from rm_tickets where code = ${code}`.execute(database.db);
    const recorded = await store.readStream(`Ticket-${rows[0]!.id}`);
    return formatPosition(recorded[recorded.length - 1]!.position);
  };

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({ database, clock, contexts: [watchedTicketing, notificationsModule({ channel: new RecordingChannel() })] });
    api = system.api;
    organizer = await bearer('edge-org-1', ['user', 'organizer']);
    otherOrganizer = await bearer('edge-org-2', ['user', 'organizer']);
    admin = await bearer('edge-admin', ['admin']);
    buyer = await bearer('edge-buyer');
    scanner = await bearer('edge-door', ['scanner']);
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const draft = async () => (await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(clock.now())).expect(201)).body;
  const ticketsOf = async (quantity: number, owner = organizer) => {
    const { gatheringId, ticketTypeId } = await publishedGathering(api, owner, clock.now(), { quantity: Math.max(quantity, 5) });
    const bought = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity }).expect(201);
    return { gatheringId, codes: bought.body.tickets.map((t: { code: string }) => t.code) as string[] };
  };

  describe('PATCH /api/events/:id', () => {
    it('given a draft, when the organizer patches its title, then only the title changes, and GET shows it at once', async () => {
      const event = await draft();
      const patched = await request(api).patch(`/api/events/${event.id}`).set('Authorization', organizer).send({ title: 'Jazz at Dusk' }).expect(200);
      assert.deepEqual(patched.body, { ...event, title: 'Jazz at Dusk' });
      const read = await request(api).get(`/api/events/${event.id}`).set('Authorization', organizer).expect(200);
      assert.equal(read.body.title, 'Jazz at Dusk');
      assert.equal(read.body.venue, event.venue);
      assert.equal(read.body.description, event.description);

      const later = new Date(new Date(event.starts_at).getTime() + DAY);
      const moved = await request(api)
        .patch(`/api/events/${event.id}`)
        .set('Authorization', admin)
        .send({ starts_at: later.toISOString(), ends_at: new Date(later.getTime() + 2 * HOUR).toISOString(), capacity: 42 })
        .expect(200);
      assert.deepEqual([moved.body.title, moved.body.starts_at, moved.body.capacity], ['Jazz at Dusk', later.toISOString(), 42], 'an admin may, and earlier changes stay');
      const unchanged = await request(api).patch(`/api/events/${event.id}`).set('Authorization', organizer).send({}).expect(200);
      assert.deepEqual(unchanged.body, moved.body, 'an empty object changes nothing');
    });

    it('given a draft, when a patch breaks a rule, then the same answers as PUT: 400 for a malformed date, 422 for ends before starts or a start in the past, 403 for another organizer, 409 once published', async () => {
      const event = await draft();
      const malformed = await request(api).patch(`/api/events/${event.id}`).set('Authorization', organizer).send({ starts_at: 'tomorrow' }).expect(400);
      assert.equal(malformed.body.field, 'starts_at');
      const early = await request(api).patch(`/api/events/${event.id}`).set('Authorization', organizer).send({ ends_at: new Date(new Date(event.starts_at).getTime() - HOUR).toISOString() }).expect(422);
      assert.equal(early.body.field, 'ends_at');
      const past = await request(api).patch(`/api/events/${event.id}`).set('Authorization', organizer).send({ starts_at: new Date(clock.now().getTime() - HOUR).toISOString() }).expect(422);
      assert.equal(past.body.field, 'starts_at');
      const short = await request(api).patch(`/api/events/${event.id}`).set('Authorization', organizer).send({ title: 'x' }).expect(400);
      assert.equal(short.body.field, 'title');
      await request(api).patch(`/api/events/${event.id}`).set('Authorization', otherOrganizer).send({ title: 'Mine now' }).expect(403);
      await request(api).patch(`/api/events/${event.id}`).set('Authorization', buyer).send({ title: 'Mine now' }).expect(403);
      await request(api).patch('/api/events/00000000-0000-4000-8000-000000000000').set('Authorization', organizer).send({ title: 'Nobody’s' }).expect(404);
      const still = await request(api).get(`/api/events/${event.id}`).set('Authorization', organizer).expect(200);
      assert.equal(still.body.title, event.title, 'nothing of the refused patches was applied');

      await request(api).post(`/api/events/${event.id}/publish`).set('Authorization', organizer).expect(200);
      const late = await request(api).patch(`/api/events/${event.id}`).set('Authorization', organizer).send({ title: 'Too late' }).expect(409);
      assert.equal(late.body.code, 'gathering.not_draft');
    });

    it('given a draft, when PUT leaves the description out, then it is replaced (PUT keeps replacing the whole draft)', async () => {
      const event = await draft();
      assert.notEqual(event.description, '');
      const { description: _description, ...withoutDescription } = gatheringBody(clock.now());
      const replaced = await request(api).put(`/api/events/${event.id}`).set('Authorization', organizer).send(withoutDescription).expect(200);
      assert.equal(replaced.body.description, '');
    });
  });

  describe('the organizer at her own door', () => {
    it('given an organizer without a scanner grant, when she validates and checks in a ticket of her own event, then it is valid and she lets the holder in', async () => {
      const { gatheringId, codes } = await ticketsOf(1);
      const verdict = await request(api).post(`/api/tickets/${codes[0]}/validate`).set('Authorization', organizer).send({ event_id: gatheringId }).expect(200);
      assert.equal(verdict.body.valid, true);
      const checkedIn = await request(api).post(`/api/tickets/${codes[0]}/checkin`).set('Authorization', organizer).send({ event_id: gatheringId }).expect(200);
      assert.equal(checkedIn.body.status, 'used');
      const again = await request(api).post(`/api/tickets/${codes[0]}/validate`).set('Authorization', organizer).send({}).expect(200);
      assert.deepEqual([again.body.valid, again.body.reason], [false, 'already_used']);
    });

    it('given another organizer’s event, when an organizer validates or checks in its ticket, then 403 ticket.not_your_event; door staff still may', async () => {
      const { codes } = await ticketsOf(1, otherOrganizer);
      const validate = await request(api).post(`/api/tickets/${codes[0]}/validate`).set('Authorization', organizer).send({}).expect(403);
      assert.equal(validate.body.code, 'ticket.not_your_event');
      const checkin = await request(api).post(`/api/tickets/${codes[0]}/checkin`).set('Authorization', organizer).send({}).expect(403);
      assert.equal(checkin.body.code, 'ticket.not_your_event');
      assert.equal((await request(api).post(`/api/tickets/${codes[0]}/validate`).set('Authorization', scanner).send({}).expect(200)).body.valid, true, 'the refused check-in changed nothing');
      await request(api).post(`/api/tickets/${codes[0]}/checkin`).set('Authorization', scanner).send({}).expect(200);
      await request(api).post(`/api/tickets/${codes[0]}/validate`).set('Authorization', buyer).send({}).expect(403);
    });
  });

  describe('read-your-writes at the door', () => {
    it('given a check-in, when it answers, then the tickets read model has reached its event (waited for, like a purchase), and so has a validate’s verdict', async () => {
      const { gatheringId, codes } = await ticketsOf(1);
      const during = await ticketWaitsDuring(() => request(api).post(`/api/tickets/${codes[0]}/checkin`).set('Authorization', scanner).send({ event_id: gatheringId }).expect(200));
      const checkedInAt = await lastPositionOfTicket(codes[0]!);
      assert.deepEqual(during, [{ projection: TICKETS_PROJECTION, position: checkedInAt, reached: true }]);
      const validating = await ticketWaitsDuring(() => request(api).post(`/api/tickets/${codes[0]}/validate`).set('Authorization', scanner).send({}).expect(200));
      assert.deepEqual(validating, [{ projection: TICKETS_PROJECTION, position: checkedInAt, reached: true }]);
    });

    it('given tickets checked in one after another, when the holder lists her used tickets right after each answer, then each is there already', async () => {
      const { gatheringId, codes } = await ticketsOf(8);
      for (const code of codes) {
        await request(api).post(`/api/tickets/${code}/checkin`).set('Authorization', scanner).send({ event_id: gatheringId }).expect(200);
        const used = await request(api).get('/api/tickets').query({ status: 'used', limit: '200' }).set('Authorization', buyer).expect(200);
        assert.ok(used.body.items.some((ticket: { code: string }) => ticket.code === code), `${code} is listed as used right after its check-in`);
        const validated = await request(api).post(`/api/tickets/${code}/validate`).set('Authorization', scanner).send({}).expect(200);
        assert.equal(validated.body.reason, 'already_used');
      }
    });
  });

  describe('text that is no ticket code', () => {
    it('given a code of the wrong length or alphabet, when validated, then 200 valid: false, unknown_code; a check-in is 404 ticket.unknown_code', async () => {
      for (const code of ['not-a-code', 'abc', 'A'.repeat(300), 'ÄÖÜ', 'ILOU0123456789ABCDEFGHJKMN', '0']) {
        const verdict = await request(api).post(`/api/tickets/${encodeURIComponent(code)}/validate`).set('Authorization', scanner).send({}).expect(200);
        assert.deepEqual(verdict.body, { valid: false, reason: 'unknown_code' }, code);
        const checkin = await request(api).post(`/api/tickets/${encodeURIComponent(code)}/checkin`).set('Authorization', scanner).send({}).expect(404);
        assert.equal(checkin.body.code, 'ticket.unknown_code', code);
      }
    });

    it('given a real code typed in lower case, when validated, then it is the ticket', async () => {
      const { codes } = await ticketsOf(1);
      assert.equal((await request(api).post(`/api/tickets/${codes[0]!.toLowerCase()}/validate`).set('Authorization', scanner).send({}).expect(200)).body.valid, true);
    });
  });
});
