import { delay } from '../platform/delay.js';

/**
 * Runs `round` again and again until stopped: at once while it reports more work, after
 * `idleMs` when it reports none, after `errorBackoffMs` when it throws (the error goes to
 * `onError`). `stop` lets the round in progress finish.
 */
export class BackgroundLoop {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly idleMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly errorBackoffMs = 1000,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (!(await this.round())) await delay(this.idleMs, signal);
      } catch (error) {
        this.onError(error);
        await delay(this.errorBackoffMs, signal);
      }
    }
  }
}
