import { delay } from '../../platform/delay.js';
import type { EventStore, Position, RecordedEvent, Subscription, SubscriptionOptions } from './event-store.js';
import { START } from './event-store.js';

const PAGE = 500;

/**
 * Catch-up then live subscription over `readAll`: pages are read from the last checkpoint,
 * and when the log is drained the loop waits for an append hint (or a poll interval).
 * Correctness rests on `readAll` never returning an event past one not yet readable.
 */
export function subscribeByPolling(
  store: Pick<EventStore, 'readAll' | 'waitForAppend'>,
  handler: (event: RecordedEvent) => Promise<void>,
  options: SubscriptionOptions = {},
  pollMs = 100,
): Subscription {
  const abort = new AbortController();
  let from: Position = options.from ?? START;
  let caughtUp = false;
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        const page = await store.readAll(from, { limit: PAGE, filter: options.filter });
        for (const event of page.events) {
          if (abort.signal.aborted) return;
          await handler(event);
          from = event.position;
        }
        from = page.checkpoint;
        if (page.events.length < PAGE) {
          if (!caughtUp) {
            caughtUp = true;
            options.onCaughtUp?.();
          }
          await store.waitForAppend(pollMs, abort.signal);
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        options.onError?.(error);
        await delay(pollMs * 5, abort.signal);
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
