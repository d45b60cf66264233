import { pickEvents } from '../../domain/event-codec.js';
import * as t from 'io-ts';
import { WalletLinkEvent } from '../../domain/blockchain/wallet-link.js';
import { TransferAllowanceEvent } from '../../domain/blockchain/transfer-allowance.js';
import { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import { taskOfStream } from '../../domain/blockchain/blockchain-task.js';
import { sql } from 'kysely';
import { defineProjection, type ProjectedEvent } from '../projection.js';

export const AUDIT_PROJECTION = 'gateway-audit';

const AuditedEvents = pickEvents(t.union([BlockchainTaskEvent, TransferAllowanceEvent, WalletLinkEvent]), [
      'BlockchainTaskRequested',
      'BlockchainTaskSent',
      'BlockchainTaskConfirmed',
      'BlockchainTaskAttemptFailed',
      'BlockchainTaskFailed',
      'BlockchainTaskCallbackDelivered',
      'TransferReserved',
      'TransferRefused',
      'TransferReleased',
      'WalletLinkVerified',
      'WalletLinkRejected',
    ]);
type AuditedEvent = t.TypeOf<typeof AuditedEvents>;

/**
 * GatewayAuditLog: one row per fact the gateway must be able to account for — each task's
 * request, every signature (message hash and seqno), confirmation, retry, failure, callback;
 * every limit refusal; every wallet link verified or refused. Read by GET /audit.
 */
export function gatewayAuditProjection() {
  return defineProjection({
    name: AUDIT_PROJECTION,
    events: AuditedEvents,
    migrations: {
      'gateway-audit-0001-log': {
        async up(db) {
          await sql`
            create table rm_gateway_audit (
              event_position text primary key,
              seq bigint generated always as identity,
              task_id text,
              user_id text,
              action text not null,
              detail jsonb not null,
              actor text,
              correlation_id text,
              at timestamptz not null
            )`.execute(db);
          await sql`create index rm_gateway_audit_task on rm_gateway_audit (task_id, seq)`.execute(db);
          await sql`create index rm_gateway_audit_seq on rm_gateway_audit (seq)`.execute(db);
        },
      },
    },
    async apply(trx, events) {
      for (const event of events) {
        const entry = auditEntryOf(event);
        await sql`
          insert into rm_gateway_audit (event_position, task_id, user_id, action, detail, actor, correlation_id, at)
          values (${`${event.position.commit}/${event.position.prepare}`}, ${entry.taskId}, ${entry.userId}, ${entry.action},
                  ${JSON.stringify(entry.detail)}::jsonb, ${String(event.metadata.actor ?? '') || null},
                  ${String(event.metadata.correlationId ?? '') || null}, ${event.createdAt.toISOString()}::timestamptz)
          on conflict (event_position) do nothing`.execute(trx);
      }
    },
  });
}

interface AuditEntry {
  readonly taskId: string | null;
  readonly userId: string | null;
  readonly action: string;
  readonly detail: Record<string, unknown>;
}

function auditEntryOf(event: ProjectedEvent<AuditedEvent>): AuditEntry {
  const task = taskOfStream(event.streamName);
  switch (event.type) {
    case 'BlockchainTaskRequested': {
      const { operation } = event.data;
      return { taskId: task, userId: 'userId' in operation ? operation.userId ?? null : null, action: 'task.requested', detail: { requestId: event.data.requestId, initiator: event.data.initiator, operation } };
    }
    case 'BlockchainTaskSent':
      // The signature audit: which message, signed for which seqno, carries this task.
      return { taskId: task, userId: null, action: 'task.signed_and_sent', detail: { messageHash: event.data.messageHash, seqno: event.data.seqno, validUntil: event.data.validUntil, attempt: event.data.attempt } };
    case 'BlockchainTaskConfirmed':
      return { taskId: task, userId: null, action: 'task.confirmed', detail: { messageHash: event.data.messageHash, ...event.data.result } };
    case 'BlockchainTaskAttemptFailed':
      return { taskId: task, userId: null, action: 'task.retry_scheduled', detail: { error: event.data.error, retryCount: event.data.retryCount, retryAt: event.data.retryAt } };
    case 'BlockchainTaskFailed':
      return { taskId: task, userId: null, action: 'task.failed', detail: { error: event.data.error, permanent: event.data.permanent, retryCount: event.data.retryCount } };
    case 'BlockchainTaskCallbackDelivered':
      return { taskId: task, userId: null, action: 'task.callback_delivered', detail: { status: event.data.status, httpStatus: event.data.httpStatus } };
    case 'TransferReserved':
      return { taskId: event.data.taskId, userId: event.data.userId, action: 'limits.reserved', detail: { amount: event.data.amount } };
    case 'TransferRefused':
      return { taskId: event.data.taskId, userId: event.data.userId, action: 'limits.refused', detail: { amount: event.data.amount, limit: event.data.limit, reason: event.data.reason } };
    case 'TransferReleased':
      return { taskId: event.data.taskId, userId: null, action: 'limits.released', detail: {} };
    case 'WalletLinkVerified':
      return { taskId: null, userId: event.data.userId, action: 'wallet.verified', detail: { address: event.data.address } };
    case 'WalletLinkRejected':
      return { taskId: null, userId: event.data.userId, action: 'wallet.refused', detail: { reason: event.data.reason } };
  }
}
