import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { OptimisticCertificateDecisions } from '../../../commands/gift-certificates/certificate-decisions.js';
import { BatchingPoolDecisions } from '../../../commands/gift-certificates/certificate-reserver.js';
import { streamOfPool } from '../../../domain/gift-certificates/certificate-pool.js';
import type { GiftCertificateCommand } from '../../../domain/gift-certificates/gift-certificate.js';
import { channel, loadedBatch, operator } from './gcp-harness.js';

type WithoutStamp<C> = C extends unknown ? Omit<C, 'now' | 'by'> : never;

/**
 * Given an issued certificate, before the channels' message routes issue it: reserve one over
 * HTTP, confirm the reservation on the pool and decide IssueCertificate through certificate
 * decisions built on the system's store (what the order/payment saga will do).
 */
export function certificateGiven(system: RunningSystem & { api: string }) {
  const certificates = new OptimisticCertificateDecisions(system.dependencies.store);
  const pool = new BatchingPoolDecisions(system.dependencies.store);
  const loaded = new Set<string>();

  async function issued(options: { nominal?: string; currency?: string; validDays?: number } = {}): Promise<{ id: string; number: string; nominal: string; expiresAt: string }> {
    const nominal = options.nominal ?? '1000.00';
    const currency = options.currency ?? 'RUB';
    const validDays = options.validDays ?? 365;
    const batch = `given-${currency}-${nominal}-${validDays}`.replace(/[^A-Za-z0-9._:-]/g, '-');
    if (!loaded.has(batch)) {
      await loadedBatch(system.api, await operator(), { batch_id: batch, count: 200, nominal, currency, valid_days: validDays });
      loaded.add(batch);
    }
    const web = await channel('web-shop');
    const reserved = await request(system.api).get('/certificates/next').query({ channel: 'web', nominal, currency, request_id: randomUUID() }).set('Authorization', web).expect(200);
    const now = system.dependencies.clock.now();
    const confirmed = await pool.decide({ stream: streamOfPool(reserved.body.nominal, currency), command: { type: 'ConfirmReservation', certificateId: reserved.body.id, channel: 'web', now }, actor: 'system:test' });
    assert.equal(confirmed._tag, 'Right', confirmed._tag === 'Left' ? confirmed.left.message : '');
    const outcome = await certificates.decide({
      certificateId: reserved.body.id,
      command: {
        type: 'IssueCertificate',
        certificateId: reserved.body.id,
        number: reserved.body.number,
        nominal: reserved.body.nominal,
        currency,
        channel: 'web',
        expiresAt: reserved.body.expires_at,
        orderId: `order-${reserved.body.id}`,
        paymentId: `payment-${reserved.body.id}`,
        clientId: null,
        notificationChannel: 'email',
        correlationId: randomUUID(),
        now,
        by: 'system:test',
      },
    });
    assert.equal(outcome._tag, 'Right', outcome._tag === 'Left' ? outcome.left.message : '');
    return { id: reserved.body.id, number: reserved.body.number, nominal: reserved.body.nominal, expiresAt: reserved.body.expires_at };
  }

  /** Decide a command on a certificate (a capture by the payment, a refund request …) as the message saga would. */
  async function decide(certificateId: string, command: WithoutStamp<GiftCertificateCommand>) {
    const outcome = await certificates.decide({ certificateId, command: { ...command, now: system.dependencies.clock.now(), by: 'system:test' } as GiftCertificateCommand });
    assert.equal(outcome._tag, 'Right', outcome._tag === 'Left' ? outcome.left.message : '');
    return outcome._tag === 'Right' ? outcome.right : assert.fail();
  }

  return { issued, decide, certificates };
}
