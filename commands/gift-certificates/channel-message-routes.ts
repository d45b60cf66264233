import { createHash } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import { closedObject } from '../../adapters/http/closed-object.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { invalidInput } from '../../adapters/http/problem.js';
import { defineRoute, type Route, type RouteResult } from '../../adapters/http/route.js';
import { IsoDateTime } from '../../adapters/http/text-codecs.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { isCurrency } from '../../domain/gift-certificates/certificate-pool.js';
import { channelMessageDecider, streamOfMessage, type ChannelMessageEvent, type MessageTopic } from '../../domain/gift-certificates/channel-messages.js';
import { isPrice, toMinorUnits } from '../../domain/money.js';
import { handleCommand } from '../command-handler.js';
import { CERTIFICATES_PROJECTION, type CertificateRow } from '../../projections/gift-certificates/certificate-projection.js';
import type { GcpDependencies } from './gcp-dependencies.js';

/* ---------- codecs: every field checked, a field not in the message refused by name ---------- */

const pattern = (name: string, re: RegExp, source: string, expected: string) =>
  withJsonSchema(t.refinement(t.string, (s) => re.test(s), name), { type: 'string', pattern: source }, { expected });

const MessageId = pattern('MessageId', /^[A-Za-z0-9._:-]{1,100}$/, '^[A-Za-z0-9._:-]{1,100}$', '1 to 100 letters, digits or . _ : -');
const Amount = withJsonSchema(
  t.refinement(t.string, (s) => isPrice(s) && toMinorUnits(s) > 0n, 'Amount'),
  { type: 'string', pattern: '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,2})?$' },
  { expected: 'a decimal string above zero with at most two decimals ("1000.00")' },
);
const Currency = withJsonSchema(t.refinement(t.string, isCurrency, 'Currency'), { type: 'string', pattern: '^[A-Z]{3}$' }, { expected: 'an ISO 4217 currency code ("RUB")' });
const CertificateNumber = pattern('CertificateNumber', /^[A-Za-z0-9-]{4,40}$/, '^[A-Za-z0-9-]{4,40}$', '4 to 40 letters, digits or -');
const Text = (max: number) => withJsonSchema(t.refinement(t.string, (s) => s.trim().length > 0 && s.length <= max, 'Text'), { type: 'string', minLength: 1, maxLength: max }, { expected: `text of 1 to ${max} characters` });
const Email = pattern('Email', /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{1,60}$/, '^[^\\s@]{1,64}@[^\\s@]{1,190}\\.[^\\s@]{1,60}$', 'an e-mail address');
const Phone = pattern('Phone', /^\+?[0-9][0-9 ()-]{2,29}$/, '^\\+?[0-9][0-9 ()-]{2,29}$', 'a phone number of digits, spaces, ( ) or -, optionally starting with +');


const BankDetails = closedObject('BankDetails', { account_number: Text(64), bik: Text(32), holder_name: Text(200) }, {});

export const SalesOrderBody = closedObject(
  'SalesOrderMessage',
  {
    message_id: MessageId,
    order_id: MessageId,
    kind: t.keyof({ certificate_purchase: null, certificate_redemption: null, certificate_refund: null }),
    amount: Amount,
    currency: Currency,
    channel: MessageId,
    occurred_at: IsoDateTime,
  },
  { certificate_id: MessageId, certificate_number: CertificateNumber, notification_channel: MessageId, client_id: MessageId, bank_details: BankDetails },
);

export const PaymentBody = closedObject(
  'PaymentMessage',
  { message_id: MessageId, payment_id: MessageId, order_id: MessageId, kind: t.keyof({ authorization: null, capture: null, void: null, refund: null }), amount: Amount, currency: Currency, occurred_at: IsoDateTime },
  { method: MessageId },
);

export const ClientBody = closedObject('ClientMessage', { message_id: MessageId, client_id: MessageId, occurred_at: IsoDateTime }, { name: Text(200), email: Email, phone: Phone, consent: t.boolean });

export const MessageAccepted = t.type({ message_id: t.string, duplicate: t.boolean });

/* ---------- recording ---------- */

/** JSON with its keys sorted at every level: one text per body, whatever the order it was sent in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const fingerprintOf = (body: unknown): string => createHash('sha256').update(canonicalJson(body)).digest('hex');

const invalid = (field: string, message: string): never => {
  throw invalidInput([{ field, in: 'body', message }]);
};

const accepted = (messageId: string, duplicate: boolean): RouteResult => ({ status: 202, body: { message_id: messageId, duplicate } });

const COMMON_RESPONSES = {
  202: { description: 'Recorded, or a repeat of a message already recorded with the same body (`duplicate: true`, nothing changes)', schema: MessageAccepted },
  400: { description: 'A field is missing, malformed or not a field of this message (amounts like "10.001", "-1" or the number 10.5; currency not ISO; occurred_at not ISO-8601 with a zone)' },
  401: { description: 'No valid access token' },
  409: { description: 'gcp.message_conflict: this message id of this source was already received with another body' },
  429: { description: 'gcp.busy: retry' },
};

/**
 * The channels' messages (G-3, G-5, G-6, G-8): `All_SalesOrder` from the sales channels,
 * `All_Payments` from the payment system, `All_Clients` from the CRM. The source is the calling
 * service principal; (source, message_id) is the idempotency key. Each message is recorded on
 * its own stream (`channelMessageDecider`); the order-matching saga pairs orders with payments.
 */
export function channelMessageRoutes(deps: GcpDependencies): Route[] {
  const { store, clock } = deps.system;

  /**
   * Record one message, or recognise its repeat: the command id carries the body's fingerprint,
   * so the same body again is a replay (duplicate) and another body reaches the decider (409).
   */
  async function record(
    topic: MessageTopic,
    source: string,
    messageId: string,
    body: unknown,
    correlationId: string,
    build: (common: { source: string; messageId: string; fingerprint: string; receivedAt: string }) => Promise<Either<DomainError, ChannelMessageEvent>>,
  ): Promise<Either<DomainError, RouteResult>> {
    const stream = streamOfMessage(topic, source, messageId);
    const fingerprint = fingerprintOf(body);
    const now = clock.now();
    const message = await build({ source, messageId, fingerprint, receivedAt: now.toISOString() });
    if (message._tag === 'Left') return message;
    const outcome = await handleCommand(
      store,
      channelMessageDecider,
      stream,
      { type: 'ReceiveMessage', message: message.right },
      { commandId: `gcp-message:${topic}:${source}:${messageId}:${fingerprint}`, now, correlationId, actor: `service:${source}` },
      { maxRetries: 20 },
    );
    if (outcome._tag === 'Left') return outcome;
    return right(accepted(messageId, outcome.right.replayed || outcome.right.events.length === 0));
  }

  /**
   * The certificate a sales order names, from the pool read model. It may lag a moment behind a
   * load or reservation: when the row is missing, wait (≤ 2 s) until the read model has applied
   * the log up to its head, then look once more — an unknown certificate is answered as soon as
   * the read model is known to be current, not after the whole wait.
   */
  async function resolveCertificate(by: { id?: string; number?: string }): Promise<CertificateRow | undefined> {
    const read = () => (by.id !== undefined ? deps.poolQueries.byId(by.id) : deps.poolQueries.byNumber(by.number!.toUpperCase()));
    const row = await read();
    if (row) return row;
    await deps.system.waitForProjection(CERTIFICATES_PROJECTION, await deps.system.store.headPosition(), 2_000);
    return read();
  }

  return [
    defineRoute({
      method: 'post',
      path: '/channels/sales-orders',
      summary: 'Receive an All_SalesOrder message: a certificate bought, spent or to be refunded (G-3, G-5, G-6)',
      description:
        'A sales channel’s service principal with scope gcp:orders (and admins). `kind` certificate_purchase (needs `notification_channel`; `channel` is the channel the certificate was reserved for), certificate_redemption (the certificate and the amount spent; `channel` where it is used) or certificate_refund (`bank_details` optional: without them the refund waits for support to add them). The certificate is named by exactly one of `certificate_id` or `certificate_number`. The order is matched with its payment (POST /channels/payments) by `order_id`, in whichever order they come. Idempotent by (caller, message_id).',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:orders'] },
      body: SalesOrderBody,
      responses: {
        ...COMMON_RESPONSES,
        400: { description: `${COMMON_RESPONSES[400].description}; neither or both of certificate_id and certificate_number; a purchase without notification_channel; bank_details on anything but a refund` },
        403: { description: 'Without the scope gcp:orders' },
        422: { description: 'gcp.unknown_certificate: no certificate with that id or number' },
      },
      handle: async ({ body, principal, correlationId }) => {
        if ((body.certificate_id === undefined) === (body.certificate_number === undefined)) return invalid('certificate_id', 'send exactly one of certificate_id and certificate_number');
        if (body.kind === 'certificate_purchase' && body.notification_channel === undefined) return invalid('notification_channel', 'is required for a certificate_purchase (how the CVC is to reach the buyer, e.g. "email" or "sms")');
        if (body.kind !== 'certificate_refund' && body.bank_details !== undefined) return invalid('bank_details', 'is only for a certificate_refund');
        return record('All_SalesOrder', principal.id, body.message_id, body, correlationId, async (common) => {
          const certificate = await resolveCertificate(body.certificate_id !== undefined ? { id: body.certificate_id } : { number: body.certificate_number! });
          if (!certificate) {
            return left(domainError('rule_violated', 'gcp.unknown_certificate', 'no certificate with this id or number', body.certificate_id !== undefined ? 'certificate_id' : 'certificate_number'));
          }
          const bank = body.bank_details;
          return right({
            type: 'SalesOrderReceived',
            data: {
              ...common,
              occurredAt: body.occurred_at,
              orderId: body.order_id,
              kind: body.kind,
              certificateId: certificate.id,
              certificateNumber: certificate.number,
              amount: body.amount,
              currency: body.currency,
              channel: body.channel,
              notificationChannel: body.notification_channel ?? null,
              clientId: body.client_id ?? null,
              bankDetails: bank ? JSON.stringify({ account_number: bank.account_number, bik: bank.bik, holder_name: bank.holder_name }) : null,
            },
          });
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/channels/payments',
      summary: 'Receive an All_Payments message: an authorization, capture, void or refund of an order (G-3, G-5, G-6)',
      description:
        'The payment system’s service principal with scope gcp:payments (and admins). An authorization of a certificate_purchase order issues the certificate; a capture of a certificate_redemption order spends it, a void releases its pending hold; a refund pays a certificate_refund out. Matched with the order by `order_id`, in whichever order they come. Idempotent by (caller, message_id).',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:payments'] },
      body: PaymentBody,
      responses: { ...COMMON_RESPONSES, 403: { description: 'Without the scope gcp:payments' } },
      handle: async ({ body, principal, correlationId }) =>
        record('All_Payments', principal.id, body.message_id, body, correlationId, async (common) =>
          right({
            type: 'PaymentReceived',
            data: { ...common, occurredAt: body.occurred_at, paymentId: body.payment_id, orderId: body.order_id, kind: body.kind, amount: body.amount, currency: body.currency, method: body.method ?? null },
          }),
        ),
    }),
    defineRoute({
      method: 'post',
      path: '/channels/clients',
      summary: 'Receive an All_Clients message: a client’s profile from the CRM (G-8)',
      description:
        'The CRM’s service principal with scope gcp:clients (and admins). Name, e-mail and phone are personal data: sealed in the log, never in read models or BI. Idempotent by (caller, message_id).',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:clients'] },
      body: ClientBody,
      responses: { ...COMMON_RESPONSES, 403: { description: 'Without the scope gcp:clients' } },
      handle: async ({ body, principal, correlationId }) =>
        record('All_Clients', principal.id, body.message_id, body, correlationId, async (common) =>
          right({
            type: 'ClientReceived',
            data: { ...common, occurredAt: body.occurred_at, clientId: body.client_id, name: body.name ?? null, email: body.email ?? null, phone: body.phone ?? null, consent: body.consent ?? null },
          }),
        ),
    }),
  ];
}
