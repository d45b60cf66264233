import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findSale, soldOutForGood, ticketInventoryDecider, type SellTickets, type TicketInventoryEvent } from '../../../domain/ticketing/ticket-inventory.js';
import type { TicketTypeDetails } from '../../../domain/ticketing/gathering-events.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-01-01T12:00:00Z');
const ticketType = (quantity: number): TicketTypeDetails => ({
  ticketTypeId: 'tt-1',
  kind: 'standard',
  quantity,
  price: '1500.00',
  currency: 'RUB',
  salesStart: '2030-01-01T00:00:00.000Z',
  salesEnd: '2030-01-02T00:00:00.000Z',
});
const sell = (saleId: string, quantity: number, seats = 10, now = NOW): SellTickets => ({
  type: 'SellTickets',
  saleId,
  buyerId: `buyer-${saleId}`,
  gatheringId: 'g-1',
  ticketType: ticketType(seats),
  quantity,
  tickets: Array.from({ length: quantity }, (_, i) => ({ ticketId: `${saleId}-t${i}`, code: `CODE${saleId}${i}` })),
  now,
});
const sold = (saleId: string, quantity: number): TicketInventoryEvent => ({
  type: 'TicketsSold',
  data: {
    saleId,
    gatheringId: 'g-1',
    ticketTypeId: 'tt-1',
    buyerId: `buyer-${saleId}`,
    tickets: Array.from({ length: quantity }, (_, i) => ({ ticketId: `${saleId}-t${i}`, code: `CODE${saleId}${i}` })),
    unitPrice: '1500.00',
    currency: 'RUB',
    soldAt: NOW.toISOString(),
  },
});

describe('TicketInventory decider (T-3)', () => {
  it('given free seats, when a purchase fits, then the tickets are sold at the ticket type’s price', () => {
    given(ticketInventoryDecider, [sold('a', 8)]).when(sell('b', 2)).then([sold('b', 2)]);
  });

  it('given too few seats, then sold out (409) saying how many are left', () => {
    const error = given(ticketInventoryDecider, [sold('a', 9)]).when(sell('b', 2)).thenFails('tickets.sold_out', { kind: 'conflict', field: 'quantity' });
    assert.match(error.message, /only 1/);
  });

  it('given the same sale again, then nothing new is sold (a retried purchase)', () => {
    given(ticketInventoryDecider, [sold('a', 2)]).when(sell('a', 2)).then([]);
  });

  it('property: states are persistent — a batch decided on a state and then abandoned (a lost conflict) leaves that state as it was, and every sale of a branch is found on it alone', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 60 }), fc.nat(), (ids, cut) => {
        const shared = ids.slice(0, 1 + (cut % (ids.length - 1)));
        const branchA = ids.slice(shared.length).filter((_, i) => i % 2 === 0);
        const branchB = ids.slice(shared.length).filter((_, i) => i % 2 === 1);
        const fold = (state: typeof ticketInventoryDecider.initialState, saleIds: readonly string[]) => saleIds.reduce((s, id) => ticketInventoryDecider.evolve(s, sold(id, 1)), state);
        const base = fold(ticketInventoryDecider.initialState, shared);
        const a = fold(base, branchA);
        const b = fold(base, branchB);
        for (const id of shared) assert.ok(findSale(base, id) && findSale(a, id) && findSale(b, id));
        for (const id of branchA) assert.ok(findSale(a, id) && !findSale(base, id) && !findSale(b, id), id);
        for (const id of branchB) assert.ok(findSale(b, id) && !findSale(base, id) && !findSale(a, id), id);
        assert.deepEqual([base.sold, a.sold, b.sold], [shared.length, shared.length + branchA.length, shared.length + branchB.length]);
      }),
      { numRuns: 300 },
    );
  });

  it('given a purchase outside the sales window or of a silly quantity, then it is refused naming why', () => {
    given(ticketInventoryDecider).when(sell('a', 1, 10, new Date('2029-12-31T23:00:00Z'))).thenFails('tickets.sales_not_started');
    given(ticketInventoryDecider).when(sell('a', 1, 10, new Date('2030-01-02T00:00:00Z'))).thenFails('tickets.sales_ended');
    given(ticketInventoryDecider).when(sell('a', 0)).thenFails('tickets.invalid_quantity');
    given(ticketInventoryDecider).when(sell('a', 11, 100)).thenFails('tickets.invalid_quantity');
  });

  it('property: for any seats and any stream of purchases, sold never exceeds the quantity and equals the tickets handed out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.integer({ min: -1, max: 12 }), { maxLength: 120 }), (seats, demands) => {
        let state = ticketInventoryDecider.initialState;
        let handedOut = 0;
        demands.forEach((quantity, i) => {
          const decision = ticketInventoryDecider.decide(sell(`s${i}`, quantity, seats), state);
          if (decision._tag === 'Right') {
            for (const event of decision.right) {
              handedOut += event.data.tickets.length;
              assert.equal(event.data.tickets.length, quantity);
              state = ticketInventoryDecider.evolve(state, event);
            }
          } else {
            assert.ok(['tickets.sold_out', 'tickets.invalid_quantity'].includes(decision.left.code));
            if (decision.left.code === 'tickets.sold_out') assert.ok(state.sold + quantity > seats, 'refused only when it would not fit');
          }
          assert.ok(state.sold <= seats);
        });
        assert.equal(state.sold, handedOut);
      }),
    );
  });

  it('property: a purchase refused as sold out on some state is refused by every later state too, and only a sale it already holds escapes (sold out is for good)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), fc.nat(40), (seats, demands, wanted, at) => {
        let state = ticketInventoryDecider.initialState;
        const states = [state];
        demands.forEach((quantity, i) => {
          const decision = ticketInventoryDecider.decide(sell(`s${i}`, quantity, seats), state);
          if (decision._tag === 'Right') for (const event of decision.right) state = ticketInventoryDecider.evolve(state, event);
          states.push(state);
        });
        const from = at % states.length;
        const probe = sell('probe', wanted, seats);
        const refused = soldOutForGood(probe, states[from]!);
        if (refused) {
          assert.equal(refused.code, 'tickets.sold_out');
          for (const later of states.slice(from)) assert.ok(soldOutForGood(probe, later), 'still sold out later');
        } else {
          const decision = ticketInventoryDecider.decide(probe, states[from]!);
          assert.ok(decision._tag === 'Right' || decision.left.code !== 'tickets.sold_out');
        }
        // a sale the state holds is never "sold out", however full the state
        const held = demands.findIndex((_, i) => ticketInventoryDecider.decide(sell(`s${i}`, demands[i]!, seats), state)._tag === 'Right');
        if (held >= 0) assert.equal(soldOutForGood(sell(`s${held}`, demands[held]!, seats), state), undefined);
      }),
    );
  });
});

