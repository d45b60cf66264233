import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { httpPointsService } from '../../../adapters/points/http-points-service.js';
import { localPointsService, pointsLedger } from '../../../commands/rewards/points-ledger.js';
import { PointsRefusal, PointsUnavailable, type PointsCredit } from '../../../commands/rewards/ports/points-service.js';
import { systemClock } from '../../../platform/clock.js';
import { aService, startConnect, type ConnectSystem } from '../../commands/rewards/rewards-harness.js';
import { openTestDatabase } from '../../support/test-database.js';
import { pointsServiceContract, type PointsServiceSubject } from './points-service.contract.js';

const bare = (header: string) => header.replace(/^Bearer /, '');

describe('Points service: the HTTP adapter (issue 14, item 6)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: ConnectSystem;
  let reader: string;
  let overHttp: PointsServiceSubject;
  let inProcess: PointsServiceSubject;

  before(async () => {
    database = await openTestDatabase();
    system = await startConnect({ database, clock: systemClock });
    const crediting = await aService(['points:credit'], 'connect-dispatcher');
    reader = (await aService(['points:read'], 'points-reader')).token;
    // the balance is read by the test itself, over the protocol (no adapter code)
    const balanceOverHttp = async (userId: string) => {
      const answer = await request(system.api).get(`/points/v1/users/${encodeURIComponent(userId)}/balance`).set('Authorization', reader).expect(200);
      assert.equal(answer.body.user_id, userId);
      return BigInt(answer.body.balance);
    };
    overHttp = { service: httpPointsService({ url: system.api, token: bare(crediting.token), timeoutMs: 5_000 }), balanceOf: balanceOverHttp };
    const ledger = pointsLedger(system.dependencies);
    inProcess = { service: localPointsService(ledger), balanceOf: (userId) => ledger.balanceOf(userId) };
  });

  after(async () => {
    await system?.dispose();
    await database?.dispose();
  });

  pointsServiceContract('the HTTP adapter against the local ledger’s protocol routes, over real HTTP', () => overHttp);
  pointsServiceContract('the local ledger in process (the embedded default)', () => inProcess);

  describe('faults (a stand-in Points service on a free port)', () => {
    let server: Server;
    let url: string;
    let next: (req: IncomingMessage, body: string, res: ServerResponse) => void = (_req, _body, res) => res.writeHead(500).end();
    const seen: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[] = [];
    const credit = (): PointsCredit => ({ creditId: randomUUID(), userId: 'u-1', amount: 7n, reason: 'quest.completed' });
    const adapter = (timeoutMs = 2_000) => httpPointsService({ url, token: 'points-token-for-tests', timeoutMs });

    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
          next(req, body, res);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('given a service that answers 201, then the request carries the bearer token, Idempotency-Key = credit id and the protocol body, and the answer is read', async () => {
      next = (_req, body, res) => {
        const sent = JSON.parse(body);
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ credit_id: sent.credit_id, entry_id: 'entry-9', user_id: sent.user_id, amount: sent.amount, balance_after: '1007' }));
      };
      const c = credit();
      const answer = await adapter().credit(c);
      assert.deepEqual(answer, { creditId: c.creditId, entryId: 'entry-9', balanceAfter: 1007n });
      const last = seen[seen.length - 1]!;
      assert.equal(last.method, 'POST');
      assert.equal(last.path, '/points/v1/credits');
      assert.equal(last.headers.authorization, 'Bearer points-token-for-tests');
      assert.equal(last.headers['idempotency-key'], c.creditId);
      assert.deepEqual(JSON.parse(last.body), { credit_id: c.creditId, user_id: 'u-1', amount: '7', reason: 'quest.completed' });
    });

    for (const status of [500, 502, 503, 429]) {
      it(`given a service that answers ${status}, then PointsUnavailable (ask again with the same key)`, async () => {
        next = (_req, _body, res) => res.writeHead(status, { 'Content-Type': 'text/html' }).end('<html>busy</html>');
        await assert.rejects(adapter().credit(credit()), PointsUnavailable);
      });
    }

    it('given a service that never answers, then PointsUnavailable once the timeout passes', async () => {
      next = () => {
        /* hang */
      };
      const started = Date.now();
      await assert.rejects(adapter(300).credit(credit()), (e: unknown) => e instanceof PointsUnavailable && /no answer within 300 ms/.test(e.message));
      assert.ok(Date.now() - started >= 250);
    });

    it('given nothing listening, then PointsUnavailable (a connection error)', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      await assert.rejects(httpPointsService({ url: `http://127.0.0.1:${port}`, token: 't', timeoutMs: 2_000 }).credit(credit()), PointsUnavailable);
    });

    it('given a service that answers 409 with a problem, then PointsRefusal with its code', async () => {
      next = (_req, _body, res) =>
        res.writeHead(409, { 'Content-Type': 'application/problem+json' }).end(JSON.stringify({ type: 'about:blank', status: 409, code: 'points.credit_id_reused', detail: 'used with another body' }));
      await assert.rejects(adapter().credit(credit()), (e: unknown) => e instanceof PointsRefusal && e.code === 'points.credit_id_reused');
    });

    it('given a service that answers another 4xx without a problem body, then PointsRefusal points.http_<status>', async () => {
      next = (_req, _body, res) => res.writeHead(403).end();
      await assert.rejects(adapter().credit(credit()), (e: unknown) => e instanceof PointsRefusal && e.code === 'points.http_403');
    });

    it('given a 2xx whose body is not the protocol’s, then PointsUnavailable (the outcome is unknown: asked again, the same key finds the credit)', async () => {
      next = (_req, _body, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      await assert.rejects(adapter().credit(credit()), PointsUnavailable);
      next = (_req, _body, res) => res.writeHead(200).end('not json');
      await assert.rejects(adapter().credit(credit()), PointsUnavailable);
    });
  });
});
