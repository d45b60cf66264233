import type { EventEmitter } from 'node:events';

/**
 * Resolves on the emitter's next `append`, after `timeoutMs`, or on abort — whichever comes
 * first; every listener it added is removed. What both logs' `waitForAppend` wait on (the
 * PostgreSQL log's NOTIFY, EventStoreDB's live subscription).
 */
export function nextAppend(appended: EventEmitter, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      appended.off('append', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    appended.once('append', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
