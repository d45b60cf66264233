import { pickEvents } from '../../domain/event-codec.js';
import * as t from 'io-ts';
import { WalletLinkEvent } from '../../domain/blockchain/wallet-link.js';
import { TransferAllowanceEvent } from '../../domain/blockchain/transfer-allowance.js';
import { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import { sql } from 'kysely';
import type { RecordedEvent } from '../../adapters/eventstore/event-store.js';
import { defineProjection } from '../projection.js';

export const AUDIT_PROJECTION = 'gateway-audit';

/**
 * GatewayAuditLog: one row per fact the gateway must be able to account for — each task's
 * request, every signature (message hash and seqno), confirmation, retry, failure, callback;
 * every limit refusal; every wallet link verified or refused. Read by GET /audit.
 */
export function gatewayAuditProjection() {
  return defineProjection({
    name: AUDIT_PROJECTION,
    events: pickEvents(t.union([BlockchainTaskEvent, TransferAllowanceEvent, WalletLinkEvent]), [
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
    ]),
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

function auditEntryOf(event: RecordedEvent): AuditEntry {
  const data = event.data as Record<string, any>;
  const taskOfStream = event.streamName.startsWith('BlockchainTask-') ? event.streamName.slice('BlockchainTask-'.length) : null;
  switch (event.type) {
    case 'BlockchainTaskRequested':
      return { taskId: taskOfStream, userId: data.operation?.userId ?? null, action: 'task.requested', detail: { requestId: data.requestId, initiator: data.initiator, operation: data.operation } };
    case 'BlockchainTaskSent':
      // The signature audit: which message, signed for which seqno, carries this task.
      return { taskId: taskOfStream, userId: null, action: 'task.signed_and_sent', detail: { messageHash: data.messageHash, seqno: data.seqno, validUntil: data.validUntil, attempt: data.attempt } };
    case 'BlockchainTaskConfirmed':
      return { taskId: taskOfStream, userId: null, action: 'task.confirmed', detail: { messageHash: data.messageHash, ...data.result } };
    case 'BlockchainTaskAttemptFailed':
      return { taskId: taskOfStream, userId: null, action: 'task.retry_scheduled', detail: { error: data.error, retryCount: data.retryCount, retryAt: data.retryAt } };
    case 'BlockchainTaskFailed':
      return { taskId: taskOfStream, userId: null, action: 'task.failed', detail: { error: data.error, permanent: data.permanent, retryCount: data.retryCount } };
    case 'BlockchainTaskCallbackDelivered':
      return { taskId: taskOfStream, userId: null, action: 'task.callback_delivered', detail: { status: data.status, httpStatus: data.httpStatus } };
    case 'TransferReserved':
      return { taskId: data.taskId, userId: data.userId, action: 'limits.reserved', detail: { amount: data.amount } };
    case 'TransferRefused':
      return { taskId: data.taskId, userId: data.userId, action: 'limits.refused', detail: { amount: data.amount, limit: data.limit, reason: data.reason } };
    case 'TransferReleased':
      return { taskId: data.taskId, userId: null, action: 'limits.released', detail: {} };
    case 'WalletLinkVerified':
      return { taskId: null, userId: data.userId, action: 'wallet.verified', detail: { address: data.address } };
    case 'WalletLinkRejected':
      return { taskId: null, userId: data.userId, action: 'wallet.refused', detail: { reason: data.reason } };
    default:
      return { taskId: taskOfStream, userId: null, action: event.type, detail: {} };
  }
}
