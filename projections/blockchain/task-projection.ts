import { taskOfStream } from '../../domain/blockchain/blockchain-task.js';
import type { Operation } from '../../domain/blockchain/operation.js';
import type * as t from 'io-ts';
import { pickEvents } from '../../domain/event-codec.js';
import { sql, type Kysely } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import type { RecordedEvent } from '../../adapters/eventstore/event-store.js';
import { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import { defineProjection, type Projection } from '../projection.js';

export const TASKS_PROJECTION = 'blockchain-tasks';

/**
 * `rm_blockchain_tasks`: one row per task with its live status (GET /tasks/:id, the
 * dispatcher's work list). BI: `<bi>.blockchain_tasks` (same, stable columns) and
 * `<bi>.blockchain_task_status_changes` (one row per status change, for history).
 */
const TaskProjectionEvents = pickEvents(BlockchainTaskEvent, [
      'BlockchainTaskRequested',
      'BlockchainTaskSent',
      'BlockchainTaskConfirmed',
      'BlockchainTaskAttemptFailed',
      'BlockchainTaskRetryDue',
      'BlockchainTaskFailed',
      'BlockchainTaskCallbackDelivered',
    ]);

export function blockchainTaskProjection(biSchema: string): Projection<t.TypeOf<typeof TaskProjectionEvents>> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: TASKS_PROJECTION,
    events: TaskProjectionEvents,
    migrations: taskMigrations(biSchema),
    rebind: (other) => blockchainTaskProjection(other),
    // Set-based (issue 16): a batch is at most four statements — the tasks requested in it, one
    // `update … from` with each task's columns as its last event in the batch set them, the BI
    // status changes, and the BI task rows as of each task's last status change — with the
    // result of applying its events one by one
    // (tests/projections/blockchain/task-projection-batch.property.spec.ts). A task's stream
    // begins with its one `BlockchainTaskRequested`, so every other event of it comes after.
    async apply(trx, events) {
      const requested = new Map<string, Record<string, unknown>>();
      const changes = new Map<string, Record<string, unknown>>();
      const statusChanges: Record<string, unknown>[] = [];
      /** BI's `updated_at` of a task: the time of its last status change in the batch. */
      const biUpdatedAt = new Map<string, string>();
      for (const event of events) {
        const taskId = taskOfStream(event.streamName) ?? event.streamName;
        const at = new Date(event.createdAt).toISOString();
        if (event.type === 'BlockchainTaskRequested') {
          const d = event.data;
          if (!requested.has(taskId))
            requested.set(taskId, { task_id: taskId, request_id: d.requestId, initiator: d.initiator, kind: d.operation.kind, operation: d.operation, callback_url: d.callbackUrl ?? null, resubmitted_from: d.resubmittedFrom ?? null, at });
        } else {
          changes.set(taskId, { ...changes.get(taskId), ...columnsSetBy(event, at) });
        }
        const status = statusOf(event);
        if (status) {
          statusChanges.push({ task_id: taskId, status, changed_at: at, detail: detailOf(event), event_position: positionOf(event) });
          biUpdatedAt.set(taskId, at);
        }
      }
      if (requested.size > 0) {
        await sql`
          insert into rm_blockchain_tasks (task_id, request_id, initiator, kind, operation, status, due, retry_count, callback_url, resubmitted_from, created_at, updated_at)
          select task_id, request_id, initiator, kind, operation, 'pending', true, 0, callback_url, resubmitted_from, at::timestamptz, at::timestamptz
          from jsonb_to_recordset(${JSON.stringify([...requested.values()])}::jsonb)
            as r(task_id text, request_id text, initiator text, kind text, operation jsonb, callback_url text, resubmitted_from text, at text)
          on conflict (task_id) do nothing`.execute(trx);
      }
      if (changes.size > 0) {
        const rows = [...changes].map(([id, d]) => ({ id, d }));
        const set = (column: string, cast: string) => sql.raw(`${column} = case when c.d ? '${column}' then (c.d->>'${column}')${cast} else t.${column} end`);
        await sql`
          update rm_blockchain_tasks t set
            ${set('status', '')}, ${set('due', '::boolean')}, ${set('message_hash', '')}, ${set('seqno', '')}, ${set('item_index', '')},
            message_actions = case when c.d ? 'message_actions' then c.d->'message_actions' else t.message_actions end,
            onchain_result = case when c.d ? 'onchain_result' then c.d->'onchain_result' else t.onchain_result end,
            ${set('valid_until', '::bigint')}, ${set('attempts', '::integer')}, ${set('retry_count', '::integer')}, ${set('last_error', '')},
            ${set('retry_at', '::timestamptz')}, ${set('callback_delivered_at', '::timestamptz')}, ${set('callback_status', '::integer')},
            ${set('updated_at', '::timestamptz')}
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as c(id text, d jsonb)
          where t.task_id = c.id`.execute(trx);
      }
      if (statusChanges.length > 0) {
        await sql`
          insert into ${bi('blockchain_task_status_changes')} (task_id, status, changed_at, detail, event_position)
          select task_id, status, changed_at::timestamptz, detail, event_position
          from jsonb_to_recordset(${JSON.stringify(statusChanges)}::jsonb) as s(task_id text, status text, changed_at text, detail jsonb, event_position text)
          on conflict (event_position) do nothing`.execute(trx);
        const rows = [...biUpdatedAt].map(([id, updated_at]) => ({ id, updated_at }));
        await sql`
          insert into ${bi('blockchain_tasks')} (task_id, kind, initiator, status, retry_count, last_error, onchain_token_id, created_at, updated_at)
          select t.task_id, t.kind, t.initiator, t.status, t.retry_count, t.last_error, t.onchain_result->>'onchainTokenId', t.created_at, c.updated_at::timestamptz
          from rm_blockchain_tasks t join jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as c(id text, updated_at text) on t.task_id = c.id
          on conflict (task_id) do update set status = excluded.status, retry_count = excluded.retry_count,
            last_error = excluded.last_error, onchain_token_id = excluded.onchain_token_id, updated_at = excluded.updated_at`.execute(trx);
      }
    },
  });
}

/** A badge the gateway minted, as the task read model knows it: the confirmed task whose item it is. */
export interface MintedBadge {
  readonly taskId: string;
  /** Who asked for it: `service:<id>` or `user:<id>` (the task's initiator). */
  readonly initiator: string;
  /** The user the badge was minted for (`user_id` of the nft_mint / nft_upgrade request). */
  readonly userId: string;
}

/** Which badges were minted by whom and which are being retired (B-5's guard), read from `rm_blockchain_tasks`. */
export interface BadgeQueries {
  /** The confirmed nft_mint or nft_upgrade task whose on-chain item index is `itemIndex`; null when none (yet). */
  mintedBadge(itemIndex: string): Promise<MintedBadge | null>;
  /** Ids of the nft_upgrade tasks, not failed, that retire `itemIndex` (pending, sent or confirmed). */
  retiringTasks(itemIndex: string): Promise<string[]>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function badgeQueries(db: Kysely<any>): BadgeQueries {
  return {
    async mintedBadge(itemIndex) {
      const { rows } = await sql<{ task_id: string; initiator: string; user_id: string }>`
        select task_id, initiator, operation->>'userId' as user_id from rm_blockchain_tasks
        where kind in ('nft_mint', 'nft_upgrade') and status = 'confirmed' and onchain_result->>'onchainTokenId' = ${itemIndex}
        order by updated_at limit 1`.execute(db);
      const row = rows[0];
      return row ? { taskId: row.task_id, initiator: row.initiator, userId: row.user_id } : null;
    },
    async retiringTasks(itemIndex) {
      const { rows } = await sql<{ task_id: string }>`
        select task_id from rm_blockchain_tasks
        where kind = 'nft_upgrade' and status <> 'failed' and operation->>'retiredItemIndex' = ${itemIndex}
        order by created_at`.execute(db);
      return rows.map((row) => row.task_id);
    },
  };
}

/** A task on its way: what the dispatcher needs to settle its message. */
export interface SentTask {
  readonly taskId: string;
  readonly messageHash: string;
  /** Unix seconds. */
  readonly validUntil: number;
  readonly operation: Operation;
  readonly itemIndex: string | null;
  readonly actions: readonly number[];
  readonly retryCount: number;
}

/** The task read model's queries the TON dispatcher works from (its work list). */
export interface DispatchQueries {
  /** Tasks sent and not yet settled, oldest first. */
  sentTasks(limit: number): Promise<SentTask[]>;
  /** Ids of pending tasks that are due, in request order. */
  dueTaskIds(limit: number): Promise<string[]>;
}

const parsedJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

export function dispatchQueries(db: Kysely<any>): DispatchQueries {
  return {
    async sentTasks(limit) {
      const { rows } = await sql<{ task_id: string; message_hash: string; valid_until: string; operation: unknown; item_index: string | null; message_actions: unknown; retry_count: number }>`
        select task_id, message_hash, valid_until::text, operation, item_index, message_actions, retry_count from rm_blockchain_tasks
        where status = 'sent' order by updated_at limit ${limit}`.execute(db);
      return rows.map((row) => ({
        taskId: row.task_id,
        messageHash: row.message_hash,
        validUntil: Number(row.valid_until),
        // written by this projector from the decoded BlockchainTaskRequested event
        operation: parsedJson(row.operation) as Operation,
        itemIndex: row.item_index,
        actions: (parsedJson(row.message_actions) as number[] | null) ?? [],
        retryCount: row.retry_count,
      }));
    },
    async dueTaskIds(limit) {
      const { rows } = await sql<{ task_id: string }>`
        select task_id from rm_blockchain_tasks where status = 'pending' and due order by created_at, task_id limit ${limit}`.execute(db);
      return rows.map((row) => row.task_id);
    },
  };
}

const positionOf = (event: RecordedEvent) => `${event.position.commit}/${event.position.prepare}`;

/** The columns of `rm_blockchain_tasks` an event (other than the request) sets, and to what. */
function columnsSetBy(event: Exclude<BlockchainTaskEvent, { type: 'BlockchainTaskRequested' }>, at: string): Record<string, unknown> {
  switch (event.type) {
    case 'BlockchainTaskSent':
      return {
        status: 'sent',
        due: false,
        message_hash: event.data.messageHash,
        seqno: event.data.seqno,
        ...(event.data.itemIndex !== undefined ? { item_index: event.data.itemIndex } : {}), // a send without one keeps the earlier
        message_actions: event.data.actions ?? [],
        valid_until: event.data.validUntil,
        attempts: event.data.attempt,
        updated_at: at,
      };
    case 'BlockchainTaskConfirmed':
      return { status: 'confirmed', onchain_result: event.data.result, updated_at: at };
    case 'BlockchainTaskAttemptFailed':
      return { status: 'pending', due: false, retry_count: event.data.retryCount, last_error: event.data.error, retry_at: event.data.retryAt, updated_at: at };
    case 'BlockchainTaskRetryDue':
      return { due: true, updated_at: at };
    case 'BlockchainTaskFailed':
      return { status: 'failed', due: false, last_error: event.data.error, updated_at: at };
    case 'BlockchainTaskCallbackDelivered':
      return { callback_delivered_at: event.data.deliveredAt, callback_status: event.data.httpStatus };
  }
}

/** The status change an event is, for BI (null: not one). */
function statusOf(event: BlockchainTaskEvent): string | null {
  switch (event.type) {
    case 'BlockchainTaskRequested':
      return 'pending';
    case 'BlockchainTaskSent':
      return 'sent';
    case 'BlockchainTaskConfirmed':
      return 'confirmed';
    case 'BlockchainTaskAttemptFailed':
      return 'retry_scheduled';
    case 'BlockchainTaskFailed':
      return 'failed';
    default:
      return null;
  }
}

/** What a BI status change row records of its event. */
export function detailOf(event: BlockchainTaskEvent): Record<string, unknown> {
  switch (event.type) {
    case 'BlockchainTaskSent':
      return { messageHash: event.data.messageHash, seqno: event.data.seqno };
    case 'BlockchainTaskAttemptFailed':
      return { error: event.data.error, retryCount: event.data.retryCount };
    case 'BlockchainTaskFailed':
      return { error: event.data.error };
    case 'BlockchainTaskConfirmed':
      return { ...event.data.result };
    default:
      return {};
  }
}

function taskMigrations(biSchema: string): Migrations {
  return {
    'blockchain-tasks-0001-tables': {
      async up(db) {
        await sql`
          create table rm_blockchain_tasks (
            task_id text primary key,
            request_id text not null,
            initiator text not null,
            kind text not null,
            operation jsonb not null,
            status text not null,
            due boolean not null,
            retry_count integer not null default 0,
            attempts integer not null default 0,
            last_error text,
            retry_at timestamptz,
            message_hash text,
            seqno text,
            valid_until bigint,
            item_index text,
            message_actions jsonb,
            onchain_result jsonb,
            callback_url text,
            callback_delivered_at timestamptz,
            callback_status integer,
            resubmitted_from text,
            created_at timestamptz not null,
            updated_at timestamptz not null
          )`.execute(db);
        await sql`create index rm_blockchain_tasks_work on rm_blockchain_tasks (status, due, created_at)`.execute(db);
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${sql.table(`${biSchema}.blockchain_tasks`)} (
            task_id text primary key, kind text not null, initiator text not null, status text not null,
            retry_count integer not null, last_error text, onchain_token_id text,
            created_at timestamptz not null, updated_at timestamptz not null
          )`.execute(db);
        await sql`
          create table ${sql.table(`${biSchema}.blockchain_task_status_changes`)} (
            event_position text primary key, task_id text not null, status text not null,
            changed_at timestamptz not null, detail jsonb not null
          )`.execute(db);
        await sql`comment on table ${sql.table(`${biSchema}.blockchain_tasks`)} is 'One row per Blockchain Gateway task (mint, transfer, NFT mint/upgrade) with its current status'`.execute(db);
        await sql`comment on table ${sql.table(`${biSchema}.blockchain_task_status_changes`)} is 'Every status change of every gateway task (pending, sent, retry_scheduled, confirmed, failed)'`.execute(db);
      },
    },
    // badgeQueries: who minted item N, which upgrades retire item N
    'blockchain-tasks-0002-badge-lookups': {
      async up(db) {
        await sql`
          create index rm_blockchain_tasks_minted_item on rm_blockchain_tasks ((onchain_result->>'onchainTokenId'))
          where kind in ('nft_mint', 'nft_upgrade') and status = 'confirmed'`.execute(db);
        await sql`
          create index rm_blockchain_tasks_retired_item on rm_blockchain_tasks ((operation->>'retiredItemIndex'))
          where kind = 'nft_upgrade'`.execute(db);
      },
    },
  };
}
