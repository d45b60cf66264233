import assert from 'node:assert/strict';
import { sql } from 'kysely';
import request from 'supertest';
import { streamOfInventory } from '../../../domain/ticketing/ticket-inventory.js';
import { ManualClock } from '../../../platform/clock.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';
import { bearer, eventually, publishedGathering, RecordingChannel, startTicketing } from './ticketing-harness.js';

/**
 * T-3 "never oversold, even under an on-sale rush across several API instances", for real:
 * two API processes' worth of systems on one database, 200 buyers at once for 50 seats.
 */
for (const strategy of ['batched', 'optimistic'] as const) {
  describe(`on-sale rush across two API instances (${strategy} seller)`, function () {
    this.timeout(180_000);
    const clock = new ManualClock(new Date());
    const env = { TICKET_SALES_STRATEGY: strategy };
    const systems = twoInstancesOnOneDatabase((database, role) => startTicketing({ database, clock, channel: new RecordingChannel(), role, env }));

    it('given 50 seats, when 200 buyers buy at the same instant through both instances, then exactly 50 get a ticket and 150 a clear 409 sold out', async () => {
      const organizer = await bearer('org-rush', ['organizer']);
      const { gatheringId, ticketTypeId } = await publishedGathering(systems.first.api, organizer, clock.now(), { quantity: 50 });
      const buyers = await Promise.all(Array.from({ length: 200 }, (_, i) => bearer(`rush-buyer-${i}`)));
      const answers = await Promise.all(
        buyers.map((token, i) =>
          request(i % 2 === 0 ? systems.first.api : systems.second.api)
            .post(`/api/events/${gatheringId}/tickets`)
            .set('Authorization', token)
            .send({ ticket_type_id: ticketTypeId }),
        ),
      );
      const byStatus = new Map<number, number>();
      for (const answer of answers) byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
      if (strategy === 'batched') {
        assert.deepEqual([...byStatus.entries()].sort(), [[201, 50], [409, 150]], 'exactly 50 sold, 150 sold out');
      } else {
        // the baseline may also answer 429 "busy" when a buyer lost every race; it never oversells
        assert.ok((byStatus.get(201) ?? 0) <= 50, JSON.stringify([...byStatus]));
        assert.equal((byStatus.get(201) ?? 0) + (byStatus.get(409) ?? 0) + (byStatus.get(429) ?? 0), 200, JSON.stringify([...byStatus]));
      }
      for (const refused of answers.filter((a) => a.status === 409)) assert.equal(refused.body.code, 'tickets.sold_out');
      for (const busy of answers.filter((a) => a.status === 429)) assert.deepEqual([busy.body.code, busy.headers['retry-after']], ['tickets.busy', '1']);
      const sold = answers.filter((a) => a.status === 201);
      const codes = new Set(sold.flatMap((a) => a.body.tickets.map((t: { code: string }) => t.code)));
      assert.equal(codes.size, sold.length, 'every ticket has its own code');

      const stream = await systems.first.dependencies.store.readStream(streamOfInventory(ticketTypeId));
      const seats = stream.reduce((sum, event) => sum + (event.data as { tickets: unknown[] }).tickets.length, 0);
      assert.equal(seats, sold.length, 'the inventory stream holds exactly the sales that were answered 201');
      const { rows } = await eventually(async () => {
        const result = await sql<{ count: string }>`select count(*)::text as count from rm_tickets where ticket_type_id = ${ticketTypeId} and status = 'active'`.execute(systems.database.db);
        return result.rows[0]!.count === String(sold.length) ? result : undefined;
      });
      assert.equal(rows[0]!.count, String(sold.length));
    });
  });
}
