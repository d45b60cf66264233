import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problemType, titleOf } from './problem.js';

/** How long a client may take to send a request (slow-loris protection). */
export interface RequestTimeouts {
  /** All headers must arrive within this (Node's `headersTimeout`). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (Node's `requestTimeout`). */
  readonly requestTimeoutMs: number;
  /** After `slowBodyGraceMs`, a body arriving slower than this on average is cut with 408. */
  readonly minBodyBytesPerSecond: number;
  readonly slowBodyGraceMs: number;
  /**
   * How long an idle keep-alive connection stays open (Node's `keepAliveTimeout`, 5 s by
   * default). Behind a load balancer it must outlast the balancer's own idle timeout (60 s on
   * the usual ones), or the balancer sends a request down a socket the server is closing and
   * answers 502.
   */
  readonly keepAliveTimeoutMs?: number;
}

/** Outlasts the 60 s idle timeout of common load balancers (see `keepAliveTimeoutMs`). */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

export const DEFAULT_REQUEST_TIMEOUTS: RequestTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  minBodyBytesPerSecond: 1024,
  slowBodyGraceMs: 5_000,
  keepAliveTimeoutMs: DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
};

export interface HttpServerHandle {
  readonly server: Server;
  /** The bound port (useful when started on port 0). */
  readonly port: number;
  readonly url: string;
  /**
   * Graceful shutdown: stop accepting connections, let in-flight requests finish (their
   * responses carry `Connection: close`), close idle keep-alive sockets, and after `graceMs`
   * cut whatever is left. Resolves when the server is closed.
   */
  close(graceMs?: number): Promise<void>;
}

export async function startHttpServer(
  /** The Express app, or a listener that hands over to it later (the start, adapters/app/startup-progress.ts). */
  app: RequestListener,
  port: number,
  host?: string,
  timeouts: RequestTimeouts = DEFAULT_REQUEST_TIMEOUTS,
): Promise<HttpServerHandle> {
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      // Node checks both timeouts on this interval (30 s by default, longer than our limits).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersTimeoutMs / 4))),
    },
    app,
  );
  server.on('clientError', answerClientError);
  const busy = new Map<Socket, number>();
  const responses = new Set<ServerResponse>();
  let draining = false;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    if (draining) res.setHeader('Connection', 'close');
    responses.add(res);
    const watch = watchBodyRate(req, res, timeouts);
    res.on('close', () => {
      if (watch) clearInterval(watch);
      responses.delete(res);
      const left = (busy.get(socket) ?? 1) - 1;
      if (left > 0) busy.set(socket, left);
      else {
        busy.delete(socket);
        if (draining) socket.end();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address === '::' ? '::1' : address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;

  let closing: Promise<void> | undefined;
  return {
    server,
    port: address.port,
    url: `http://${shownHost}:${address.port}`,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve, reject) => {
        draining = true;
        for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close((error) => {
          clearTimeout(timer);
          if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * Cut a body trickled slower than `minBodyBytesPerSecond` (averaged from the request's start,
 * once `slowBodyGraceMs` has passed) with 408. Reads the socket's byte count, so the body
 * stream is left to whoever parses it.
 */
function watchBodyRate(req: IncomingMessage, res: ServerResponse, timeouts: RequestTimeouts): NodeJS.Timeout | undefined {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (!hasBody || timeouts.minBodyBytesPerSecond <= 0) return undefined;
  const socket = req.socket;
  const started = Date.now();
  const startBytes = socket.bytesRead;
  const timer = setInterval(() => {
    if (req.complete || socket.destroyed) return clearInterval(timer);
    const elapsedMs = Date.now() - started;
    if (elapsedMs < timeouts.slowBodyGraceMs) return;
    const rate = ((socket.bytesRead - startBytes) * 1000) / elapsedMs;
    if (rate >= timeouts.minBodyBytesPerSecond) return;
    clearInterval(timer);
    if (!res.headersSent) {
      const body = problemBody(408, 'request.too_slow', `The request body arrived slower than ${timeouts.minBodyBytesPerSecond} bytes per second`);
      res.writeHead(408, { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body), Connection: 'close', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
      res.end(body);
    }
    setTimeout(() => socket.destroy(), 100).unref();
  }, Math.min(1000, Math.max(50, Math.floor(timeouts.slowBodyGraceMs / 5))));
  timer.unref();
  return timer;
}

function problemBody(status: number, code: string, detail: string): string {
  return JSON.stringify({ type: problemType(code), title: titleOf(status), status, detail, code, correlationId: randomUUID() });
}

/** What Node's parser refused before express saw the request, as a problem. */
const CLIENT_ERRORS: Record<string, readonly [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request.headers_too_large', 'The request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request.timeout', 'The request did not arrive in time'],
  HPE_HEADERS_TIMEOUT: [408, 'request.timeout', 'The request headers did not arrive in time'],
  HPE_INVALID_CONTENT_LENGTH: [400, 'request.bad_content_length', 'The Content-Length header is not valid'],
  HPE_UNEXPECTED_CONTENT_LENGTH: [400, 'request.bad_content_length', 'Content-Length and Transfer-Encoding must not both be sent'],
  HPE_INVALID_TRANSFER_ENCODING: [400, 'request.bad_transfer_encoding', 'The Transfer-Encoding header is not valid'],
  HPE_INVALID_URL: [400, 'request.bad_target', 'The request target is not a valid URL path (only ASCII is allowed; percent-encode the rest)'],
  HPE_INVALID_METHOD: [400, 'request.bad_method', 'The request method is not valid'],
  HPE_INVALID_HEADER_TOKEN: [400, 'request.bad_header', 'A request header is not valid'],
  HPE_INVALID_VERSION: [400, 'request.bad_version', 'The HTTP version is not valid'],
};

/**
 * Node's early answers (oversized headers, a bad Content-Length, a non-ASCII target, a
 * timeout …) as problem+json instead of its bare status lines. Nothing of the request is echoed.
 */
function answerClientError(error: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Socket): void {
  if (socket.destroyed) return;
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'request.unreadable', 'The request could not be read as HTTP'];
  const body = problemBody(status, code, detail);
  socket.end(
    `HTTP/1.1 ${status} ${titleOf(status)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
