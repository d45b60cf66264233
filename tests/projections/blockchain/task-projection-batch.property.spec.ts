import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../../adapters/database/database.js';
import type { RecordedEvent } from '../../../adapters/eventstore/event-store.js';
import { streamOfTask, taskOfStream } from '../../../domain/blockchain/blockchain-task.js';
import type { BlockchainTaskEvent } from '../../../domain/blockchain/blockchain-task-events.js';
import { blockchainTaskProjection, detailOf } from '../../../projections/blockchain/task-projection.js';
import type { ProjectedEvent } from '../../../projections/projection.js';
import { pairedDatabases } from '../../support/paired-databases.js';

type Event = ProjectedEvent<BlockchainTaskEvent>;

/**
 * The oracle: the tasks projector as it was before issue 16 made it set-based — one statement
 * (or three) per event — kept here verbatim (with the unchanged `detailOf`) so the set-based one is compared with the real
 * per-event behaviour, not with itself.
 */
async function applyOneByOne(trx: Transaction<any>, biSchema: string, events: readonly Event[]): Promise<void> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  for (const recorded of events) {
    const event = recorded;
    const taskId = taskOfStream(recorded.streamName) ?? recorded.streamName;
    const at = new Date(recorded.createdAt).toISOString();
    const status = await applyToTask(trx, taskId, event, at);
    if (status) {
      await sql`
        insert into ${bi('blockchain_task_status_changes')} (task_id, status, changed_at, detail, event_position)
        values (${taskId}, ${status}, ${at}::timestamptz, ${JSON.stringify(detailOf(event))}::jsonb, ${positionOf(recorded)})
        on conflict (event_position) do nothing`.execute(trx);
      await sql`
        insert into ${bi('blockchain_tasks')} (task_id, kind, initiator, status, retry_count, last_error, onchain_token_id, created_at, updated_at)
        select task_id, kind, initiator, status, retry_count, last_error, onchain_result->>'onchainTokenId', created_at, updated_at
        from rm_blockchain_tasks where task_id = ${taskId}
        on conflict (task_id) do update set status = excluded.status, retry_count = excluded.retry_count,
          last_error = excluded.last_error, onchain_token_id = excluded.onchain_token_id, updated_at = excluded.updated_at`.execute(trx);
    }
  }
}

const positionOf = (event: RecordedEvent) => `${event.position.commit}/${event.position.prepare}`;

async function applyToTask(trx: Transaction<any>, taskId: string, event: BlockchainTaskEvent, at: string): Promise<string | null> {
  switch (event.type) {
    case 'BlockchainTaskRequested':
      await sql`
        insert into rm_blockchain_tasks (task_id, request_id, initiator, kind, operation, status, due, retry_count, callback_url, resubmitted_from, created_at, updated_at)
        values (${taskId}, ${event.data.requestId}, ${event.data.initiator}, ${event.data.operation.kind}, ${JSON.stringify(event.data.operation)}::jsonb,
                'pending', true, 0, ${event.data.callbackUrl ?? null}, ${event.data.resubmittedFrom ?? null}, ${at}::timestamptz, ${at}::timestamptz)
        on conflict (task_id) do nothing`.execute(trx);
      return 'pending';
    case 'BlockchainTaskSent':
      await sql`
        update rm_blockchain_tasks set status = 'sent', due = false, message_hash = ${event.data.messageHash}, seqno = ${event.data.seqno},
               item_index = coalesce(${event.data.itemIndex ?? null}, item_index), message_actions = ${JSON.stringify(event.data.actions ?? [])}::jsonb,
               valid_until = ${event.data.validUntil}, attempts = ${event.data.attempt}, updated_at = ${at}::timestamptz
        where task_id = ${taskId}`.execute(trx);
      return 'sent';
    case 'BlockchainTaskConfirmed':
      await sql`
        update rm_blockchain_tasks set status = 'confirmed', onchain_result = ${JSON.stringify(event.data.result)}::jsonb, updated_at = ${at}::timestamptz
        where task_id = ${taskId}`.execute(trx);
      return 'confirmed';
    case 'BlockchainTaskAttemptFailed':
      await sql`
        update rm_blockchain_tasks set status = 'pending', due = false, retry_count = ${event.data.retryCount}, last_error = ${event.data.error},
               retry_at = ${event.data.retryAt}::timestamptz, updated_at = ${at}::timestamptz
        where task_id = ${taskId}`.execute(trx);
      return 'retry_scheduled';
    case 'BlockchainTaskRetryDue':
      await sql`update rm_blockchain_tasks set due = true, updated_at = ${at}::timestamptz where task_id = ${taskId}`.execute(trx);
      return null;
    case 'BlockchainTaskFailed':
      await sql`
        update rm_blockchain_tasks set status = 'failed', due = false, last_error = ${event.data.error}, updated_at = ${at}::timestamptz
        where task_id = ${taskId}`.execute(trx);
      return 'failed';
    case 'BlockchainTaskCallbackDelivered':
      await sql`
        update rm_blockchain_tasks set callback_delivered_at = ${event.data.deliveredAt}::timestamptz, callback_status = ${event.data.httpStatus}
        where task_id = ${taskId}`.execute(trx);
      return null;
  }
}

/** What a random script of gateway activity does to one of a few tasks (indexes pick among those requested so far). */
type Action =
  | { readonly kind: 'request'; readonly op: number; readonly callback: boolean }
  | { readonly kind: 'sent'; readonly k: number; readonly item: boolean; readonly actions: boolean }
  | { readonly kind: 'confirmed' | 'attempt_failed' | 'retry_due' | 'failed' | 'callback'; readonly k: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('request' as const), op: fc.nat(2), callback: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sent' as const), k: fc.nat(20), item: fc.boolean(), actions: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('confirmed' as const, 'attempt_failed' as const, 'retry_due' as const, 'failed' as const, 'callback' as const), k: fc.nat(20) }) },
);

function logOf(actions: readonly Action[]): Event[] {
  const events: Event[] = [];
  const tasks: string[] = [];
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const at = () => new Date((clock += 1000)).toISOString();
  const push = (taskId: string, event: BlockchainTaskEvent) => {
    const commit = BigInt(events.length + 1);
    clock += 500;
    events.push({ streamName: streamOfTask(taskId), revision: 0n, position: { commit, prepare: commit }, eventId: `e${commit}`, ...event, metadata: {}, createdAt: new Date(clock) } as Event);
  };
  const operations = [
    { kind: 'g2a_mint', to: 'EQ-a', amount: '10' },
    { kind: 'g2a_transfer', to: 'EQ-b', amount: '5', userId: 'u1' },
    { kind: 'nft_mint', to: 'EQ-c', userId: 'u2', badge: 'gold', level: 1 },
  ] as const;
  for (const a of actions) {
    if (a.kind === 'request') {
      const taskId = `task-${tasks.length}`;
      tasks.push(taskId);
      push(taskId, { type: 'BlockchainTaskRequested', data: { taskId, requestId: `r${tasks.length}`, initiator: 'service:crm', operation: operations[a.op]! as never, requestedAt: at(), ...(a.callback ? { callbackUrl: 'https://crm.example/cb' } : {}) } });
      continue;
    }
    if (tasks.length === 0) continue;
    const taskId = tasks[a.k % tasks.length]!;
    switch (a.kind) {
      case 'sent':
        push(taskId, { type: 'BlockchainTaskSent', data: { attempt: a.k, messageHash: `hash-${clock}`, seqno: String(clock % 97), validUntil: 1_800_000_000 + a.k, messageBoc: 'te6', sentAt: at(), ...(a.item ? { itemIndex: String(a.k) } : {}), ...(a.actions ? { actions: [0, a.k] } : {}) } });
        break;
      case 'confirmed':
        push(taskId, { type: 'BlockchainTaskConfirmed', data: { messageHash: `hash-${clock}`, result: { txHash: `tx${clock}`, lt: String(clock), ...(a.k % 2 ? { onchainTokenId: String(a.k) } : {}) }, confirmedAt: at() } });
        break;
      case 'attempt_failed':
        push(taskId, { type: 'BlockchainTaskAttemptFailed', data: { attempt: a.k, error: `timeout ${clock}`, retryCount: a.k, retryAt: at(), failedAt: at() } });
        break;
      case 'retry_due':
        push(taskId, { type: 'BlockchainTaskRetryDue', data: { retryCount: a.k, dueAt: at() } });
        break;
      case 'failed':
        push(taskId, { type: 'BlockchainTaskFailed', data: { error: `refused "${clock}"`, permanent: a.k % 2 === 0, retryCount: a.k, failedAt: at() } });
        break;
      case 'callback':
        push(taskId, { type: 'BlockchainTaskCallbackDelivered', data: { status: 'confirmed', httpStatus: 200 + (a.k % 3), deliveredAt: at() } });
        break;
    }
  }
  return events;
}

async function readModelOf(database: Database): Promise<unknown> {
  const bi = (table: string) => sql.table(`${database.biSchema}.${table}`);
  const dump = async (query: ReturnType<typeof sql>) => (await query.execute(database.db)).rows.map((row) => JSON.stringify(row));
  return {
    tasks: await dump(sql`select task_id, request_id, initiator, kind, operation::text, status, due, retry_count, attempts, last_error, retry_at::text, message_hash, seqno,
                            valid_until::text, item_index, message_actions::text, onchain_result::text, callback_url, callback_delivered_at::text, callback_status,
                            resubmitted_from, created_at::text, updated_at::text from rm_blockchain_tasks order by task_id`),
    bi: await dump(sql`select *, created_at::text, updated_at::text from ${bi('blockchain_tasks')} order by task_id`),
    changes: await dump(sql`select *, changed_at::text, detail::text from ${bi('blockchain_task_status_changes')} order by event_position`),
  };
}

async function truncate(database: Database): Promise<void> {
  await sql`truncate rm_blockchain_tasks, ${sql.table(`${database.biSchema}.blockchain_tasks`)}, ${sql.table(`${database.biSchema}.blockchain_task_status_changes`)}`.execute(database.db);
}

/** Issue 16: the tasks projector applies a batch with a few multi-row statements; the result must equal the per-event projector it replaced. */
describe('blockchain tasks projector, batch against the per-event projector (property)', function () {
  this.timeout(300_000);
  const databases = pairedDatabases((database) => [blockchainTaskProjection(database.biSchema).migrations!]);

  it('given any log of tasks requested, sent (with or without an item), confirmed, retried, failed and called back, when applied in random batches, then rm_blockchain_tasks and the BI tables equal those of the per-event projector', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 70 }), fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }), async (actions, sizes) => {
        const { oneByOne, batched } = databases;
        const events = logOf([{ kind: 'request', op: 0, callback: true }, ...actions]);
        await truncate(oneByOne);
        await truncate(batched);
        await oneByOne.db.transaction().execute((trx) => applyOneByOne(trx, oneByOne.biSchema, events));
        const projection = blockchainTaskProjection(batched.biSchema);
        for (let at = 0, turn = 0; at < events.length; turn++) {
          const size = sizes[turn % sizes.length]!;
          const batch = events.slice(at, at + size);
          at += size;
          await batched.db.transaction().execute((trx) => projection.apply(trx, batch, batched));
        }
        assert.deepEqual(await readModelOf(batched), await readModelOf(oneByOne));
      }),
      { numRuns: 40 },
    );
  });
});
