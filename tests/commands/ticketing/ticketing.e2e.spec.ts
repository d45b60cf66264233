import assert from 'node:assert/strict';
import { sql, type Transaction } from 'kysely';
import { BI_READER_ROLE } from '../../../projections/bi-migrations.js';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { TICKET_CODE_PATTERN } from '../../../commands/ticketing/ticket-codes.js';
import { ManualClock } from '../../../platform/clock.js';
import { eventLogUnderTest } from '../../support/event-log-under-test.js';
import { openTestDatabase } from '../../support/test-database.js';
import { bearer, DAY, eventually, gatheringBody, HOUR, publishedGathering, RecordingChannel, startTicketing, ticketTypeBody } from './ticketing-harness.js';

describe('Ticketing "Сбор" over HTTP (T-1 … T-9)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let api: string;
  const clock = new ManualClock(new Date());
  const channel = new RecordingChannel();
  let organizer: string;
  let otherOrganizer: string;
  let buyer: string;
  let secondBuyer: string;
  let scanner: string;

  before(async () => {
    database = await openTestDatabase();
    system = await startTicketing({ database, clock, channel });
    api = system.api;
    organizer = await bearer('org-1', ['user', 'organizer']);
    otherOrganizer = await bearer('org-2', ['user', 'organizer']);
    buyer = await bearer('buyer-1');
    secondBuyer = await bearer('buyer-2');
    scanner = await bearer('door-1', ['scanner']);
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  describe('T-1 events: draft, edit, publish', () => {
    it('given an organizer, when they create an event, then it is a draft only they can see, and they can edit it until it is published', async () => {
      const created = await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(clock.now())).expect(201);
      assert.equal(created.body.status, 'draft');
      assert.equal(created.body.organizer_id, 'org-1');
      assert.equal(created.headers.location, `/api/events/${created.body.id}`);
      await request(api).get(`/api/events/${created.body.id}`).expect(404);
      await request(api).get(`/api/events/${created.body.id}`).set('Authorization', buyer).expect(404);
      const own = await request(api).get(`/api/events/${created.body.id}`).set('Authorization', organizer).expect(200);
      assert.equal(own.body.status, 'draft');

      const edited = await request(api).put(`/api/events/${created.body.id}`).set('Authorization', organizer).send(gatheringBody(clock.now(), 8 * DAY, { title: 'Jazz at Dusk' })).expect(200);
      assert.equal(edited.body.title, 'Jazz at Dusk');
      await request(api).put(`/api/events/${created.body.id}`).set('Authorization', otherOrganizer).send(gatheringBody(clock.now())).expect(403);

      const published = await request(api).post(`/api/events/${created.body.id}/publish`).set('Authorization', organizer).expect(200);
      assert.equal(published.body.status, 'published');
      const late = await request(api).put(`/api/events/${created.body.id}`).set('Authorization', organizer).send(gatheringBody(clock.now())).expect(409);
      assert.equal(late.body.code, 'gathering.not_draft');
      const visible = await request(api).get(`/api/events/${created.body.id}`).expect(200);
      assert.equal(visible.body.title, 'Jazz at Dusk');
    });

    it('given bad input, then a problem+json names the field: title, starts_at in the past, ends_at before the start, capacity', async () => {
      const now = clock.now();
      const cases: [Record<string, unknown>, number, string][] = [
        [{ title: 'x' }, 400, 'title'],
        [{ starts_at: 'tomorrow' }, 400, 'starts_at'],
        [{ capacity: 'many' }, 400, 'capacity'],
        [{ starts_at: new Date(now.getTime() - HOUR).toISOString() }, 422, 'starts_at'],
        [{ ends_at: new Date(now.getTime() + HOUR).toISOString() }, 422, 'ends_at'],
        [{ capacity: 0 }, 422, 'capacity'],
        [{ capacity: 2.5 }, 422, 'capacity'],
      ];
      for (const [override, status, field] of cases) {
        const response = await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now, 7 * DAY, override)).expect(status);
        assert.match(response.headers['content-type'] ?? '', /application\/problem\+json/);
        assert.equal(response.body.field ?? response.body.errors?.[0]?.field, field, JSON.stringify(response.body));
      }
      const missing = await request(api).post('/api/events').set('Authorization', organizer).send({ venue: 'x' }).expect(400);
      assert.match(JSON.stringify(missing.body), /title/);
    });
  });

  describe('T-2 ticket types', () => {
    it('given a draft event, then ticket types are refused until it is published; then quantity within capacity, a price and a sales window are required', async () => {
      const now = clock.now();
      const draft = await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now, 7 * DAY, { capacity: 150 })).expect(201);
      const early = await request(api).post(`/api/events/${draft.body.id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now)).expect(409);
      assert.equal(early.body.code, 'gathering.not_published');
      await request(api).post(`/api/events/${draft.body.id}/publish`).set('Authorization', organizer).expect(200);
      const vip = await request(api).post(`/api/events/${draft.body.id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now, { kind: 'vip', quantity: 100, price: '5000' })).expect(201);
      assert.equal(vip.body.ticket_types[0].price, '5000.00');
      assert.equal(vip.body.ticket_types[0].currency, 'RUB');
      const over = await request(api).post(`/api/events/${draft.body.id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now, { quantity: 51 })).expect(422);
      assert.equal(over.body.field, 'quantity');
      const price = await request(api).post(`/api/events/${draft.body.id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now, { quantity: 10, price: '10.999' })).expect(422);
      assert.equal(price.body.field, 'price');
      const window = await request(api)
        .post(`/api/events/${draft.body.id}/ticket-types`)
        .set('Authorization', organizer)
        .send(ticketTypeBody(now, { quantity: 10, sales_start: new Date(now.getTime() + DAY).toISOString(), sales_end: now.toISOString() }))
        .expect(422);
      assert.equal(window.body.field, 'sales_end');
      const kind = await request(api).post(`/api/events/${draft.body.id}/ticket-types`).set('Authorization', organizer).send(ticketTypeBody(now, { quantity: 10, kind: 'balcony' })).expect(400);
      assert.equal(kind.body.field ?? kind.body.errors?.[0]?.field, 'kind');
      await request(api).post(`/api/events/${draft.body.id}/ticket-types`).set('Authorization', otherOrganizer).send(ticketTypeBody(now)).expect(403);
    });
  });

  describe('T-3 / T-4 purchase and my tickets', () => {
    it('given a ticket type on sale, when a user buys two, then two active tickets with unguessable codes come back and GET /api/tickets shows them at once', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 10, price: '1500' });
      const bought = await request(api)
        .post(`/api/events/${gatheringId}/tickets`)
        .set('Authorization', buyer)
        .send({ ticket_type_id: ticketTypeId, quantity: 2, price: '0.01' })
        .expect(201);
      assert.equal(bought.body.tickets.length, 2);
      assert.equal(bought.body.unit_price, '1500.00', 'the price is the ticket type’s, never the client’s');
      for (const ticket of bought.body.tickets) assert.match(ticket.code, TICKET_CODE_PATTERN);
      assert.notEqual(bought.body.tickets[0].code, bought.body.tickets[1].code);

      const mine = await request(api).get('/api/tickets').set('Authorization', buyer).expect(200);
      const ids = mine.body.items.map((ticket: { id: string }) => ticket.id);
      for (const ticket of bought.body.tickets) assert.ok(ids.includes(ticket.id), 'visible right after the purchase returns');
      const listed = mine.body.items.find((ticket: { id: string }) => ticket.id === bought.body.tickets[0].id);
      assert.equal(listed.status, 'active');
      assert.equal(listed.event_title, 'Jazz in the Park');
      const theirs = await request(api).get('/api/tickets').set('Authorization', secondBuyer).expect(200);
      assert.ok(!theirs.body.items.some((ticket: { id: string }) => ids.includes(ticket.id)), 'nobody sees another’s tickets');

      const detail = await eventually(async () => {
        const response = await request(api).get(`/api/events/${gatheringId}`).expect(200);
        return response.body.ticket_types[0].remaining === 8 ? response.body : undefined;
      });
      assert.equal(detail.ticket_types[0].on_sale, true);
      await eventually(async () => channel.delivered.some((n) => n.userId === 'buyer-1' && n.kind === 'ticket.purchased'));
    });

    it('given the last seats, then a larger purchase is refused 409 sold out naming what is left, and nothing is half-written', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 3 });
      await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity: 2 }).expect(201);
      const refused = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', secondBuyer).send({ ticket_type_id: ticketTypeId, quantity: 2 }).expect(409);
      assert.equal(refused.body.code, 'tickets.sold_out');
      assert.match(refused.body.detail, /only 1/);
      const mine = await request(api).get('/api/tickets').set('Authorization', secondBuyer).expect(200);
      assert.ok(!mine.body.items.some((ticket: { event_id: string }) => ticket.event_id === gatheringId));
      await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', secondBuyer).send({ ticket_type_id: ticketTypeId }).expect(201);
      const none = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', secondBuyer).send({ ticket_type_id: ticketTypeId }).expect(409);
      assert.match(none.body.detail, /no tickets/);
    });

    it('given bad purchases, then clear 4xx: quantity out of range, unknown type, a draft event, outside the sales window, no token', async () => {
      const now = clock.now();
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, now, { quantity: 5 });
      const tooMany = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity: 11 }).expect(422);
      assert.equal(tooMany.body.field, 'quantity');
      const unknown = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: '00000000-0000-4000-8000-000000000000' }).expect(404);
      assert.equal(unknown.body.field, 'ticket_type_id');
      const malformed = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: 'seat-1' }).expect(400);
      assert.equal(malformed.body.field ?? malformed.body.errors?.[0]?.field, 'ticket_type_id');
      await request(api).post(`/api/events/${gatheringId}/tickets`).send({ ticket_type_id: ticketTypeId }).expect(401);
      const draft = await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now)).expect(201);
      await request(api).post(`/api/events/${draft.body.id}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId }).expect(404);

      const later = await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now)).expect(201);
      await request(api).post(`/api/events/${later.body.id}/publish`).set('Authorization', organizer).expect(200);
      const typed = await request(api)
        .post(`/api/events/${later.body.id}/ticket-types`)
        .set('Authorization', organizer)
        .send(ticketTypeBody(now, { sales_start: new Date(now.getTime() + DAY).toISOString(), sales_end: new Date(now.getTime() + 2 * DAY).toISOString() }))
        .expect(201);
      const notYet = await request(api).post(`/api/events/${later.body.id}/tickets`).set('Authorization', buyer).send({ ticket_type_id: typed.body.ticket_type_id }).expect(422);
      assert.equal(notYet.body.code, 'tickets.sales_not_started');
    });

    it('given a retried purchase with the same Idempotency-Key, then the same tickets come back and only one sale is made', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 5 });
      const first = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).set('Idempotency-Key', 'buy-once-1').send({ ticket_type_id: ticketTypeId }).expect(201);
      const again = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).set('Idempotency-Key', 'buy-once-1').send({ ticket_type_id: ticketTypeId }).expect(201);
      assert.deepEqual(again.body, first.body);
      const summary = await eventually(async () => {
        const response = await request(api).get(`/api/events/${gatheringId}/sales`).set('Authorization', organizer).expect(200);
        return response.body.totals.sold >= 1 ? response.body : undefined;
      });
      assert.equal(summary.totals.sold, 1);
    });
  });

  describe('listings and the organizer’s summary', () => {
    it('given several published events, then GET /api/events pages through them soonest first and filters by date', async () => {
      const now = clock.now();
      const base = now.getTime() + 300 * DAY; // far from the other tests' events
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await request(api).post('/api/events').set('Authorization', organizer).send(gatheringBody(now, base - now.getTime() + i * DAY, { title: `Listing ${i}` })).expect(201);
        await request(api).post(`/api/events/${created.body.id}/publish`).set('Authorization', organizer).expect(200);
        ids.push(created.body.id);
      }
      const from = new Date(base - HOUR).toISOString();
      const to = new Date(base + 4 * DAY - HOUR).toISOString();
      const first = await request(api).get('/api/events').query({ from, to, limit: '2' }).expect(200);
      assert.deepEqual(first.body.items.map((e: { title: string }) => e.title), ['Listing 0', 'Listing 1']);
      assert.ok(first.body.nextCursor);
      const second = await request(api).get('/api/events').query({ from, to, limit: '2', cursor: first.body.nextCursor }).expect(200);
      assert.deepEqual(second.body.items.map((e: { title: string }) => e.title), ['Listing 2', 'Listing 3']);
      assert.equal(second.body.nextCursor, null, 'Listing 4 starts after `to`');
      await request(api).get('/api/events').query({ from: 'soon' }).expect(400);
      await request(api).get('/api/events').query({ cursor: 'not a cursor' }).expect(400);
      const own = await request(api).get('/api/organizer/events').set('Authorization', organizer).query({ limit: '3' }).expect(200);
      assert.equal(own.body.items.length, 3);
      await request(api).get('/api/organizer/events').set('Authorization', buyer).expect(403);
    });

    it('given sales and a check-in, then the organizer’s summary adds them up per ticket type; another organizer gets 403', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 10, price: '999.99' });
      const bought = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity: 3 }).expect(201);
      await request(api).post(`/api/tickets/${bought.body.tickets[0].code}/checkin`).set('Authorization', scanner).send({ event_id: gatheringId }).expect(200);
      const summary = await eventually(async () => {
        const response = await request(api).get(`/api/events/${gatheringId}/sales`).set('Authorization', organizer).expect(200);
        return response.body.totals.checked_in === 1 && response.body.totals.sold === 3 ? response.body : undefined;
      });
      assert.deepEqual(summary.totals, { quantity: 10, sold: 3, checked_in: 1, revenue: { RUB: '2999.97' } });
      assert.equal(summary.ticket_types[0].remaining, 7);
      await request(api).get(`/api/events/${gatheringId}/sales`).set('Authorization', otherOrganizer).expect(403);
      const admin = await bearer('admin-1', ['admin']);
      await request(api).get(`/api/events/${gatheringId}/sales`).set('Authorization', admin).expect(200);
    });
  });

  describe('T-5 / T-6 the door', () => {
    it('given an active ticket, then validate says valid, check-in uses it, and validating again says already_used', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 5 });
      const other = await publishedGathering(api, organizer, clock.now(), { quantity: 5 });
      const bought = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId }).expect(201);
      const code = bought.body.tickets[0].code;
      const valid = await request(api).post(`/api/tickets/${code}/validate`).set('Authorization', scanner).send({ event_id: gatheringId }).expect(200);
      assert.equal(valid.body.valid, true);
      const wrong = await request(api).post(`/api/tickets/${code}/validate`).set('Authorization', scanner).send({ event_id: other.gatheringId }).expect(200);
      assert.deepEqual([wrong.body.valid, wrong.body.reason], [false, 'wrong_event']);
      const wrongDoor = await request(api).post(`/api/tickets/${code}/checkin`).set('Authorization', scanner).send({ event_id: other.gatheringId }).expect(422);
      assert.equal(wrongDoor.body.code, 'ticket.wrong_event');
      const unknown = await request(api).post('/api/tickets/ABCDEFGHJKMNPQRSTVWXYZ01234/validate').set('Authorization', scanner).send({}).expect(200);
      assert.deepEqual([unknown.body.valid, unknown.body.reason], [false, 'unknown_code']);
      await request(api).post('/api/tickets/ABCDEFGHJKMNPQRSTVWXYZ01234/checkin').set('Authorization', scanner).send({}).expect(404);

      const checkedIn = await request(api).post(`/api/tickets/${code}/checkin`).set('Authorization', scanner).send({ event_id: gatheringId }).expect(200);
      assert.equal(checkedIn.body.status, 'used');
      const used = await request(api).post(`/api/tickets/${code}/validate`).set('Authorization', scanner).send({}).expect(200);
      assert.deepEqual([used.body.valid, used.body.reason], [false, 'already_used']);
      const twice = await request(api).post(`/api/tickets/${code}/checkin`).set('Authorization', scanner).send({}).expect(409);
      assert.equal(twice.body.code, 'ticket.already_used');
      await eventually(async () => {
        const mine = await request(api).get('/api/tickets').query({ status: 'used' }).set('Authorization', buyer).expect(200);
        return mine.body.items.some((ticket: { code: string }) => ticket.code === code);
      });
      await request(api).post(`/api/tickets/${code}/validate`).set('Authorization', buyer).send({}).expect(403);
    });

    it('given two doors scanning the same code at the same instant, then exactly one 200 and one 409 already used', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 20 });
      const bought = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity: 10 }).expect(201);
      const otherDoor = await bearer('door-2', ['scanner']);
      for (const { code } of bought.body.tickets) {
        const answers = await Promise.all([
          request(api).post(`/api/tickets/${code}/checkin`).set('Authorization', scanner).send({ event_id: gatheringId }),
          request(api).post(`/api/tickets/${code}/checkin`).set('Authorization', otherDoor).send({ event_id: gatheringId }),
        ]);
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409], `code ${code}`);
        assert.equal(answers.find((a) => a.status === 409)!.body.code, 'ticket.already_used');
      }
      const checkins = await eventually(async () => {
        const { rows } = await sql`select ticket_id from ${sql.table(`${database.biSchema}.ticket_checkins`)} where gathering_id = ${gatheringId}`.execute(database.db);
        return rows.length === 10 ? rows : undefined;
      });
      assert.equal(checkins.length, 10, 'one check-in row per ticket in bi.ticket_checkins');
    });
  });

  describe('T-7 / T-9 cancellation and notifications', () => {
    it('given holders, when the organizer cancels, then every ticket is voided, stops validating, and each holder is notified once', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 10 });
      const a = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity: 2 }).expect(201);
      await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', secondBuyer).send({ ticket_type_id: ticketTypeId }).expect(201);
      await request(api).post(`/api/events/${gatheringId}/cancel`).set('Authorization', otherOrganizer).send({ reason: 'nope' }).expect(403);
      const cancelled = await request(api).post(`/api/events/${gatheringId}/cancel`).set('Authorization', organizer).send({ reason: 'storm warning' }).expect(200);
      assert.equal(cancelled.body.status, 'cancelled');

      const verdict = await request(api).post(`/api/tickets/${a.body.tickets[0].code}/validate`).set('Authorization', scanner).send({}).expect(200);
      assert.deepEqual([verdict.body.valid, verdict.body.reason], [false, 'event_cancelled'], 'at once, before the saga has voided it');
      await request(api).post(`/api/tickets/${a.body.tickets[0].code}/checkin`).set('Authorization', scanner).send({}).expect(409);
      await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId }).expect(409);

      await eventually(async () => {
        const mine = await request(api).get('/api/tickets').query({ status: 'voided' }).set('Authorization', buyer).expect(200);
        return mine.body.items.filter((ticket: { event_id: string }) => ticket.event_id === gatheringId).length === 2;
      });
      for (const [user, token] of [['buyer-1', buyer], ['buyer-2', secondBuyer]] as const) {
        const notice = await eventually(async () => {
          const inbox = await request(api).get('/api/notifications').set('Authorization', token).expect(200);
          const found = inbox.body.items.filter((n: { kind: string; event_id: string }) => n.kind === 'event.cancelled' && n.event_id === gatheringId);
          return found.length > 0 && found[0].delivered_at ? found : undefined;
        });
        assert.equal(notice.length, 1, `${user} is told once however many tickets they hold`);
        assert.match(notice[0].body, /storm warning/);
        assert.equal(channel.delivered.filter((n) => n.userId === user && n.notificationId === `cancelled:${gatheringId}:${user}`).length, 1);
      }
      const again = await request(api).post(`/api/events/${gatheringId}/cancel`).set('Authorization', organizer).send({}).expect(200);
      assert.equal(again.body.status, 'cancelled');
    });
  });

  describe('BI', () => {
    it('given sales, then bi.ticket_sales has one row per sale with the price of the ticket type', async () => {
      const { gatheringId, ticketTypeId } = await publishedGathering(api, organizer, clock.now(), { quantity: 10, price: '250.50' });
      const sale = await request(api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity: 4 }).expect(201);
      const { rows } = await eventually(async () => {
        const result = await sql<{ sale_id: string; quantity: number; unit_price: string; total: string; buyer_id: string }>`
          select sale_id, quantity, unit_price::text, total::text, buyer_id from ${sql.table(`${database.biSchema}.ticket_sales`)} where gathering_id = ${gatheringId}`.execute(database.db);
        return result.rows.length ? result : undefined;
      });
      assert.deepEqual(rows, [{ sale_id: sale.body.sale_id, quantity: 4, unit_price: '250.50', total: '1002.00', buyer_id: 'buyer-1' }]);
    });

    it('given the BI reader role (X-3), then it reads the BI tables and is refused the event log and the read models', async () => {
      const asReader = <T>(query: (trx: Transaction<any>) => Promise<T>) =>
        database.db.transaction().execute(async (trx) => {
          await sql`set local role ${sql.id(BI_READER_ROLE)}`.execute(trx);
          return query(trx);
        });
      const sales = await asReader((trx) => sql<{ n: string }>`select count(*)::text as n from ${sql.table(`${database.biSchema}.ticket_sales`)}`.execute(trx));
      assert.ok(Number(sales.rows[0]!.n) >= 1);
      await asReader((trx) => sql`select count(*) from ${sql.table(`${database.biSchema}.ticket_checkins`)}`.execute(trx));
      // the event log is a table of this database only when it lives there (on EventStoreDB it is out of the database's reach)
      for (const table of [...(eventLogUnderTest === 'postgres' ? ['events'] : []), 'rm_tickets', 'outbox']) {
        await assert.rejects(
          asReader((trx) => sql`select * from ${sql.table(`${database.schema}.${table}`)} limit 1`.execute(trx)),
          (error: { code?: string }) => error.code === '42501',
          `${table} is not for BI`,
        );
      }
    });
  });
});
