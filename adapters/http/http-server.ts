import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';

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

export async function startHttpServer(app: Express, port: number, host?: string): Promise<HttpServerHandle> {
  const server = createServer(app);
  const busy = new Map<Socket, number>();
  const responses = new Set<ServerResponse>();
  let draining = false;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    if (draining) res.setHeader('Connection', 'close');
    responses.add(res);
    res.on('close', () => {
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
