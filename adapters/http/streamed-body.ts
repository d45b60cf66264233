import type { Response } from 'express';
import { contextOf } from './request-context.js';
import type { StreamedBody } from './route.js';

/**
 * Send a streamed body (status and headers already set on `res`): headers go at once, each
 * chunk is written as it comes (a write waits while the socket's buffer is full, so a slow
 * client holds back its own stream, not the process's memory), and the response ends when
 * the body returns. The client going away aborts the body's signal. A body that throws after
 * the headers went out can only cut the connection; it is logged.
 */
export function sendStreamed(res: Response, body: StreamedBody): void {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  res.flushHeaders();
  const write = (chunk: string): Promise<void> =>
    new Promise((resolve) => {
      if (gone.signal.aborted || res.writableEnded) return resolve();
      if (res.write(chunk, 'utf8')) return resolve();
      const done = () => {
        res.off('drain', done);
        gone.signal.removeEventListener('abort', done);
        resolve();
      };
      res.once('drain', done);
      gone.signal.addEventListener('abort', done, { once: true });
    });
  body({ write, signal: gone.signal }).then(
    () => {
      res.off('close', onClose);
      if (!res.writableEnded) res.end();
    },
    (error: unknown) => {
      res.off('close', onClose);
      contextOf(res).log.error({ err: error }, 'streamed response failed');
      res.destroy();
    },
  );
}
