import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * The messages of the original's buses (G-3, G-5, G-6, G-8): the channels' `All_SalesOrder`
 * and `All_Payments`, the CRM's `All_Clients`. Each arriving message is one stream
 * `GcpMessage-<topic>-<source>-<message id>`, so (source, message id) is the idempotency key:
 * a repeat with the same body (fingerprint) changes nothing, the same id with another body is
 * refused. The recorded event keeps the message as it arrived (BI's "as they arrived" tables
 * and the order saga read it); a client's contact data is personal (sealed in the log).
 */

export const SALES_ORDER_KINDS = ['certificate_purchase', 'certificate_redemption', 'certificate_refund'] as const;
export const PAYMENT_KINDS = ['authorization', 'capture', 'void', 'refund'] as const;

const Common = { source: t.string, messageId: t.string, fingerprint: t.string, receivedAt: t.string, occurredAt: t.string };

export const ChannelMessageEvent = t.union([
  /** An `All_SalesOrder` message: a certificate bought, a certificate used to pay an order (with its number and amount), a refund asked. */
  eventCodec(
    'SalesOrderReceived',
    t.type({
      ...Common,
      orderId: t.string,
      kind: t.keyof({ certificate_purchase: null, certificate_redemption: null, certificate_refund: null }),
      /** The certificate (resolved from the id or number the message gave). */
      certificateId: t.string,
      certificateNumber: t.string,
      amount: t.string,
      currency: t.string,
      /** The channel that reserved / sells (purchase) or where it is spent (redemption). */
      channel: t.string,
      notificationChannel: t.union([t.string, t.null]),
      clientId: t.union([t.string, t.null]),
      /** A refund's bank details as sent (JSON text), personal data; null when the channel has none yet. */
      bankDetails: t.union([t.string, t.null]),
    }),
    { personal: { subject: (d) => `gift-order:${d.source}:${d.orderId}`, fields: ['bankDetails'] } },
  ),
  /** An `All_Payments` message: the authorization of a certificate's sale, the capture or void of a redemption, a refund paid out. */
  eventCodec(
    'PaymentReceived',
    t.type({
      ...Common,
      paymentId: t.string,
      orderId: t.string,
      kind: t.keyof({ authorization: null, capture: null, void: null, refund: null }),
      amount: t.string,
      currency: t.string,
      method: t.union([t.string, t.null]),
    }),
  ),
  /** An `All_Clients` message of the CRM: a client's profile after a delivery; contact data personal. */
  eventCodec(
    'ClientReceived',
    t.type({ ...Common, clientId: t.string, name: t.union([t.string, t.null]), email: t.union([t.string, t.null]), phone: t.union([t.string, t.null]), consent: t.union([t.boolean, t.null]) }),
    { personal: { subject: (d) => `gift-client:${d.clientId}`, fields: ['name', 'email', 'phone'] } },
  ),
]);
export type ChannelMessageEvent = t.TypeOf<typeof ChannelMessageEvent>;
export type SalesOrderReceived = Extract<ChannelMessageEvent, { type: 'SalesOrderReceived' }>;
export type PaymentReceived = Extract<ChannelMessageEvent, { type: 'PaymentReceived' }>;
export type ClientReceived = Extract<ChannelMessageEvent, { type: 'ClientReceived' }>;

export type MessageTopic = 'All_SalesOrder' | 'All_Payments' | 'All_Clients';

/** `GcpMessage-All_Payments-pos-7-m-1001`: one stream per (topic, source, message id). */
export const streamOfMessage = (topic: MessageTopic, source: string, messageId: string): string => `GcpMessage-${topic}-${source}-${messageId}`;

export interface ChannelMessageState {
  readonly received?: ChannelMessageEvent;
}

export interface ReceiveMessage {
  readonly type: 'ReceiveMessage';
  /** The message as it is to be recorded (its fingerprint is a hash of the body as sent). */
  readonly message: ChannelMessageEvent;
}

export const channelMessageDecider: EventSourcedDecider<ReceiveMessage, ChannelMessageEvent, ChannelMessageState> = {
  events: ChannelMessageEvent,
  initialState: {},
  decide(command, state) {
    if (!state.received) return right([command.message]);
    if (state.received.data.fingerprint === command.message.data.fingerprint) return right([]);
    return left(domainError('conflict', 'gcp.message_conflict', `message ${command.message.data.messageId} of ${command.message.data.source} was already received with another body`, 'message_id'));
  },
  evolve: (_state, event) => ({ received: event }),
};
