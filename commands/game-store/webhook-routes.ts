import { BlockList, isIP } from 'node:net';
import { isLeft, left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { HttpProblem } from '../../adapters/http/problem.js';
import { TokenBucketLimiter } from '../../adapters/http/rate-limiter.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import type { Logger } from '../../adapters/observability/logger.js';
import { decideTransaction, loadTransaction, observationOf, type PaymentTransactionDesk } from './payment-transaction-commands.js';
import { ProviderUnavailable, type PaymentProvider, type ProviderName } from './ports/payment-provider.js';

export interface WebhookRouteDependencies {
  readonly desk: PaymentTransactionDesk;
  /** Addresses / CIDR ranges YooKassa notifications may come from (the published ones; loopback with the sandbox). */
  readonly yookassaSources: readonly string[];
  /** Notifications per second one source address may send (a burst of twice that). */
  readonly perAddressPerSecond?: number;
}

/** A BlockList of "a.b.c.d", "a.b.c.d/n", "x::/n" (an IPv4 range also matches its IPv4-mapped IPv6 form). */
export function addressRanges(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(address) === 0) throw new Error(`not an address or range: ${entry}`);
    const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
    list.addSubnet(address, prefix, family);
  }
  return list;
}

function sourceAllowed(ranges: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return ranges.check(mapped[1]!, 'ipv4') || ranges.check(ip, 'ipv6');
  const family = isIP(ip);
  if (family === 0) return false;
  return ranges.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

const Acknowledged = t.string;

/**
 * P-4: the providers' notifications. YooKassa signs nothing: a notification is accepted only
 * from its published address ranges, and then only what a re-fetch of the payment says is
 * acted on. T-Bank's are signed: Token and TerminalKey are checked, the amount against the
 * transaction, and the answer is exactly `OK`. Either way the transaction decides: the same
 * notification a hundred times changes it once, and a late or out-of-order one never moves
 * it backwards. Junk is a 4xx, never a 500; a flood from one address is a 429.
 */
export function webhookRoutes(deps: WebhookRouteDependencies): Route[] {
  const ranges = addressRanges(deps.yookassaSources);
  const perSecond = deps.perAddressPerSecond ?? 200;
  const limiter = new TokenBucketLimiter({ capacity: perSecond * 2, refillPerSecond: perSecond });

  const handle = async (name: ProviderName, body: unknown, clientIp: string, correlationId: string, log: Logger) => {
    const taken = limiter.take(`${name}:${clientIp}`);
    if (!taken.allowed) throw new HttpProblem(429, 'webhook.rate_limited', 'too many notifications from this address', { headers: { 'Retry-After': String(taken.retryAfterSeconds) } });
    const provider: PaymentProvider | undefined = deps.desk.providers.get(name);
    if (!provider) throw new HttpProblem(404, 'webhook.unknown_provider', `${name} is not configured here`);
    if (name === 'yookassa' && !sourceAllowed(ranges, clientIp)) {
      log.warn({ provider: name, source: clientIp }, 'a notification from outside the provider’s address ranges was refused');
      throw new HttpProblem(403, 'webhook.source_refused', 'notifications are accepted only from the provider’s published addresses');
    }
    let verdict;
    try {
      verdict = await provider.verifyNotification({ body });
    } catch (error) {
      if (error instanceof ProviderUnavailable) throw new HttpProblem(503, 'webhook.provider_unavailable', 'the payment could not be re-fetched from the provider: send it again later', { headers: { 'Retry-After': '60' } });
      throw error;
    }
    if (verdict.kind === 'refused') {
      log.warn({ provider: name, source: clientIp, reason: verdict.reason }, 'a notification was refused');
      throw new HttpProblem(verdict.status, 'webhook.refused', verdict.reason);
    }
    const reply = { status: provider.notificationReply.status, body: provider.notificationReply.body, headers: { 'Content-Type': provider.notificationReply.contentType } };
    if (verdict.kind === 'ignored') return right(reply);
    const payment = verdict.payment;
    const transactionId = payment.transactionId;
    const known = transactionId === undefined ? undefined : await loadTransaction(deps.desk, transactionId);
    if (transactionId === undefined || !known || known.status === 'none' || known.provider !== name) {
      // authentic, but not a payment of ours (another shop's integration on the same account): acknowledged, nothing changes
      log.warn({ provider: name, providerPaymentId: payment.providerPaymentId }, 'a notification about a payment no transaction knows');
      return right(reply);
    }
    const outcome = await decideTransaction(
      deps.desk,
      transactionId,
      { type: 'ObservePayment', payment: observationOf(payment), source: 'webhook', at: deps.desk.clock.now().toISOString() },
      { correlationId, actor: `provider:${name}` },
    );
    if (isLeft(outcome)) {
      log.error({ provider: name, transactionId, code: outcome.left.code }, 'a notification disagrees with its transaction');
      return left(outcome.left);
    }
    return right(reply);
  };

  const declaration = (name: ProviderName, summary: string, description: string) =>
    defineRoute({
      method: 'post',
      path: `/webhooks/${name}`,
      summary,
      description,
      tags: ['game-store', 'webhooks'],
      auth: 'public',
      idempotency: 'off',
      body: t.unknown,
      responses: {
        200: name === 'tbank' ? { description: 'Handled: exactly `OK`', contentType: 'text/plain', schema: Acknowledged } : { description: 'Handled', schema: t.UnknownRecord },
        400: { description: 'Not a notification of this provider' },
        403: { description: 'Forged, tampered with, or from outside the provider’s addresses' },
        422: { description: 'Authentic, but its amount disagrees with the transaction (nothing changed)' },
        429: { description: 'Too many notifications from this address' },
        503: { description: 'The payment could not be re-fetched: the provider sends it again' },
      },
      handle: async ({ body, clientIp, correlationId, log }) => handle(name, body, clientIp, correlationId, log),
    });

  return [
    declaration(
      'yookassa',
      'YooKassa notifications (payment.succeeded, payment.canceled, payment.waiting_for_capture, refund.succeeded)',
      'Accepted only from YooKassa’s address ranges (YOOKASSA_WEBHOOK_SOURCES; behind a proxy only with TRUSTED_PROXIES); the payment is then re-fetched and only what YooKassa answers is acted on.',
    ),
    declaration('tbank', 'T-Bank notifications (AUTHORIZED, CONFIRMED, REJECTED, REFUNDED …)', 'The Token signature, the TerminalKey and the amount are checked; answered exactly `OK`.'),
  ];
}
