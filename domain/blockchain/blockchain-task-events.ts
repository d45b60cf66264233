import * as t from 'io-ts';
import { eventCodec } from '../event-codec.js';
import { OnchainResult, Operation } from './operation.js';

export const BlockchainTaskEvent = t.union([
  eventCodec(
    'BlockchainTaskRequested',
    t.intersection([
      t.type({ taskId: t.string, requestId: t.string, initiator: t.string, operation: Operation, requestedAt: t.string }),
      t.partial({ callbackUrl: t.string, resubmittedFrom: t.string }),
    ]),
  ),
  /** Signed and handed to the chain: the normalized message hash identifies it on chain. */
  eventCodec(
    'BlockchainTaskSent',
    t.intersection([
      t.type({ attempt: t.number, messageHash: t.string, seqno: t.string, validUntil: t.number, messageBoc: t.string, sentAt: t.string }),
      /** NFT item index assigned to a badge this message mints; positions of the task's actions in the message. */
      t.partial({ itemIndex: t.string, actions: t.array(t.number) }),
    ]),
  ),
  eventCodec('BlockchainTaskConfirmed', t.type({ messageHash: t.string, result: OnchainResult, confirmedAt: t.string })),
  /** A transient error (or a message that expired unconfirmed): it will be retried after `retryAt`. */
  eventCodec(
    'BlockchainTaskAttemptFailed',
    t.type({ attempt: t.number, error: t.string, retryCount: t.number, retryAt: t.string, failedAt: t.string }),
  ),
  eventCodec('BlockchainTaskRetryDue', t.type({ retryCount: t.number, dueAt: t.string })),
  eventCodec('BlockchainTaskFailed', t.type({ error: t.string, permanent: t.boolean, retryCount: t.number, failedAt: t.string })),
  /** The initiator's callback_url accepted the final status. */
  eventCodec('BlockchainTaskCallbackDelivered', t.type({ status: t.string, httpStatus: t.number, deliveredAt: t.string })),
]);
export type BlockchainTaskEvent = t.TypeOf<typeof BlockchainTaskEvent>;
