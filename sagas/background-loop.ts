import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Runs `round` again and again until stopped: at once while it reports more work, after
 * `idleMs` when it reports none, after `errorBackoffMs` when it throws (the error goes to
 * `onError`). `wake` cuts an idle wait short — or, when it comes during a round, has the next
 * round run at once (the round may have looked before the work it announces was there).
 * `stop` lets the round in progress finish.
 */
export class BackgroundLoop {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  /** Set by `wake`: the next wait is skipped (several wakes make one round). */
  private woken = false;
  /** Resolves the idle wait in progress, if any. */
  private interruptWait: (() => void) | undefined;

  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly idleMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly errorBackoffMs = 1000,
  ) {}

  start(): void {
    this.running ??= this.run();
  }

  /** There is work now (e.g. this process just stored some): look for it without waiting out `idleMs`. */
  wake(): void {
    this.woken = true;
    this.interruptWait?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        // each round starts on a turn of its own: I/O waiting meanwhile is served first (on PGlite
        // the statements run on this thread; rounds woken back to back would hold HTTP answers)
        await nextTurn();
        this.woken = false;
        if (!(await this.round())) await this.idle(this.idleMs, signal, true);
      } catch (error) {
        this.onError(error);
        // a failing round (the database away) is not hurried by wakes
        await this.idle(this.errorBackoffMs, signal, false);
      }
    }
  }

  /** Waits `ms`, less when stopped or (`wakeable`) woken — at once when a wake came during the round. */
  private idle(ms: number, signal: AbortSignal, wakeable: boolean): Promise<void> {
    if ((wakeable && this.woken) || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.interruptWait = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (wakeable) this.interruptWait = done;
    });
  }
}
