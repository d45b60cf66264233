import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { EventStore } from '../../../adapters/eventstore/event-store.js';
import { drawTickets } from '../../../commands/ticketing/ticket-codes.js';
import { BatchingTicketSeller, OptimisticTicketSeller, type TicketSeller } from '../../../commands/ticketing/ticket-seller.js';
import { streamOfInventory } from '../../../domain/ticketing/ticket-inventory.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { bearer, eventually, publishedGathering, RecordingChannel, startTicketing } from './ticketing-harness.js';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';

describe('ticket sellers against the database (T-3)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let store: EventStore;
  const clock = new ManualClock(new Date());
  let run = 0;

  before(async () => {
    database = await openTestDatabase();
    system = await startTicketing({ database, clock, channel: new RecordingChannel() });
    store = system.dependencies.store;
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const sellAll = (sellers: TicketSeller[], ticketTypeId: string, seats: number, demands: readonly number[]) =>
    Promise.all(
      demands.map((quantity, i) =>
        sellers[i % sellers.length]!.sell({
          command: {
            type: 'SellTickets',
            saleId: `${ticketTypeId}-sale-${i}`,
            buyerId: `buyer-${i}`,
            gatheringId: 'g-prop',
            ticketType: { ticketTypeId, kind: 'standard', quantity: seats, price: '10.00', currency: 'RUB', salesStart: '2000-01-01T00:00:00Z', salesEnd: '2100-01-01T00:00:00Z' },
            quantity,
            tickets: drawTickets(quantity, new Date('2027-01-01T12:00:00Z')),
            now: clock.now(),
          },
        }),
      ),
    );

  it('property: whatever the seats, demands and batch sizes, concurrent sellers in two "processes" never sell more than the quantity, and every 201 is in the log', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 16 }),
        fc.boolean(),
        async (seats, demands, maxBatch, mixWithBaseline) => {
          const ticketTypeId = `prop-${++run}-${Date.now()}`;
          const sellers: TicketSeller[] = [new BatchingTicketSeller(store, { maxBatch }), mixWithBaseline ? new OptimisticTicketSeller(store) : new BatchingTicketSeller(store, { maxBatch })];
          const outcomes = await sellAll(sellers, ticketTypeId, seats, demands);
          let sold = 0;
          for (const outcome of outcomes) {
            if (outcome._tag === 'Right') sold += outcome.right.sale.tickets.length;
            else assert.ok(['tickets.sold_out', 'tickets.busy'].includes(outcome.left.code), outcome.left.code);
          }
          assert.ok(sold <= seats, `sold ${sold} of ${seats}`);
          const stream = await store.readStream(streamOfInventory(ticketTypeId));
          assert.equal(stream.reduce((sum, event) => sum + (event.data as { tickets: unknown[] }).tickets.length, 0), sold);
          if (demands.reduce((a, b) => a + b, 0) <= seats) assert.equal(sold, demands.reduce((a, b) => a + b, 0), 'all fit, all sold');
        },
      ),
      { numRuns: 12 },
    );
  });

  it('given a sale made by the seller alone (no HTTP answer waited for it), then its tickets appear in the read model and the buyer’s list: they are born with the sale', async () => {
    const organizer = await bearer('org-seller', ['organizer']);
    const { gatheringId, ticketTypeId } = await publishedGathering(system.api, organizer, clock.now(), { quantity: 5 });
    const { body: gathering } = await request(system.api).get(`/api/events/${gatheringId}`).expect(200);
    const type = gathering.ticket_types[0];
    const outcome = await new BatchingTicketSeller(store).sell({
      command: {
        type: 'SellTickets',
        saleId: 'crashed-sale',
        buyerId: 'survivor',
        gatheringId,
        ticketType: { ticketTypeId, kind: 'standard', quantity: 5, price: type.price, currency: 'RUB', salesStart: type.sales_start, salesEnd: type.sales_end },
        quantity: 2,
        tickets: drawTickets(2, new Date('2027-01-01T12:00:00Z')),
        now: clock.now(),
      },
    });
    assert.equal(outcome._tag, 'Right');
    const { rows } = await eventually(async () => {
      const result = await sql<{ id: string; status: string }>`select id, status from rm_tickets where holder_id = 'survivor'`.execute(database.db);
      return result.rows.length === 2 ? result : undefined;
    });
    assert.deepEqual(rows.map((r) => r.status), ['active', 'active']);
    const mine = await request(system.api).get('/api/tickets').set('Authorization', await bearer('survivor')).expect(200);
    assert.equal(mine.body.items.length, 2);
  });

  it('given a purchase the cached inventory already refuses for want of seats, then it is answered sold out at once, not queued behind the purchase in flight', async () => {
    let gate: Promise<void> | undefined;
    let release!: () => void;
    const gated: EventStore = Object.assign(Object.create(store) as EventStore, {
      append: async (...args: Parameters<EventStore['append']>) => {
        await gate;
        return store.append(...args);
      },
    });
    const seller = new BatchingTicketSeller(gated);
    const ticketTypeId = `fast-${Date.now()}`;
    const buy = (saleId: string, quantity: number) =>
      seller.sell({
        command: {
          type: 'SellTickets',
          saleId,
          buyerId: saleId,
          gatheringId: 'g-fast',
          ticketType: { ticketTypeId, kind: 'standard', quantity: 3, price: '10.00', currency: 'RUB', salesStart: '2000-01-01T00:00:00Z', salesEnd: '2100-01-01T00:00:00Z' },
          quantity,
          tickets: drawTickets(quantity, new Date('2027-01-01T12:00:00Z')),
          now: clock.now(),
        },
      });
    assert.equal((await buy('first', 2))._tag, 'Right'); // the seller's cache: 2 of 3 sold
    gate = new Promise((resolve) => (release = resolve));
    const inFlight = buy('last-seat', 1); // decided on the cache, its append held at the gate
    let inFlightDone = false;
    void inFlight.then(() => (inFlightDone = true));
    const tooMany = await buy('two-more', 2);
    assert.equal(tooMany._tag === 'Left' && tooMany.left.code, 'tickets.sold_out');
    assert.equal(inFlightDone, false, 'answered while the batch before it was still being written');
    release();
    const last = await inFlight;
    assert.equal(last._tag === 'Right' && last.right.sale.tickets.length, 1);
    const again = await buy('first', 2); // a retried sale is still found, not refused
    assert.equal(again._tag === 'Right' && again.right.sale.saleId, 'first');
  });
});

