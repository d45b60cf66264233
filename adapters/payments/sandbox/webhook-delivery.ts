/** One notification attempt and the reply it got (status 0: no HTTP answer; reply: the error). */
export interface DeliveryAttempt {
  readonly provider: string;
  readonly url: string;
  readonly body: unknown;
  readonly status: number;
  readonly reply: string;
}

export interface DeliveryOptions {
  /** Delay before the first redelivery; each next one waits twice as long (capped at one minute). */
  readonly firstRetryMs: number;
  /** Attempts in all, the first included. */
  readonly attempts: number;
}

/** Whether the receiver took the notification (YooKassa: HTTP 200; T-Bank: HTTP 200 and the body exactly `OK`). */
export type Acceptance = (status: number, reply: string) => boolean;

/**
 * Posts the providers' notifications as JSON and redelivers them until accepted, as the providers
 * do (real YooKassa retries for 24 h, T-Bank hourly for 24 h; here the pace is configurable).
 */
export class WebhookDelivery {
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly options: DeliveryOptions) {}

  get log(): readonly DeliveryAttempt[] {
    return [...this.attempts];
  }

  /** The first attempt is awaited; redeliveries, if needed, follow in the background. */
  async send(provider: string, url: string, body: unknown, accepted: Acceptance): Promise<void> {
    await this.attempt(provider, url, body, accepted, 1, this.options.firstRetryMs);
  }

  /** One more attempt, no redelivery (the sandbox's `redeliver` control). */
  async once(provider: string, url: string, body: unknown): Promise<DeliveryAttempt> {
    return this.post(provider, url, body);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(provider: string, url: string, body: unknown, accepted: Acceptance, number: number, nextDelayMs: number): Promise<void> {
    if (this.stopped) return;
    const outcome = await this.post(provider, url, body);
    if (accepted(outcome.status, outcome.reply) || number >= this.options.attempts || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(provider, url, body, accepted, number + 1, Math.min(nextDelayMs * 2, 60_000));
    }, nextDelayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async post(provider: string, url: string, body: unknown): Promise<DeliveryAttempt> {
    let status = 0;
    let reply: string;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `ledgerline-payment-sandbox (${provider})` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      reply = await response.text();
    } catch (err) {
      reply = err instanceof Error ? err.message : String(err);
    }
    const attempt: DeliveryAttempt = { provider, url, body, status, reply };
    this.attempts.push(attempt);
    return attempt;
  }
}
