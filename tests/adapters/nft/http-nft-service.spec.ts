import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpNftService } from '../../../adapters/nft/http-nft-service.js';
import { badgeRegistry } from '../../../commands/rewards/badge-registry.js';
import { NftRefusal, NftUnavailable } from '../../../commands/rewards/ports/nft-service.js';
import { ManualClock } from '../../../platform/clock.js';
import { aService, startConnect, type ConnectSystem } from '../../commands/rewards/rewards-harness.js';
import { openTestDatabase } from '../../support/test-database.js';
import { nftServiceContract } from './nft-service.contract.js';

const ONCHAIN = 'quest_master_10';
const OFFCHAIN = 'helpful_reviewer';

/** One Connect (accounts + gateway on the emulator + rewards) for both runs of the contract. */
let shared: Promise<{ system: ConnectSystem; dispose(): Promise<void> }> | undefined;
let users = 0;
async function connect(): Promise<ConnectSystem> {
  users++;
  shared ??= (async () => {
    const database = await openTestDatabase();
    const system = await startConnect({ database, clock: new ManualClock(new Date()), env: { CONNECT_ONCHAIN_BADGES: ONCHAIN } });
    return {
      system,
      dispose: async () => {
        await system.dispose();
        await database.dispose();
      },
    };
  })();
  return (await shared).system;
}
async function release(): Promise<void> {
  if (--users > 0 || !shared) return;
  const done = shared;
  shared = undefined;
  await (await done).dispose();
}

nftServiceContract('HTTP adapter → Connect’s badge registry over HTTP (POST /nft-service/v1/awards)', async () => {
  const system = await connect();
  const token = (await aService(['nft:award'])).token.replace(/^Bearer /, '');
  return { service: new HttpNftService({ url: `${system.api}/`, token, timeoutMs: 10_000 }), onchainBadge: ONCHAIN, offchainBadge: OFFCHAIN, stop: release };
});

nftServiceContract('Connect’s badge registry in process', async () => {
  const system = await connect();
  const registry = badgeRegistry({ store: system.dependencies.store, clock: system.dependencies.clock, onchainBadges: [ONCHAIN] });
  return { service: registry.nft, onchainBadge: ONCHAIN, offchainBadge: OFFCHAIN, stop: release };
});

/** A tiny NFT service that answers what a test says, and records what it was sent. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}
async function stubService(answer: (seen: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const one: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
      seen.push(one);
      answer(one, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (res: ServerResponse, status: number, body: unknown, contentType = 'application/json') => {
  res.writeHead(status, { 'Content-Type': contentType }).end(typeof body === 'string' ? body : JSON.stringify(body));
};
const award = { awardId: 'action-1', userId: 'u-1', badgeType: 'quest_master_10', level: 2 };

describe('HttpNftService: what it sends, and how it reads what an NFT service answers', () => {
  it('given a service that records the request, then it is a POST to /nft-service/v1/awards with the bearer token, Idempotency-Key = award id and the award as JSON; the 201 is read', async () => {
    const stub = await stubService((_seen, res) =>
      json(res, 201, { award_id: 'action-1', instance_id: 'inst-1', user_id: 'u-1', badge_type: 'quest_master_10', level: 2, onchain_status: 'confirmed', onchain_token_id: '12' }),
    );
    try {
      const answer = await new HttpNftService({ url: `${stub.url}/base/`, token: 'secret-token', timeoutMs: 2_000 }).award(award);
      assert.deepEqual(answer, { awardId: 'action-1', instanceId: 'inst-1', level: 2, onchainStatus: 'confirmed', onchainTokenId: '12' });
      const [sent] = stub.seen;
      assert.equal(sent!.method, 'POST');
      assert.equal(sent!.url, '/base/nft-service/v1/awards');
      assert.equal(sent!.headers.authorization, 'Bearer secret-token');
      assert.equal(sent!.headers['idempotency-key'], 'action-1');
      assert.match(String(sent!.headers['content-type']), /^application\/json/);
      assert.deepEqual(sent!.body, { award_id: 'action-1', user_id: 'u-1', badge_type: 'quest_master_10', level: 2 });
    } finally {
      await stub.close();
    }
  });

  it('given no token configured, then no Authorization header is sent; a 200 (a repeat) is read like a 201', async () => {
    const stub = await stubService((_seen, res) => json(res, 200, { award_id: 'action-1', instance_id: 'inst-1', level: 2, onchain_status: 'none', onchain_token_id: null }));
    try {
      const answer = await new HttpNftService({ url: stub.url, timeoutMs: 2_000 }).award(award);
      assert.equal(answer.onchainStatus, 'none');
      assert.equal(stub.seen[0]!.headers.authorization, undefined);
    } finally {
      await stub.close();
    }
  });

  for (const [status, what] of [
    [500, 'a server error'],
    [502, 'a bad gateway'],
    [503, 'unavailable'],
    [429, 'too many requests'],
  ] as const) {
    it(`given ${what} (HTTP ${status}), then NftUnavailable: the outcome is unknown, ask again with the same key`, async () => {
      const stub = await stubService((_seen, res) => json(res, status, { code: 'busy' }));
      try {
        await assert.rejects(new HttpNftService({ url: stub.url, timeoutMs: 2_000 }).award(award), NftUnavailable);
      } finally {
        await stub.close();
      }
    });
  }

  for (const [status, code] of [
    [400, 'request.invalid'],
    [409, 'badge.award_reused'],
    [422, 'badge.invalid_level'],
    [403, 'auth.forbidden'],
  ] as const) {
    it(`given a refusal (HTTP ${status} ${code}), then NftRefusal with the problem's code`, async () => {
      const stub = await stubService((_seen, res) => json(res, status, { code, detail: 'no' }, 'application/problem+json'));
      try {
        await assert.rejects(new HttpNftService({ url: stub.url, timeoutMs: 2_000 }).award(award), (error: unknown) => error instanceof NftRefusal && error.code === code);
      } finally {
        await stub.close();
      }
    });
  }

  it('given a 4xx without a readable body, then NftRefusal named by its status', async () => {
    const stub = await stubService((_seen, res) => json(res, 404, '<html>not here</html>', 'text/html'));
    try {
      await assert.rejects(new HttpNftService({ url: stub.url, timeoutMs: 2_000 }).award(award), (error: unknown) => error instanceof NftRefusal && error.code === 'http_404');
    } finally {
      await stub.close();
    }
  });

  it('given a service that does not answer within the timeout, then NftUnavailable', async () => {
    const stub = await stubService(() => {
      /* never answers */
    });
    try {
      await assert.rejects(new HttpNftService({ url: stub.url, timeoutMs: 200 }).award(award), (error: unknown) => error instanceof NftUnavailable && /no answer within 200 ms/.test(error.message));
    } finally {
      await stub.close();
    }
  });

  it('given no service listening, then NftUnavailable', async () => {
    const stub = await stubService(() => {});
    const url = stub.url;
    await stub.close();
    await assert.rejects(new HttpNftService({ url, timeoutMs: 2_000 }).award(award), NftUnavailable);
  });

  for (const [what, body] of [
    ['not JSON', '<html>ok</html>'],
    ['JSON without an instance', { award_id: 'action-1', level: 2, onchain_status: 'none' }],
    ['an unknown on-chain status', { award_id: 'action-1', instance_id: 'i', level: 2, onchain_status: 'minted', onchain_token_id: null }],
    ['a token id that is not an item index', { award_id: 'action-1', instance_id: 'i', level: 2, onchain_status: 'confirmed', onchain_token_id: 'abc' }],
    ['another award', { award_id: 'action-2', instance_id: 'i', level: 2, onchain_status: 'none', onchain_token_id: null }],
  ] as const) {
    it(`given a 201 with ${what}, then NftUnavailable (an answer it cannot trust is no answer)`, async () => {
      const stub = await stubService((_seen, res) => json(res, 201, body));
      try {
        await assert.rejects(new HttpNftService({ url: stub.url, timeoutMs: 2_000 }).award(award), NftUnavailable);
      } finally {
        await stub.close();
      }
    });
  }

  it('given an error, then its message never carries the token', async () => {
    const stub = await stubService((_seen, res) => json(res, 403, { code: 'auth.forbidden', detail: 'bad token' }));
    try {
      await assert.rejects(new HttpNftService({ url: stub.url, token: 'top-secret-nft-token', timeoutMs: 2_000 }).award(award), (error: unknown) => error instanceof Error && !error.message.includes('top-secret-nft-token'));
    } finally {
      await stub.close();
    }
  });
});
