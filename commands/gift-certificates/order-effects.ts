import type { Either } from 'fp-ts/Either';
import type { DomainError } from '../../domain/decider.js';
import { decodeEvent } from '../../domain/event-decoding.js';
import { ChannelMessageEvent } from '../../domain/gift-certificates/channel-messages.js';
import { streamOfPool } from '../../domain/gift-certificates/certificate-pool.js';
import { streamOfCertificate, type GiftCertificateCommand } from '../../domain/gift-certificates/gift-certificate.js';
import { fromMinorUnits, toMinorUnits } from '../../domain/money.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import type { CertificateOutcome } from './certificate-decisions.js';
import type { GcpDependencies } from './gcp-dependencies.js';
import {
  CompleteRefundForOrder,
  IssueCertificateForOrder,
  RedeemForOrder,
  ReleaseHoldOfVoidedOrder,
  RequestRefundForOrder,
  refundIdOfOrder,
} from './order-effect-kinds.js';

const BY = 'system:gcp-order-matching';

const money = (m: { amount: string; currency: string }) => `${fromMinorUnits(toMinorUnits(m.amount))} ${m.currency}`;
const sameMoney = (a: { amount: string; currency: string }, b: { amount: string; currency: string }) => a.currency === b.currency && toMinorUnits(a.amount) === toMinorUnits(b.amount);

/** Contention (gcp.busy) is worth a retry; any other refusal is an answer. */
const retryIfBusy = <T>(outcome: Either<DomainError, T>): Either<DomainError, T> => {
  if (outcome._tag === 'Left' && outcome.left.kind === 'rate_limited') throw new Error(outcome.left.message);
  return outcome;
};

/**
 * How the order-matching saga's effects are performed (G-3, G-5, G-6). Every handler is
 * idempotent: the pool and certificate deciders ignore what already happened (an issue for the
 * same order, a redeemed order, the same refund id), each command is stamped with the saga's
 * `decidedAt`, and a retried refusal first looks whether the ledger already has it.
 */
export function orderEffectHandlers(deps: GcpDependencies): EffectPerformer[] {
  const log = deps.system.logger;
  const decideCertificate = async (certificateId: string, command: GiftCertificateCommand, correlationId: string) =>
    retryIfBusy(await deps.certificates.decide({ certificateId, command, correlationId }));

  /**
   * On a retry (the outbox hands an effect again after a failure or a crash), whether the ledger
   * already holds this order's outcome: refusals are not remembered by the decider, so a retried
   * refusal would otherwise be recorded twice. First tries skip the read (the hot path).
   */
  const alreadyRecorded = async (attempt: number, certificateId: string, orderId: string, types: readonly string[]) => {
    if (attempt <= 1) return false;
    const ledger = await deps.system.store.readStream(streamOfCertificate(certificateId));
    return ledger.some((e) => types.includes(e.type) && (e.data as { orderId?: string }).orderId === orderId);
  };

  /** The refund of a refund order is requested (once): the bank details come from the order's own (sealed) message. */
  const ensureRefundRequested = async (p: { orderId: string; certificateId: string; orderStream: string; correlationId: string }, now: Date): Promise<Either<DomainError, CertificateOutcome>> => {
    const recorded = await deps.system.store.readStream(p.orderStream);
    const order = recorded.map((e) => decodeEvent(ChannelMessageEvent, e)).find((e) => e.type === 'SalesOrderReceived');
    if (!order || order.type !== 'SalesOrderReceived') throw new PermanentEffectFailure(`the order message ${p.orderStream} is not recorded`);
    return decideCertificate(p.certificateId, { type: 'RequestRefund', refundId: refundIdOfOrder(p.orderId), orderId: p.orderId, bankDetails: order.data.bankDetails, now, by: BY }, p.correlationId);
  };

  return [
    performs(IssueCertificateForOrder, async (p, { attempt }) => {
      const now = new Date(p.decidedAt);
      const refuse = async (reason: string) => {
        if (await alreadyRecorded(attempt, p.certificateId, p.orderId, ['CertificateIssueRefused'])) return;
        await decideCertificate(p.certificateId, { type: 'RefuseIssue', orderId: p.orderId, reason, now, by: BY }, p.correlationId);
        log.info({ orderId: p.orderId, certificateId: p.certificateId, reason }, 'gift certificate not issued');
      };
      const certificate = await deps.poolQueries.byId(p.certificateId);
      if (!certificate) throw new PermanentEffectFailure(`certificate ${p.certificateId} is not in the pool`);
      const nominal = { amount: certificate.nominal, currency: certificate.currency };
      if (!sameMoney(p.payment, p.order)) return refuse(`payment ${money(p.payment)} differs from order ${money(p.order)}`);
      if (!sameMoney(p.order, nominal)) return refuse(`order ${money(p.order)} differs from the certificate's nominal ${money(nominal)}`);
      const confirmed = retryIfBusy(
        await deps.pool.decide({ stream: streamOfPool(certificate.nominal, certificate.currency), command: { type: 'ConfirmReservation', certificateId: p.certificateId, channel: p.channel, now }, correlationId: p.correlationId, actor: BY }),
      );
      if (confirmed._tag === 'Left') return refuse(confirmed.left.message);
      const issued = await decideCertificate(
        p.certificateId,
        {
          type: 'IssueCertificate',
          certificateId: p.certificateId,
          number: certificate.number,
          nominal: certificate.nominal,
          currency: certificate.currency,
          channel: p.channel,
          expiresAt: new Date(certificate.expires_at).toISOString(),
          orderId: p.orderId,
          paymentId: p.paymentId,
          clientId: p.clientId,
          // the channel names it with a purchase (the ingestion requires it); e-mail otherwise
          notificationChannel: p.notificationChannel ?? 'email',
          correlationId: p.correlationId,
          now,
          by: BY,
        },
        p.correlationId,
      );
      if (issued._tag === 'Left') {
        // issued already for another order: that sale stands, this one is support's to look at
        log.warn({ orderId: p.orderId, certificateId: p.certificateId, code: issued.left.code }, `gift certificate not issued: ${issued.left.message}`);
      }
    }),

    performs(RedeemForOrder, async (p, { attempt }) => {
      const now = new Date(p.decidedAt);
      if (await alreadyRecorded(attempt, p.certificateId, p.orderId, ['CertificateRedeemed', 'RedemptionRefused'])) return;
      // the currency from the pool read model (one row), not the whole ledger: the ledger decides the rest
      const certificate = await deps.poolQueries.byId(p.certificateId);
      let command: GiftCertificateCommand;
      if (!sameMoney(p.payment, p.order)) command = { type: 'RefuseRedemption', orderId: p.orderId, amount: p.order.amount, reason: `payment ${money(p.payment)} differs from order ${money(p.order)}`, now, by: BY };
      else if (certificate && certificate.currency !== p.order.currency)
        command = { type: 'RefuseRedemption', orderId: p.orderId, amount: p.order.amount, reason: `order ${money(p.order)} is not in the certificate's currency ${certificate.currency}`, now, by: BY };
      else command = { type: 'RedeemCertificate', orderId: p.orderId, paymentId: p.paymentId, amount: p.order.amount, now, by: BY };
      const outcome = await decideCertificate(p.certificateId, command, p.correlationId);
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`redemption of order ${p.orderId} refused: ${outcome.left.message}`);
    }),

    performs(ReleaseHoldOfVoidedOrder, async (p) => {
      const current = await deps.certificates.current(p.certificateId);
      const hold = [...current.holds.values()].find((h) => h.orderId === p.orderId);
      if (!hold) return;
      await decideCertificate(p.certificateId, { type: 'ReleaseHold', holdId: hold.holdId, reason: 'payment voided', now: new Date(p.decidedAt), by: BY }, p.correlationId);
    }),

    performs(RequestRefundForOrder, async (p) => {
      const outcome = await ensureRefundRequested(p, new Date(p.decidedAt));
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`refund of order ${p.orderId} refused: ${outcome.left.message}`);
    }),

    performs(CompleteRefundForOrder, async (p) => {
      const now = new Date(p.decidedAt);
      const requested = await ensureRefundRequested(p, now);
      if (requested._tag === 'Left' && requested.left.code !== 'gcp.refund_in_progress') throw new PermanentEffectFailure(`refund of order ${p.orderId} refused: ${requested.left.message}`);
      const outcome = await decideCertificate(p.certificateId, { type: 'CompleteRefund', refundId: refundIdOfOrder(p.orderId), paymentId: p.paymentId, amount: p.payment.amount, now, by: BY }, p.correlationId);
      if (outcome._tag === 'Left') throw new PermanentEffectFailure(`refund payment ${p.paymentId} of order ${p.orderId} not recorded: ${outcome.left.message}`);
    }),
  ];
}
