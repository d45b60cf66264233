import { createHash } from 'node:crypto';
import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import type { Principal } from '../../adapters/http/principal.js';
import { invalidInput } from '../../adapters/http/problem.js';
import { tooManyAttempts, TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { defineRoute, type Route, type RouteResult } from '../../adapters/http/route.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { fromMinorUnits } from '../../domain/money.js';
import { availableBalance, isWorking, type GiftCertificateCommand, type GiftCertificateState } from '../../domain/gift-certificates/gift-certificate.js';
import type { Clock } from '../../platform/clock.js';
import type { CertificateDecisions, CertificateOutcome } from './certificate-decisions.js';
import { cvcHash, drawCvc, sameCvcHash } from './cvc-hash.js';
import type { GiftCertificateSettings } from './gcp-dependencies.js';
import { Nominal } from './gift-certificates-routes.js';

export interface CertificateRouteDependencies {
  readonly certificates: CertificateDecisions;
  readonly clock: Clock;
  readonly settings: GiftCertificateSettings;
}

/** Wrong CVCs one process lets through per certificate: 5 at once, then 5 a minute (G-5). */
export const CVC_ATTEMPTS_PER_MINUTE = 5;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOLD_ID = /^h-[0-9a-f]{32}$/;

const text = (name: string, min: number, max: number, pattern?: RegExp, expected?: string) =>
  withJsonSchema(
    t.refinement(t.string, (s) => s.trim().length >= min && s.length <= max && (!pattern || pattern.test(s)), name),
    { type: 'string', minLength: min, maxLength: max, ...(pattern ? { pattern: pattern.source } : {}) },
    { expected: expected ?? `text of ${min} to ${max} characters` },
  );
const Reason = text('Reason', 1, 500);
const OrderId = text('OrderId', 1, 100, /^[A-Za-z0-9._:-]{1,100}$/, '1 to 100 letters, digits or . _ : -');
const Cvc = text('Cvc', 6, 6, /^[0-9]{6}$/, 'six digits');
const RefundId = text('RefundId', 1, 100, /^[A-Za-z0-9._:-]{1,100}$/, '1 to 100 letters, digits or . _ : -');
const BankDetails = t.type({
  account_number: text('AccountNumber', 20, 20, /^[0-9]{20}$/, 'a bank account number of 20 digits'),
  bik: text('Bik', 9, 9, /^[0-9]{9}$/, 'a BIK of 9 digits'),
  holder_name: text('HolderName', 1, 200),
});

const CertificateParams = t.type({ id: t.string });
const HoldParams = t.type({ id: t.string, hold_id: t.string });
const NotificationBody = t.intersection([t.type({ status: t.keyof({ sent: null, failed: null }) }), t.partial({ reason: Reason })]);
const HoldBody = t.type({ order_id: OrderId, amount: Nominal, cvc: Cvc });
const ReasonBody = t.type({ reason: Reason });
const RefundDetailsBody = t.intersection([t.type({ bank_details: BankDetails }), t.partial({ refund_id: RefundId })]);

export const CvcView = t.type({ certificate_id: t.string, cvc: t.string, generation: t.number });
export const CertificateStatusView = t.type({ certificate_id: t.string, status: t.string });
export const ReissueView = t.type({ certificate_id: t.string, status: t.string, generation: t.number });
export const HoldView = t.type({ hold_id: t.string, certificate_id: t.string, order_id: t.string, amount: t.string, available_balance: t.string, held_until: t.string, status: t.literal('pending') });
export const ReleasedHoldView = t.type({ hold_id: t.string, certificate_id: t.string, order_id: t.string, amount: t.string, available_balance: t.string, status: t.literal('released') });

const notFound = (): DomainError => domainError('not_found', 'gcp.certificate_not_found', 'no such certificate');
const holdNotFound = (): DomainError => domainError('not_found', 'gcp.hold_not_found', 'no pending hold with this id placed by you on this certificate');
const actorOf = (principal: Principal) => `${principal.kind}:${principal.id}`;

/** A hold's id from who placed it and for which order: a retried hold is the same hold. */
export const holdIdOf = (principal: Principal, orderId: string): string => `h-${createHash('sha256').update(`${principal.kind}:${principal.id}\u0000${orderId}`).digest('hex').slice(0, 32)}`;

const ok = (status: number, body: unknown, headers?: Record<string, string>): Either<DomainError, RouteResult> => right({ status, body, ...(headers ? { headers } : {}) });

/**
 * One certificate's routes after issue: the CVC handed to the CRM once (G-4) and its delivery
 * reports, POS holds (G-5), lock / unlock by support (G-7), refund bank details (G-6). Every
 * decision goes through the certificate decisions port.
 */
export function certificateRoutes(deps: CertificateRouteDependencies): Route[] {
  const wrongCvcs = new TokenBucketLimiter({ capacity: CVC_ATTEMPTS_PER_MINUTE, refillPerSecond: CVC_ATTEMPTS_PER_MINUTE / 60, now: () => deps.clock.now().getTime(), maxKeys: 100_000 });

  /** The certificate's state, or 404 for an id that is no uuid or no issued certificate. */
  const issued = async (id: string): Promise<Either<DomainError, GiftCertificateState>> => {
    if (!UUID.test(id)) return left(notFound());
    const state = await deps.certificates.current(id.toLowerCase());
    return state.status === 'NONE' ? left(notFound()) : right(state);
  };
  const decide = async (certificateId: string, command: GiftCertificateCommand, correlationId: string): Promise<Either<DomainError, CertificateOutcome>> => {
    if (!UUID.test(certificateId)) return left(notFound());
    const outcome = await deps.certificates.decide({ certificateId: certificateId.toLowerCase(), command, correlationId });
    return outcome._tag === 'Left' && outcome.left.code === 'gcp.certificate_not_issued' ? left(notFound()) : outcome;
  };
  const statusAnswer = (id: string, outcome: Either<DomainError, CertificateOutcome>) => (outcome._tag === 'Left' ? outcome : ok(200, { certificate_id: id.toLowerCase(), status: outcome.right.state.status }));

  const notFoundAnswer = { 404: { description: 'gcp.certificate_not_found: no issued certificate with this id' } };

  return [
    defineRoute({
      method: 'get',
      path: '/certificates/:id/cvc',
      summary: 'Hand the certificate’s one-time CVC to the CRM, once per generation (G-4)',
      description:
        'Scope gcp:cvc (the CRM). The CVC is drawn now (six digits) and only its keyed hash (HMAC-SHA256 with GCP_CVC_SECRET) is kept: it is answered exactly once per CVC generation and never stored, logged or published. A second call is 409 gcp.cvc_already_handed_out; after a failed delivery (POST …/notifications {status: "failed"}) ask for a new one with POST …/actions/reissue-cvc. Never cached (Cache-Control: no-store).',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:cvc'] },
      idempotency: 'off',
      params: CertificateParams,
      responses: {
        200: { description: 'The CVC of this generation', schema: CvcView },
        403: { description: 'Without the scope gcp:cvc' },
        ...notFoundAnswer,
        409: { description: 'gcp.cvc_already_handed_out: this generation’s CVC was handed out before; gcp.certificate_locked; gcp.certificate_not_spendable (redeemed, refunded, expired)' },
        429: { description: 'gcp.busy: the certificate stayed contended; retry' },
      },
      handle: async ({ params, principal, correlationId }) => {
        const state = await issued(params.id);
        if (state._tag === 'Left') return state;
        const certificateId = params.id.toLowerCase();
        const generation = state.right.cvcGeneration;
        const cvc = drawCvc();
        const outcome = await decide(certificateId, { type: 'HandOutCvc', cvcHash: cvcHash(deps.settings.cvcSecret, certificateId, generation, cvc), now: deps.clock.now(), by: actorOf(principal) }, correlationId);
        if (outcome._tag === 'Left') return outcome;
        const handedOut = outcome.right.events.find((e) => e.type === 'CertificateCvcHandedOut');
        // a reissue between the read and the decision would bind this CVC to the wrong generation: never answer it then
        if (!handedOut || handedOut.data.cvcGeneration !== generation) return left(domainError('conflict', 'gcp.cvc_already_handed_out', 'the CVC of this certificate was already handed out; after a failed delivery, reissue it'));
        return ok(200, { certificate_id: certificateId, cvc, generation }, { 'Cache-Control': 'no-store' });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/certificates/:id/notifications',
      summary: 'The CRM reports the CVC’s delivery: sent or failed with a reason (G-4)',
      description: 'Scope gcp:cvc. `{status: "sent"}` → NOTIFICATION_SENT; `{status: "failed", reason}` → NOTIFICATION_FAILED (the reason is required). A repeat of the same report changes nothing.',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:cvc'] },
      params: CertificateParams,
      body: NotificationBody,
      responses: {
        200: { description: 'The certificate’s status after the report', schema: CertificateStatusView },
        400: { description: 'status is not sent or failed, or a failed delivery without a reason' },
        403: { description: 'Without the scope gcp:cvc' },
        ...notFoundAnswer,
        409: { description: 'gcp.cvc_not_handed_out: the CVC was not fetched yet; gcp.notification_not_expected: no delivery is awaited in this status' },
        429: { description: 'gcp.busy' },
      },
      handle: async ({ params, body, principal, correlationId }) => {
        if (body.status === 'failed' && body.reason === undefined) throw invalidInput([{ field: 'reason', in: 'body', message: 'is required when the delivery failed' }]);
        const outcome = await decide(params.id, { type: 'RecordNotification', outcome: body.status, ...(body.reason !== undefined ? { reason: body.reason.trim() } : {}), now: deps.clock.now(), by: actorOf(principal) }, correlationId);
        return statusAnswer(params.id, outcome);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/certificates/:id/actions/reissue-cvc',
      summary: 'After a failed delivery: a new CVC generation, to be fetched and delivered again (G-4)',
      description: 'Scope gcp:cvc. Only in NOTIFICATION_FAILED: the next generation starts (NOTIFICATION_REQUESTED), the next GET …/cvc hands out a new CVC and the old one stops working.',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:cvc'] },
      params: CertificateParams,
      responses: {
        200: { description: 'The certificate with its new CVC generation', schema: ReissueView },
        403: { description: 'Without the scope gcp:cvc' },
        ...notFoundAnswer,
        409: { description: 'gcp.reissue_not_allowed: the last delivery did not fail' },
        429: { description: 'gcp.busy' },
      },
      handle: async ({ params, principal, correlationId }) => {
        const outcome = await decide(params.id, { type: 'ReissueCvc', correlationId, now: deps.clock.now(), by: actorOf(principal) }, correlationId);
        if (outcome._tag === 'Left') return outcome;
        return ok(200, { certificate_id: params.id.toLowerCase(), status: outcome.right.state.status, generation: outcome.right.state.cvcGeneration });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/certificates/:id/redemptions',
      summary: 'A POS authorizes a redemption with the CVC: a pending hold (G-5)',
      description:
        `Scope gcp:redeem. The amount is set aside until the order's payment captures it or the hold is released (by the POS, or after GCP_HOLD_TTL_MINUTES). The hold id follows from the caller and order_id: a retry is the same hold (200 instead of 201); Idempotency-Key is not used (nothing of a request holding the CVC is stored). A wrong CVC is 403 gcp.wrong_cvc and counts: after GCP_MAX_CVC_FAILURES in a row the certificate is LOCKED ("too many CVC failures"); at most ${CVC_ATTEMPTS_PER_MINUTE} wrong CVCs a minute per certificate and instance, then 429 gcp.too_many_cvc_attempts with Retry-After.`,
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:redeem'] },
      // a retry is recognised by order_id; no Idempotency-Key record, whose request hash would be an unkeyed hash of a body holding the CVC
      idempotency: 'off',
      params: CertificateParams,
      body: HoldBody,
      responses: {
        200: { description: 'The same hold again (a retry)', schema: HoldView },
        201: { description: 'The hold, pending', schema: HoldView },
        400: { description: 'A malformed amount ("10.001", "-1", "0", a number), order_id or cvc (six digits)' },
        403: { description: 'gcp.wrong_cvc: the CVC does not match (the certificate locks after GCP_MAX_CVC_FAILURES); without the scope gcp:redeem' },
        ...notFoundAnswer,
        409: { description: 'gcp.insufficient_balance; gcp.certificate_locked; gcp.certificate_expired; gcp.certificate_not_spendable; gcp.order_already_redeemed' },
        422: { description: 'gcp.bad_amount' },
        429: { description: 'gcp.too_many_cvc_attempts (Retry-After); gcp.busy: the certificate stayed contended' },
      },
      handle: async ({ params, body, principal, correlationId }) => {
        const state = await issued(params.id);
        if (state._tag === 'Left') return state;
        const certificateId = params.id.toLowerCase();
        const holdId = holdIdOf(principal, body.order_id);
        const answer = (status: number, s: GiftCertificateState) => {
          const hold = s.holds.get(holdId)!;
          return ok(status, { hold_id: holdId, certificate_id: certificateId, order_id: hold.orderId, amount: fromMinorUnits(hold.amount), available_balance: fromMinorUnits(availableBalance(s)), held_until: hold.heldUntil, status: 'pending' });
        };
        if (state.right.holds.has(holdId)) return answer(200, state.right);
        if (state.right.redeemedOrders.has(body.order_id)) return left(domainError('conflict', 'gcp.order_already_redeemed', `order ${body.order_id} was already redeemed on this certificate`, 'order_id'));
        const hash = cvcHash(deps.settings.cvcSecret, certificateId, state.right.cvcGeneration, body.cvc);
        if (isWorking(state.right.status) && !sameCvcHash(state.right.cvcHash, hash)) {
          const allowed = wrongCvcs.take(certificateId);
          if (!allowed.allowed) return left(tooManyAttempts('gcp.too_many_cvc_attempts', 'too many wrong CVCs for this certificate; wait before trying again', allowed.retryAfterSeconds));
        }
        const now = deps.clock.now();
        const heldUntil = new Date(now.getTime() + deps.settings.holdTtlMinutes * 60_000).toISOString();
        const outcome = await decide(
          certificateId,
          { type: 'HoldRedemption', holdId, orderId: body.order_id, amount: body.amount, cvcHash: hash, heldUntil, maxCvcFailures: deps.settings.maxCvcFailures, now, by: actorOf(principal) },
          correlationId,
        );
        if (outcome._tag === 'Left') return outcome;
        const { events, state: after } = outcome.right;
        if (events.some((e) => e.type === 'CertificateCvcRejected')) {
          const locked = events.some((e) => e.type === 'CertificateLocked');
          return left(domainError('forbidden', 'gcp.wrong_cvc', locked ? 'the CVC does not match; the certificate is now locked: too many CVC failures' : 'the CVC does not match', 'cvc'));
        }
        if (!after.holds.has(holdId)) return left(domainError('conflict', 'gcp.certificate_not_spendable', 'the hold could not be placed; retry'));
        return answer(events.some((e) => e.type === 'RedemptionHeld') ? 201 : 200, after);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/certificates/:id/redemptions/:hold_id/release',
      summary: 'Release a pending hold (G-5): its amount can be spent again',
      description: 'Scope gcp:redeem; only the principal that placed the hold (admins any). A hold no longer pending (captured, released, timed out) is 404.',
      tags: ['gift-certificates'],
      auth: { scopes: ['gcp:redeem'] },
      params: HoldParams,
      responses: {
        200: { description: 'The released hold and the balance that can be spent now', schema: ReleasedHoldView },
        403: { description: 'Without the scope gcp:redeem' },
        404: { description: 'gcp.certificate_not_found; gcp.hold_not_found: no pending hold with this id placed by the caller' },
        429: { description: 'gcp.busy' },
      },
      handle: async ({ params, principal, correlationId }) => {
        const state = await issued(params.id);
        if (state._tag === 'Left') return state;
        if (!HOLD_ID.test(params.hold_id)) return left(holdNotFound());
        const hold = state.right.holds.get(params.hold_id);
        if (!hold || (!principal.roles.includes('admin') && holdIdOf(principal, hold.orderId) !== params.hold_id)) return left(holdNotFound());
        const certificateId = params.id.toLowerCase();
        const outcome = await decide(certificateId, { type: 'ReleaseHold', holdId: params.hold_id, reason: `released by ${actorOf(principal)}`, now: deps.clock.now(), by: actorOf(principal) }, correlationId);
        if (outcome._tag === 'Left') return outcome;
        if (!outcome.right.events.some((e) => e.type === 'RedemptionReleased')) return left(holdNotFound());
        return ok(200, { hold_id: params.hold_id, certificate_id: certificateId, order_id: hold.orderId, amount: fromMinorUnits(hold.amount), available_balance: fromMinorUnits(availableBalance(outcome.right.state)), status: 'released' });
      },
    }),
    ...(['lock', 'unlock'] as const).map((action) =>
      defineRoute({
        method: 'post',
        path: `/certificates/:id/actions/${action}`,
        summary: action === 'lock' ? 'Support locks a certificate with a reason (G-7): nothing can be redeemed or refunded' : 'Support unlocks a certificate (G-7): back to the status it had before the lock',
        description: `Role gift_support (or admin). The reason (1 to 500 characters) and who (user:<id>) are recorded in the certificate’s events (its audit).${action === 'unlock' ? ' Unlocking also forgives the wrong CVCs counted so far.' : ' Locking a locked certificate changes nothing.'}`,
        tags: ['gift-certificates'],
        auth: { roles: ['gift_support'] },
        params: CertificateParams,
        body: ReasonBody,
        responses: {
          200: { description: 'The certificate’s status after it', schema: CertificateStatusView },
          400: { description: 'reason is missing, empty or longer than 500 characters' },
          403: { description: 'Not support' },
          ...notFoundAnswer,
          409: { description: action === 'lock' ? 'gcp.certificate_closed: a redeemed, refunded or expired certificate' : 'gcp.not_locked' },
          429: { description: 'gcp.busy' },
        },
        handle: async ({ params, body, principal, correlationId }) => {
          const reason = body.reason.trim();
          const command: GiftCertificateCommand = action === 'lock' ? { type: 'LockCertificate', reason, now: deps.clock.now(), by: actorOf(principal) } : { type: 'UnlockCertificate', reason, now: deps.clock.now(), by: actorOf(principal) };
          return statusAnswer(params.id, await decide(params.id, command, correlationId));
        },
      }),
    ),
    defineRoute({
      method: 'post',
      path: '/certificates/:id/refund-details',
      summary: 'Supply the bank details a refund waits for (G-6): REFUND_PENDING_DETAILS → REFUND_PENDING',
      description:
        'Role gift_support or scope gcp:orders. `refund_id` names the refund (default: the certificate’s refund in progress). The bank details are personal data: kept only in a sealed field of the event (forgettable), never in read models, logs or published messages.',
      tags: ['gift-certificates'],
      auth: { roles: ['gift_support'], scopes: ['gcp:orders'] },
      params: CertificateParams,
      body: RefundDetailsBody,
      responses: {
        200: { description: 'The certificate’s status after it', schema: CertificateStatusView },
        400: { description: 'bank_details missing or malformed (account_number 20 digits, bik 9 digits, holder_name 1 to 200 characters)' },
        403: { description: 'Neither support nor the scope gcp:orders' },
        404: { description: 'gcp.certificate_not_found; gcp.refund_not_found: no such refund of this certificate' },
        409: { description: 'gcp.refund_details_not_awaited; gcp.certificate_locked' },
        429: { description: 'gcp.busy' },
      },
      handle: async ({ params, body, principal, correlationId }) => {
        const state = await issued(params.id);
        if (state._tag === 'Left') return state;
        const refundId = body.refund_id ?? state.right.refund?.refundId;
        if (refundId === undefined) return left(domainError('not_found', 'gcp.refund_not_found', 'no refund of this certificate is in progress', 'refund_id'));
        const { account_number, bik, holder_name } = body.bank_details;
        const bankDetails = JSON.stringify({ account_number, bik, holder_name: holder_name.trim() });
        return statusAnswer(params.id, await decide(params.id, { type: 'ProvideRefundDetails', refundId, bankDetails, now: deps.clock.now(), by: actorOf(principal) }, correlationId));
      },
    }),
  ];
}
