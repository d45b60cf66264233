import { createHmac } from 'node:crypto';

export interface CallbackDelivery {
  readonly url: string;
  readonly body: unknown;
  /** Sent as `Idempotency-Key`: the receiver can recognise a repeat. */
  readonly idempotencyKey: string;
}

export interface CallbackResponse {
  readonly status: number;
}

/** Thrown for a non-2xx answer or a network failure: the outbox retries it. */
export class CallbackRefused extends Error {
  override readonly name = 'CallbackRefused';
  constructor(readonly status: number | null, message: string) {
    super(message);
  }
}

/**
 * POSTs a JSON callback signed with HMAC-SHA256 over `<timestamp>.<body>`:
 * headers `X-Ledgerline-Timestamp` (unix seconds) and `X-Ledgerline-Signature: sha256=<hex>`.
 * A receiver recomputes the HMAC with the shared secret and rejects stale timestamps.
 */
export async function deliverSignedCallback(delivery: CallbackDelivery, secret: string, now: Date, timeoutMs = 10_000): Promise<CallbackResponse> {
  const body = JSON.stringify(delivery.body);
  const timestamp = Math.floor(now.getTime() / 1000).toString();
  const signature = signCallback(secret, timestamp, body);
  let response: Response;
  try {
    response = await fetch(delivery.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': delivery.idempotencyKey,
        'X-Ledgerline-Timestamp': timestamp,
        'X-Ledgerline-Signature': `sha256=${signature}`,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    throw new CallbackRefused(null, `callback to ${new URL(delivery.url).origin} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status >= 300) {
    throw new CallbackRefused(response.status, `callback to ${new URL(delivery.url).origin} answered ${response.status}`);
  }
  return { status: response.status };
}

export function signCallback(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
