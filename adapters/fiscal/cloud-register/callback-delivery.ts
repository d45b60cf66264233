/** One callback attempt and what came back (status 0: no HTTP answer; reply: the error). */
export interface CallbackAttempt {
  readonly uuid: string;
  readonly url: string;
  readonly status: number;
  readonly reply: string;
}

export interface CallbackPace {
  /** Attempts in all, the first included (default 3). */
  readonly attempts: number;
  /** Delay before the second attempt, doubling after (default 500 ms). */
  readonly firstRetryMs: number;
}

/**
 * Posts a completed document's report to its callback_url — best effort, as ATOL does: a few
 * attempts until a 2xx, then the shop has to poll. The bodies are the report documents (no
 * signature: ATOL documents none).
 */
export class CallbackDelivery {
  private readonly attempts: CallbackAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly pace: CallbackPace) {}

  get log(): readonly CallbackAttempt[] {
    return [...this.attempts];
  }

  send(uuid: string, url: string, document: unknown): void {
    void this.attempt(uuid, url, JSON.stringify(document), 1, this.pace.firstRetryMs);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(uuid: string, url: string, body: string, number: number, delayMs: number): Promise<void> {
    if (this.stopped) return;
    let status = 0;
    let reply = '';
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'ledgerline-cloud-register' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      reply = (await response.text()).slice(0, 500);
    } catch (error) {
      reply = error instanceof Error ? error.message : String(error);
    }
    this.attempts.push({ uuid, url, status, reply });
    if ((status >= 200 && status < 300) || number >= this.pace.attempts || this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(uuid, url, body, number + 1, delayMs * 2);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }
}
