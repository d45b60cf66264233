import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { databaseStatementsSent } from '../../../adapters/observability/metrics.js';
import { purchaseProjection } from '../../../projections/game-store/purchase-projection.js';
import type { ProjectedEvent } from '../../../projections/projection.js';
import { pairedDatabases } from '../../support/paired-databases.js';

const at = (minute: number) => new Date(Date.parse('2026-12-01T10:00:00Z') + minute * 60_000).toISOString();
let commit = 0n;
const event = (type: string, data: Record<string, unknown>): ProjectedEvent<any> => {
  commit++;
  return { streamName: `Order-${String(data.orderId)}`, revision: 0n, position: { commit, prepare: commit }, eventId: `e${commit}`, type, data, metadata: {}, createdAt: new Date(at(Number(commit))) } as ProjectedEvent<any>;
};

/** Issue 16: the purchase projector writes a batch's progress steps with one statement; the steps must be those written one event at a time. */
describe('game-store purchase projector: progress steps of a batch', function () {
  this.timeout(60_000);
  const databases = pairedDatabases((database) => [purchaseProjection(database.biSchema).migrations!]);

  it('given step-only events (one repeated), when applied as one batch, then rm_order_progress equals them applied one by one and the batch took one statement for them', async () => {
    const { oneByOne, batched } = databases;
    const events = [
      event('LibraryGameAdded', { orderId: 'o-1', productId: 'p-1', addedAt: at(1) }),
      event('LibraryGameAdded', { orderId: 'o-1', productId: 'p-2', addedAt: at(2) }),
      event('OrderProcessingCompleted', { orderId: 'o-1', completedAt: at(3) }),
      event('OrderProcessingCompleted', { orderId: 'o-1', completedAt: at(9) }), // a repeat: the first one's time stays
      event('OrderCancelled', { orderId: 'o-2', cancelledAt: at(4), reason: 'payment "declined"' }),
    ];
    const projection = (database: typeof oneByOne) => purchaseProjection(database.biSchema);
    for (const e of events) await oneByOne.db.transaction().execute((trx) => projection(oneByOne).apply(trx, [e], oneByOne));
    const before = databaseStatementsSent();
    await batched.db.transaction().execute((trx) => projection(batched).apply(trx, events, batched));
    const statements = databaseStatementsSent() - before;
    const dump = async (database: typeof oneByOne) => (await sql`select order_id, step, done_at::text, detail::text from rm_order_progress order by order_id, step`.execute(database.db)).rows;
    assert.deepEqual(await dump(batched), await dump(oneByOne));
    assert.equal((await dump(batched)).length, 4);
    assert.ok(statements <= 3, `${statements} statements (BEGIN, the steps, COMMIT)`);
  });
});
