import assert from 'node:assert/strict';
import fc from 'fast-check';
import { drawTickets, TICKET_CODE_PATTERN } from '../../commands/ticketing/ticket-codes.js';
import { timeOrderedId } from '../../commands/time-ordered-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('time-ordered ids (UUIDv7, RFC 9562): ticket and sale ids', () => {
  it('given a time, when an id is minted, then it is a version-7 UUID whose first 48 bits are the Unix milliseconds', () => {
    const at = new Date('2027-01-01T18:00:00.123Z');
    const id = timeOrderedId(at);
    assert.match(id, UUID_V7);
    assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), at.getTime());
  });

  it('property: for any two times a millisecond or more apart, the later one\'s id sorts after as text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 10 ** 9 }), (ms, later) => {
        const first = timeOrderedId(new Date(ms));
        const second = timeOrderedId(new Date(Math.min(ms + later, 2 ** 48 - 1)));
        assert.match(first, UUID_V7);
        assert.ok(first < second, `${first} < ${second}`);
      }),
      { numRuns: 500 },
    );
  });

  it('given 10,000 ids minted in one millisecond, then they are all different (74 random bits each)', () => {
    const at = new Date();
    const ids = Array.from({ length: 10_000 }, () => timeOrderedId(at));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('given a time outside 1970 … 10889 or an invalid date, then minting refuses it', () => {
    assert.throws(() => timeOrderedId(new Date(-1)), RangeError);
    assert.throws(() => timeOrderedId(new Date(2 ** 48)), RangeError);
    assert.throws(() => timeOrderedId(new Date('not a date')), RangeError);
  });

  it('given a sale of three tickets, then their ids carry the sale time and are all different; their codes are door codes', () => {
    const at = new Date('2027-03-08T10:00:00Z');
    const tickets = drawTickets(3, at);
    assert.equal(tickets.length, 3);
    for (const { ticketId, code } of tickets) {
      assert.match(ticketId, UUID_V7);
      assert.equal(parseInt(ticketId.slice(0, 8) + ticketId.slice(9, 13), 16), at.getTime());
      assert.match(code, TICKET_CODE_PATTERN);
    }
    assert.equal(new Set(tickets.map((ticket) => ticket.ticketId)).size, 3);
  });
});
