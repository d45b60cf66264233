import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP plumbing of the local stand-ins for outside systems (the payment sandbox, the cloud
 * cash register): read a request whole, hand it to the stand-in's router, write its reply — or
 * hold the connection (the "timeout" fault: carried out, the answer lost). Only plumbing: each
 * stand-in keeps its own protocol code (parsing, formatting, errors), so the real adapters are
 * still tested against code they do not share.
 */
export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Read whole (the stand-ins' bodies are small). */
  readonly body: string;
}

/** An answer, or `hang`: hold the connection longer than a client waits. */
export type StandInReply = { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body: string } | { readonly hang: true };

export const hang: StandInReply = { hang: true };

export interface StandInServerOptions {
  /** For the 500 a router's own failure answers ("sandbox failure: …"). */
  readonly name: string;
  readonly port: number;
  readonly host: string;
  /** How clients reach it when not http://host:port (a container). */
  readonly publicUrl?: string | undefined;
  /** Larger bodies are answered 413 (default: no limit). */
  readonly bodyLimitBytes?: number;
  /** How long a hung connection is held before a 504 when the client does not give up first (default 30 s). */
  readonly hangMs?: number;
}

export interface StandInServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveStandIn(options: StandInServerOptions, route: (request: StandInRequest) => StandInReply | Promise<StandInReply>): Promise<StandInServer> {
  const hangMs = options.hangMs ?? 30_000;
  const server = createServer((req, res) => void serve(req, res));

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (options.bodyLimitBytes !== undefined && size > options.bodyLimitBytes) {
          res.writeHead(413, { 'content-type': 'text/plain' }).end('Request Entity Too Large');
          return;
        }
        chunks.push(chunk as Buffer);
      }
      const target = new URL(req.url ?? '/', 'http://stand-in.local');
      let reply: StandInReply;
      try {
        reply = await route({ method: req.method ?? 'GET', path: target.pathname, query: target.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      } catch (error) {
        if (!(error instanceof URIError)) throw error;
        reply = { status: 400, headers: { 'content-type': 'text/plain' }, body: 'Bad path' };
      }
      if ('hang' in reply) {
        const timer = setTimeout(() => {
          if (!res.headersSent) res.writeHead(504, { 'content-type': 'text/plain' }).end('Gateway Timeout');
        }, hangMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {}).end(reply.body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`${options.name} failure: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host;
  return {
    url: options.publicUrl?.replace(/\/+$/, '') ?? `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
