import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Database } from '../../../adapters/database/database.js';
import { streamOfInbox } from '../../../domain/notifications/inbox.js';
import { notificationProjection } from '../../../projections/notifications/notification-projection.js';
import type { ProjectedEvent } from '../../../projections/projection.js';
import { applyInBatches, pairedDatabases } from '../../support/paired-databases.js';

type Event = ProjectedEvent<any>;

/** Record a notification (sometimes one already recorded: an idempotent repeat) or deliver one recorded before (sometimes again). */
type Action = { readonly kind: 'record'; readonly user: number; readonly again: number | null } | { readonly kind: 'deliver'; readonly n: number; readonly twice: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('record' as const), user: fc.nat(4), again: fc.option(fc.nat(30), { nil: null }) }),
  fc.record({ kind: fc.constant('deliver' as const), n: fc.nat(30), twice: fc.boolean() }),
);

/** The log such a script writes, in `$all` order (a delivery follows its recording, as the inbox decides). */
function logOf(actions: readonly Action[]): Event[] {
  const events: Event[] = [];
  const recorded: { id: string; user: string }[] = [];
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const at = () => new Date((clock += 1000)).toISOString();
  const push = (user: string, type: string, data: unknown) => {
    const commit = BigInt(events.length + 1);
    events.push({ streamName: streamOfInbox(user), revision: 0n, position: { commit, prepare: commit }, eventId: `e${commit}`, type, data, metadata: {}, createdAt: new Date(clock) } as Event);
  };
  for (const a of actions) {
    if (a.kind === 'record') {
      const repeat = a.again !== null && recorded.length > 0 ? recorded[a.again % recorded.length]! : undefined;
      const id = repeat?.id ?? `n${recorded.length}`;
      const user = repeat?.user ?? `u${a.user}`;
      if (!repeat) recorded.push({ id, user });
      push(user, 'NotificationRecorded', { notificationId: id, userId: user, kind: 'ticket.purchased', gatheringId: a.user % 2 ? `g${a.user}` : null, title: `Title ${clock}`, body: `Body "${id}" ✓`, recordedAt: at() });
    } else if (recorded.length > 0) {
      const { id, user } = recorded[a.n % recorded.length]!;
      for (let i = 0; i < (a.twice ? 2 : 1); i++) push(user, 'NotificationDelivered', { notificationId: id, channel: `channel${clock % 3}`, deliveredAt: at() });
    }
  }
  return events;
}

const readModelOf = async (database: Database) =>
  (await sql`select id, user_id, kind, gathering_id, title, body, created_at::text, delivered_at::text, channel from rm_notifications order by id`.execute(database.db)).rows;

/** Issue 16: the notifications projector applies a batch with two multi-row statements; the result must equal applying it one event at a time. */
describe('notifications projector, batch against one by one (property)', function () {
  this.timeout(300_000);
  const databases = pairedDatabases(() => [notificationProjection().migrations!]);

  it('given any log of notifications recorded (some repeated) and delivered (some twice), when applied in random batches, then rm_notifications equals it applied event by event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }), async (actions, sizes) => {
        const { oneByOne, batched } = databases;
        const events = logOf(actions);
        await sql`truncate rm_notifications`.execute(oneByOne.db);
        await sql`truncate rm_notifications`.execute(batched.db);
        await applyInBatches(oneByOne, [notificationProjection()], events, []);
        await applyInBatches(batched, [notificationProjection()], events, sizes);
        assert.deepEqual(await readModelOf(batched), await readModelOf(oneByOne));
      }),
      { numRuns: 40 },
    );
  });
});
