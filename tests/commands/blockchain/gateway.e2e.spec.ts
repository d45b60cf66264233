import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Address } from '@ton/core';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { startTestSystem } from '../../support/test-system.js';
import { signCallback } from '../../../adapters/callbacks/signed-callback.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import type { EmulatorChain } from '../../../adapters/ton/emulator-chain.js';
import { FaultInjectingChain } from '../../../adapters/ton/fault-injecting-chain.js';
import { openTonGateway } from '../../../adapters/ton/open-ton-gateway.js';
import { randomWalletKeys, signTonProof, type WalletKeys } from '../../../adapters/ton/ton-proof-signer.js';
import { ChainError } from '../../../commands/blockchain/ports/gateway-chain.js';
import { gatewayModule } from '../../../commands/blockchain/gateway-module.js';
import { taskIdFor } from '../../../commands/blockchain/task-id.js';
import { streamOfTask } from '../../../domain/blockchain/blockchain-task.js';
import { ManualClock } from '../../../platform/clock.js';
import { waitUntil } from '../../adapters/eventstore/event-store.contract.js';
import { storedEventsText } from '../../support/event-log-under-test.js';
import { openTestDatabase } from '../../support/test-database.js';

const SECRET = 'gateway-test-secret-at-least-32-characters';
const CALLBACK_SECRET = 'callback-secret-for-tests-at-least-32-chars';
const G2A = 1_000_000_000n;

interface Callback {
  readonly body: Record<string, unknown>;
  readonly signatureValid: boolean;
  readonly idempotencyKey: string | undefined;
}

describe('Blockchain Gateway over HTTP on the TON emulator (B-1 … B-7)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem;
  let api: string;
  let dataDir: string;
  let chain: FaultInjectingChain;
  let emulator: EmulatorChain;
  const clock = new ManualClock(new Date());
  const callbacks: Callback[] = [];
  let callbackServer: Server;
  let callbackUrl: string;
  let refuseCallbacks = 0;

  const token = (principal: { kind: 'user' | 'service'; id: string; roles?: string[]; scopes?: string[] }) =>
    signAccessToken({ kind: principal.kind, id: principal.id, roles: (principal.roles ?? []) as never, scopes: principal.scopes ?? [] }, { secret: SECRET, ttlSeconds: 3600 });
  let connect: string; // the rewards engine, a machine caller
  let nftService: string;
  let support: string;

  const task = async (id: string) => (await request(api).get(`/tasks/${id}`).set('Authorization', support).expect(200)).body;
  const settled = async (id: string, status = 'confirmed') => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const current = await task(id);
      if (current.status === status) return current;
      if (Date.now() > deadline) assert.fail(`task ${id} is ${current.status} (${current.last_error ?? ''}), expected ${status}`);
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  const userAddress = async () => (await signTonProof({ keys: randomWalletKeys(), domain: 'x', payload: 'x', timestamp: 0 })).address;

  before(async () => {
    callbackServer = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        if (refuseCallbacks > 0) {
          refuseCallbacks--;
          res.writeHead(503).end();
          return;
        }
        const signature = String(req.headers['x-ledgerline-signature'] ?? '');
        const expected = `sha256=${signCallback(CALLBACK_SECRET, String(req.headers['x-ledgerline-timestamp']), text)}`;
        callbacks.push({ body: JSON.parse(text), signatureValid: signature === expected, idempotencyKey: req.headers['idempotency-key'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callbacks`;

    database = await openTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-gateway-'));
    const openAdapters = openTonGateway({ persist: false });
    system = await startTestSystem({
      database,
      clock,
      env: {
        JWT_SECRET: SECRET,
        DATA_DIR: dataDir,
        GATEWAY_POLL_MS: '20',
        GATEWAY_RETRY_BASE_MS: '1000',
        GATEWAY_MAX_RETRIES: '2',
        GATEWAY_CALLBACK_SECRET: CALLBACK_SECRET,
        TON_PROOF_DOMAIN: 'localhost:3000',
        G2A_LIMIT_PER_TRANSFER: (100n * G2A).toString(),
        G2A_LIMIT_PER_USER_DAY: (150n * G2A).toString(),
        G2A_LIMIT_GLOBAL_DAY: (10_000n * G2A).toString(),
      },
      effectOptions: { pollMs: 20, baseDelayMs: 50, maxDelayMs: 200 },
      contexts: [
        gatewayModule(async (deps) => {
          const adapters = await openAdapters(deps);
          emulator = adapters.chain as EmulatorChain;
          chain = new FaultInjectingChain(adapters.chain);
          return { ...adapters, chain };
        }),
      ],
    });
    api = `http://127.0.0.1:${system.port}`;
    connect = `Bearer ${await token({ kind: 'service', id: 'connect', scopes: ['g2a:mint', 'g2a:transfer'] })}`;
    nftService = `Bearer ${await token({ kind: 'service', id: 'nft-service', scopes: ['nft:mint'] })}`;
    support = `Bearer ${await token({ kind: 'user', id: 'support-1', roles: ['support'] })}`;
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    callbackServer?.close();
  });

  describe('B-1 mint', () => {
    it('given a mint request, then the task goes pending → sent → confirmed, the jettons are on chain and a signed callback arrives', async () => {
      const to = await userAddress();
      const accepted = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'quest-42', to_address: to, amount: (12n * G2A).toString(), callback_url: callbackUrl }).expect(202);
      assert.equal(accepted.body.created, true);
      const done = await settled(accepted.body.task_id);
      assert.match(done.message_hash, /^[0-9a-f]{64}$/);
      assert.equal(await emulator.jettonBalance(Address.parse(to)), 12n * G2A, 'balance on chain equals what the task says');
      await waitUntil(() => callbacks.some((c) => c.body.task_id === accepted.body.task_id));
      const callback = callbacks.find((c) => c.body.task_id === accepted.body.task_id)!;
      assert.equal(callback.signatureValid, true);
      assert.equal(callback.body.status, 'confirmed');
      assert.equal(callback.body.request_id, 'quest-42');
      assert.ok(callback.idempotencyKey);
      const after = await (async () => { for (;;) { const t = await task(accepted.body.task_id); if (t.callback.delivered_at) return t; await new Promise((r) => setTimeout(r, 30)); } })();
      assert.equal(after.callback.http_status, 204);
    });

    it('given the same request again, then the same task comes back; with other parameters, a 409 naming request_id', async () => {
      const to = await userAddress();
      const body = { request_id: 'quest-43', to_address: to, amount: G2A.toString() };
      const first = await request(api).post('/g2a/mint').set('Authorization', connect).send(body).expect(202);
      const again = await request(api).post('/g2a/mint').set('Authorization', connect).send(body).expect(202);
      assert.equal(again.body.task_id, first.body.task_id);
      assert.equal(again.body.created, false);
      const conflict = await request(api).post('/g2a/mint').set('Authorization', connect).send({ ...body, amount: '5' }).expect(409);
      assert.equal(conflict.body.field, 'request_id');
      await settled(first.body.task_id);
      assert.equal(await emulator.jettonBalance(Address.parse(to)), G2A, 'minted once');
    });

    it('given bad input or the wrong caller, then clear 4xx: a bad address, a zero amount, no scope, no token', async () => {
      const bad = await request(api).post('/g2a/mint').set('Authorization', connect).send({ request_id: 'r', to_address: 'not-an-address', amount: '1' }).expect(400);
      assert.match(JSON.stringify(bad.body), /to_address/);
      const zero = await request(api).post('/g2a/mint').set('Authorization', connect).send({ request_id: 'r', to_address: await userAddress(), amount: '0' }).expect(400);
      assert.match(JSON.stringify(zero.body), /amount/);
      await request(api).post('/g2a/mint').set('Authorization', nftService).send({ request_id: 'r', to_address: await userAddress(), amount: '1' }).expect(403);
      await request(api).post('/g2a/mint').send({ request_id: 'r', to_address: await userAddress(), amount: '1' }).expect(401);
    });

    it('given input no contract message can carry, then 400 problem naming the field: an amount of 2^120 or more (TL-B VarUInteger 16), an address outside workchains 0 and -1, an item index beyond uint64', async () => {
      const to = await userAddress();
      const otherWorkchain = `7:${Address.parse(to).hash.toString('hex')}`;
      const problem = (response: request.Response, field: string) => {
        assert.equal(response.status, 400, JSON.stringify(response.body));
        assert.match(String(response.headers['content-type']), /application\/problem\+json/);
        assert.ok(response.body.errors.some((e: { field: string }) => e.field === field), `${field} named in ${JSON.stringify(response.body)}`);
      };
      for (const amount of [(2n ** 120n).toString(), (10n ** 39n).toString(), '9'.repeat(60)]) {
        problem(await request(api).post('/g2a/mint').set('Authorization', connect).send({ request_id: 'too-much', to_address: to, amount }), 'amount');
        problem(await request(api).post('/g2a/transfer').set('Authorization', connect).send({ request_id: 'too-much', user_id: 'alice', to_address: to, amount }), 'amount');
      }
      problem(await request(api).post('/g2a/mint').set('Authorization', connect).send({ request_id: 'wc7', to_address: otherWorkchain, amount: '1' }), 'to_address');
      problem(await request(api).post('/nft/mint').set('Authorization', nftService).send({ request_id: 'wc7', user_id: 'u', to_address: otherWorkchain, badge: 'b', level: 1 }), 'to_address');
      problem(await request(api).post('/nft/upgrade').set('Authorization', nftService)
        .send({ request_id: 'big-index', user_id: 'u', to_address: to, old_token_id: (2n ** 64n).toString(), badge: 'b', level: 2 }), 'old_token_id');
      const user = `Bearer ${await token({ kind: 'user', id: 'workchain-7' })}`;
      const challenge = await request(api).post('/wallet/link/request').set('Authorization', user).send({}).expect(201);
      const signed = await signTonProof({ keys: randomWalletKeys(), domain: 'localhost:3000', payload: challenge.body.payload, timestamp: Math.floor(clock.now().getTime() / 1000) });
      problem(await request(api).post('/wallet/link/confirm').set('Authorization', user).send({ ...signed, address: `7:${Address.parse(signed.address).hash.toString('hex')}` }), 'address');
      const masterchain = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'masterchain-ok', to_address: `-1:${Address.parse(to).hash.toString('hex')}`, amount: '1' });
      assert.equal(masterchain.status, 202, 'workchain -1 is accepted');
      await settled(masterchain.body.task_id);
    });
  });

  describe('B-2 wallet link and B-3 transfer', () => {
    const keys = randomWalletKeys();
    let wallet: string;
    let alice: string;

    before(async () => {
      alice = `Bearer ${await token({ kind: 'user', id: 'alice' })}`;
    });

    const proofFor = async (payload: string, over: { keys?: WalletKeys; domain?: string } = {}) =>
      signTonProof({ keys: over.keys ?? keys, domain: over.domain ?? 'localhost:3000', payload, timestamp: Math.floor(clock.now().getTime() / 1000) });

    it('given a payload signed with the wallet (ton_proof), then the wallet is verified and the payload cannot be used again', async () => {
      const challenge = await request(api).post('/wallet/link/request').set('Authorization', alice).send({}).expect(201);
      assert.match(challenge.body.payload, /^[0-9a-f]{64}$/);
      assert.equal(challenge.body.domain, 'localhost:3000');
      const signed = await proofFor(challenge.body.payload);
      wallet = signed.address;
      const verified = await request(api).post('/wallet/link/confirm').set('Authorization', alice).send(signed).expect(200);
      assert.equal(verified.body.status, 'verified');
      const reused = await request(api).post('/wallet/link/confirm').set('Authorization', alice).send(signed).expect(409);
      assert.equal(reused.body.code, 'wallet_link.payload_used');
    });

    it('given tampered proofs, then each is refused with a 422 naming what is wrong', async () => {
      const cases: Array<[string, (p: Awaited<ReturnType<typeof proofFor>>) => unknown, string]> = [
        ['another domain', (p) => p, 'proof.domain'],
        ['a changed signature', (p) => ({ ...p, proof: { ...p.proof, signature: Buffer.alloc(64, 1).toString('base64') } }), 'proof.signature'],
        ['an address that is not the wallet', (p) => ({ ...p, address: wallet === p.address ? p.address : wallet }), 'address'],
      ];
      for (const [index, [name, tamper, field]] of cases.entries()) {
        const user = `Bearer ${await token({ kind: 'user', id: `tamper-${index}` })}`;
        const challenge = await request(api).post('/wallet/link/request').set('Authorization', user).send({}).expect(201);
        const signed = name === 'another domain' ? await proofFor(challenge.body.payload, { domain: 'evil.example' }) : await proofFor(challenge.body.payload, { keys: name === 'an address that is not the wallet' ? randomWalletKeys() : keys });
        const refused = await request(api).post('/wallet/link/confirm').set('Authorization', user).send(tamper(signed) as object).expect(422);
        assert.equal(refused.body.field, field, `${name}: ${JSON.stringify(refused.body)}`);
      }
      const stranger = `Bearer ${await token({ kind: 'user', id: 'stranger' })}`;
      const unknown = await request(api).post('/wallet/link/confirm').set('Authorization', stranger).send(await proofFor('f'.repeat(64))).expect(422);
      assert.equal(unknown.body.code, 'wallet_link.unknown_payload');
    });

    it('given someone trying proofs again and again, then after a few attempts a 429 with Retry-After (A-4)', async () => {
      const brute = `Bearer ${await token({ kind: 'user', id: 'brute' })}`;
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const response = await request(api).post('/wallet/link/confirm').set('Authorization', brute).send(await proofFor('e'.repeat(64)));
        statuses.push(response.status);
        if (response.status === 429) assert.ok(Number(response.headers['retry-after']) > 0);
      }
      assert.deepEqual(statuses, [422, 422, 422, 422, 422, 429, 429]);
    });

    describe('on behalf of a user: a service principal (the BFF) needs the scope wallet:link, and the proof must answer that user\'s challenge', () => {
      let bff: string;
      before(async () => {
        bff = `Bearer ${await token({ kind: 'service', id: 'bff', scopes: ['wallet:link'] })}`;
      });
      const notVerified = async (userId: string, address: string) => {
        const refused = await request(api).post('/g2a/transfer').set('Authorization', connect)
          .send({ request_id: `probe-${userId}-${randomUUID()}`, user_id: userId, to_address: address, amount: '1' }).expect(422);
        assert.equal(refused.body.code, 'wallet.not_verified', `${userId} has no verified wallet ${address}`);
      };

      it('given a service principal without wallet:link, when it asks a challenge or relays a proof for a user, then 403 problem+json naming the scope', async () => {
        const quest = `Bearer ${await token({ kind: 'service', id: 'quest-engine', scopes: ['g2a:mint', 'g2a:transfer', 'nft:mint'] })}`;
        const requested = await request(api).post('/wallet/link/request').set('Authorization', quest).send({ user_id: 'dave' }).expect(403);
        assert.match(String(requested.headers['content-type']), /application\/problem\+json/);
        assert.match(JSON.stringify(requested.body), /wallet:link/);
        // even with a payload really issued to dave (by the BFF) and a valid proof over it
        const challenge = await request(api).post('/wallet/link/request').set('Authorization', bff).send({ user_id: 'dave' }).expect(201);
        const signed = await proofFor(challenge.body.payload, { keys: randomWalletKeys() });
        const confirmed = await request(api).post('/wallet/link/confirm').set('Authorization', quest).send({ ...signed, user_id: 'dave' }).expect(403);
        assert.match(String(confirmed.headers['content-type']), /application\/problem\+json/);
        assert.match(JSON.stringify(confirmed.body), /wallet:link/);
        await notVerified('dave', signed.address);
      });

      it('given the BFF with wallet:link, when it asks a challenge for user U, hands the payload to U\'s wallet (TON Connect), and relays the proof, then U\'s wallet is verified for U', async () => {
        const challenge = await request(api).post('/wallet/link/request').set('Authorization', bff).send({ user_id: 'frank' }).expect(201);
        const signed = await proofFor(challenge.body.payload, { keys: randomWalletKeys() }); // frank's wallet signs
        const verified = await request(api).post('/wallet/link/confirm').set('Authorization', bff).send({ ...signed, user_id: 'frank' }).expect(200);
        assert.equal(verified.body.status, 'verified');
        const transfer = await request(api).post('/g2a/transfer').set('Authorization', connect)
          .send({ request_id: 'frank-1', user_id: 'frank', to_address: signed.address, amount: G2A.toString() }).expect(202);
        await settled(transfer.body.task_id);
        const unnamed = await request(api).post('/wallet/link/request').set('Authorization', bff).send({}).expect(422);
        assert.equal(unnamed.body.field, 'user_id');
      });

      it('given a proof over a payload issued to another user, or never issued, when the BFF relays it for U, then refused and U has no verified wallet', async () => {
        const forGrace = await request(api).post('/wallet/link/request').set('Authorization', bff).send({ user_id: 'grace' }).expect(201);
        await request(api).post('/wallet/link/request').set('Authorization', bff).send({ user_id: 'heidi' }).expect(201); // heidi has a challenge of her own
        const bffWallet = randomWalletKeys();
        const overGracesPayload = await proofFor(forGrace.body.payload, { keys: bffWallet });
        const crossUser = await request(api).post('/wallet/link/confirm').set('Authorization', bff).send({ ...overGracesPayload, user_id: 'heidi' }).expect(422);
        assert.equal(crossUser.body.code, 'wallet_link.unknown_payload');
        assert.equal(crossUser.body.field, 'proof.payload');
        const neverIssued = await request(api).post('/wallet/link/confirm').set('Authorization', bff).send({ ...(await proofFor('b'.repeat(64), { keys: bffWallet })), user_id: 'heidi' }).expect(422);
        assert.equal(neverIssued.body.code, 'wallet_link.unknown_payload');
        await notVerified('heidi', overGracesPayload.address);
      });

      it('given a user, then they link only their own wallet (403 naming another user_id); an admin may name another user', async () => {
        const ivy = `Bearer ${await token({ kind: 'user', id: 'ivy' })}`;
        const other = await request(api).post('/wallet/link/request').set('Authorization', ivy).send({ user_id: 'judy' }).expect(403);
        assert.equal(other.body.field, 'user_id');
        const admin = `Bearer ${await token({ kind: 'user', id: 'root', roles: ['admin'] })}`;
        const challenge = await request(api).post('/wallet/link/request').set('Authorization', admin).send({ user_id: 'judy' }).expect(201);
        await request(api).post('/wallet/link/confirm').set('Authorization', admin).send({ ...(await proofFor(challenge.body.payload, { keys: randomWalletKeys() })), user_id: 'judy' }).expect(200);
      });
    });

    it('given payloads named like inherited object properties (__proto__, constructor …) that were never issued, when a valid proof over them comes, then 422 unknown_payload (not 500) and no wallet is verified', async () => {
      const kim = `Bearer ${await token({ kind: 'user', id: 'kim' })}`;
      await request(api).post('/wallet/link/request').set('Authorization', kim).send({}).expect(201);
      const kimWallet = randomWalletKeys();
      let address = '';
      for (const payload of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        const signed = await proofFor(payload, { keys: kimWallet });
        address = signed.address;
        const refused = await request(api).post('/wallet/link/confirm').set('Authorization', kim).send(signed);
        assert.equal(refused.status, 422, `${payload}: ${refused.status} ${JSON.stringify(refused.body)}`);
        assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
        assert.equal(refused.body.code, 'wallet_link.unknown_payload', payload);
      }
      const refusedTransfer = await request(api).post('/g2a/transfer').set('Authorization', connect)
        .send({ request_id: 'kim-1', user_id: 'kim', to_address: address, amount: '1' }).expect(422);
      assert.equal(refusedTransfer.body.code, 'wallet.not_verified');
    });

    it('given a verified wallet, then a transfer to it is sent and confirmed, and the jettons arrive', async () => {
      const accepted = await request(api).post('/g2a/transfer').set('Authorization', connect)
        .send({ request_id: 'withdraw-1', user_id: 'alice', to_address: wallet, amount: (40n * G2A).toString(), callback_url: callbackUrl }).expect(202);
      const done = await settled(accepted.body.task_id);
      assert.equal(done.onchain_result.balanceAfter, (40n * G2A).toString());
      assert.equal(await emulator.jettonBalance(Address.parse(wallet)), 40n * G2A);
    });

    it('given an unverified wallet or a limit exceeded, then 422 naming the field, and the refusal is in the audit log', async () => {
      const unverified = await request(api).post('/g2a/transfer').set('Authorization', connect)
        .send({ request_id: 'withdraw-2', user_id: 'alice', to_address: await userAddress(), amount: '1' }).expect(422);
      assert.equal(unverified.body.code, 'wallet.not_verified');
      const tooBig = await request(api).post('/g2a/transfer').set('Authorization', connect)
        .send({ request_id: 'withdraw-3', user_id: 'alice', to_address: wallet, amount: (101n * G2A).toString() }).expect(422);
      assert.equal(tooBig.body.code, 'limits.per_transfer');
      assert.equal(tooBig.body.field, 'amount');
      await request(api).post('/g2a/transfer').set('Authorization', connect)
        .send({ request_id: 'withdraw-4', user_id: 'alice', to_address: wallet, amount: (100n * G2A).toString() }).expect(202);
      const daily = await request(api).post('/g2a/transfer').set('Authorization', connect)
        .send({ request_id: 'withdraw-5', user_id: 'alice', to_address: wallet, amount: (20n * G2A).toString() }).expect(422);
      assert.equal(daily.body.code, 'limits.per_user_per_day');
      const deadline = Date.now() + 10_000;
      let refusals: Array<{ action: string; detail: { reason: string } }> = [];
      while (refusals.length < 2 && Date.now() < deadline) {
        const audit = await request(api).get('/audit').query({ user_id: 'alice' }).set('Authorization', support).expect(200);
        refusals = audit.body.items.filter((i: { action: string }) => i.action === 'limits.refused');
        await new Promise((r) => setTimeout(r, 30));
      }
      assert.deepEqual(refusals.map((r) => r.detail.reason).sort(), ['per_transfer', 'per_user_per_day']);
    });

    it('given concurrent withdrawals racing for the last of the daily limit, then they never exceed it', async () => {
      const bob = `Bearer ${await token({ kind: 'user', id: 'bob' })}`;
      const challenge = await request(api).post('/wallet/link/request').set('Authorization', bob).send({}).expect(201);
      const signed = await signTonProof({ keys: randomWalletKeys(), domain: 'localhost:3000', payload: challenge.body.payload, timestamp: Math.floor(clock.now().getTime() / 1000) });
      await request(api).post('/wallet/link/confirm').set('Authorization', bob).send(signed).expect(200);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          request(api).post('/g2a/transfer').set('Authorization', connect).send({ request_id: `bob-${i}`, user_id: 'bob', to_address: signed.address, amount: (50n * G2A).toString() }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 202).length, 3, '3 × 50 = the 150 a user may take per day');
      assert.ok(results.filter((r) => r.status !== 202).every((r) => r.status === 422 && r.body.code === 'limits.per_user_per_day'));
    });
  });

  describe('B-4 badge mint and B-5 upgrade', () => {
    it('given a badge mint, then it is confirmed, its callback carries onchain_token_id and its TEP-64 metadata is served', async () => {
      const to = await userAddress();
      const accepted = await request(api).post('/nft/mint').set('Authorization', nftService)
        .send({ request_id: 'badge-1', user_id: 'carol', to_address: to, badge: 'quest_master_10', level: 1, callback_url: callbackUrl }).expect(202);
      const done = await settled(accepted.body.task_id);
      const tokenId = done.onchain_token_id as string;
      assert.match(tokenId, /^\d+$/);
      assert.ok((await emulator.badge(BigInt(tokenId))).owner?.equals(Address.parse(to)));
      await waitUntil(() => callbacks.some((c) => c.body.task_id === accepted.body.task_id));
      assert.equal(callbacks.find((c) => c.body.task_id === accepted.body.task_id)!.body.onchain_token_id, tokenId);
      const metadata = await request(api).get(`/nft/badges/${tokenId}.json`).expect(200);
      assert.equal(metadata.body.attributes.find((a: { trait_type: string }) => a.trait_type === 'badge').value, 'quest_master_10');
      await request(api).get('/nft/badges/99999').expect(404);

      const upgraded = await request(api).post('/nft/upgrade').set('Authorization', nftService)
        .send({ request_id: 'badge-1-up', user_id: 'carol', to_address: to, old_token_id: tokenId, badge: 'quest_master_10', level: 2, callback_url: callbackUrl }).expect(202);
      const upgradeDone = await settled(upgraded.body.task_id);
      assert.notEqual(upgradeDone.onchain_token_id, tokenId);
      assert.ok((await emulator.badge(BigInt(tokenId))).revokedAt > 0, 'the old badge is retired on chain');
      await waitUntil(() => callbacks.some((c) => c.body.task_id === upgraded.body.task_id));
      assert.equal(callbacks.find((c) => c.body.task_id === upgraded.body.task_id)!.body.onchain_token_id, upgradeDone.onchain_token_id);
    });
  });

  describe('B-5 who may retire a badge', () => {
    it('given a badge minted by one caller for one user, then only that caller may retire it for that user (403/422 naming old_token_id otherwise), an admin may, and a retired badge cannot be retired again', async () => {
      const to = await userAddress();
      const minted = await request(api).post('/nft/mint').set('Authorization', nftService)
        .send({ request_id: 'badge-2', user_id: 'dora', to_address: to, badge: 'explorer', level: 1 }).expect(202);
      const tokenId = (await settled(minted.body.task_id)).onchain_token_id as string;
      const upgrade = (auth: string, over: Record<string, unknown> = {}) =>
        request(api).post('/nft/upgrade').set('Authorization', auth)
          .send({ request_id: 'badge-2-up', user_id: 'dora', to_address: to, old_token_id: tokenId, badge: 'explorer', level: 2, ...over });

      const otherService = `Bearer ${await token({ kind: 'service', id: 'other-badges', scopes: ['nft:mint'] })}`;
      const foreign = await upgrade(otherService).expect(403);
      assert.equal(foreign.body.code, 'nft.not_your_badge');
      assert.equal(foreign.body.field, 'old_token_id');
      assert.match(String(foreign.headers['content-type']), /application\/problem\+json/);
      const otherUser = await upgrade(nftService, { user_id: 'eve' }).expect(422);
      assert.equal(otherUser.body.code, 'nft.badge_of_other_user');
      assert.equal(otherUser.body.field, 'old_token_id');
      const unknown = await upgrade(nftService, { old_token_id: '987654321' }).expect(422);
      assert.equal(unknown.body.code, 'nft.unknown_badge');
      assert.equal(unknown.body.field, 'old_token_id');
      assert.equal((await emulator.badge(BigInt(tokenId))).revokedAt, 0, 'nothing was retired');
      chain.failNext('sign', new ChainError('permanent', 'refused for the test'));
      const failedUpgrade = await upgrade(nftService, { request_id: 'badge-2-up-failed' }).expect(202);
      await settled(failedUpgrade.body.task_id, 'failed');

      const admin = `Bearer ${await token({ kind: 'user', id: 'root', roles: ['admin'] })}`;
      const byAdmin = await upgrade(admin, { request_id: 'admin-retire' }).expect(202);
      await settled(byAdmin.body.task_id);
      assert.ok((await emulator.badge(BigInt(tokenId))).revokedAt > 0, 'retired on chain');
      const repeated = await upgrade(admin, { request_id: 'admin-retire' }).expect(202);
      assert.equal(repeated.body.task_id, byAdmin.body.task_id, 'the same request finds its task');
      const again = await upgrade(nftService, { request_id: 'badge-2-up-again' }).expect(409);
      assert.equal(again.body.code, 'nft.badge_retired');
      assert.equal(again.body.field, 'old_token_id');
      const resubmitted = await request(api).post(`/tasks/${failedUpgrade.body.task_id}/resubmit`).set('Authorization', nftService).send({ request_id: 'badge-2-up-failed-again' }).expect(409);
      assert.equal(resubmitted.body.code, 'nft.badge_retired', 'a failed upgrade cannot be resubmitted once its badge was retired by another');
    });
  });

  describe('B-6 failures, retries and recovery', () => {
    it('given a task whose operation no message can carry (injected below the API) in one batch with honest tasks, then it alone fails with last_error and the honest ones are confirmed on their first attempt', async () => {
      const visible = async (id: string) => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          const response = await request(api).get(`/tasks/${id}`).set('Authorization', support);
          if (response.status === 200) return response.body;
          assert.ok(Date.now() < deadline, `task ${id} never showed up`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const held = chain.hold('findConfirmation');
      const honest: string[] = [];
      const poisoned: Record<string, RegExp> = {};
      try {
        // a message on its way: while it is being looked for, the dispatcher signs nothing new
        const blocker = await request(api).post('/g2a/mint').set('Authorization', connect)
          .send({ request_id: 'batch-blocker', to_address: await userAddress(), amount: G2A.toString() }).expect(202);
        await held.reached;
        await settled(blocker.body.task_id, 'sent');
        for (let i = 0; i < 3; i++) {
          const mint = await request(api).post('/g2a/mint').set('Authorization', connect)
            .send({ request_id: `batch-honest-${i}`, to_address: await userAddress(), amount: (BigInt(i + 1) * G2A).toString() }).expect(202);
          honest.push(mint.body.task_id);
        }
        // below the API validation: events appended straight to the log (an old record, a bug elsewhere)
        const store = system.dependencies.store;
        const poison = async (requestId: string, operation: Record<string, unknown>, expected: RegExp) => {
          const taskId = taskIdFor('service:legacy', requestId);
          await store.append(streamOfTask(taskId), [{
            eventId: randomUUID(),
            type: 'BlockchainTaskRequested',
            data: { taskId, requestId, initiator: 'service:legacy', operation, requestedAt: clock.now().toISOString() },
            metadata: { actor: 'test' },
          }], 'no_stream');
          poisoned[taskId] = expected;
          await visible(taskId);
        };
        const to = await userAddress();
        await poison('poison-amount', { kind: 'g2a_mint', to, amount: (2n ** 130n).toString() }, /amount .*2\^120/);
        await poison('poison-index', { kind: 'nft_upgrade', to, userId: 'u', badge: 'b', level: 2, retiredItemIndex: 'first' }, /retiredItemIndex/);
        await poison('poison-workchain', { kind: 'g2a_mint', to: `7:${Address.parse(to).hash.toString('hex')}`, amount: '1' }, /workchain/);
        const badge = await request(api).post('/nft/mint').set('Authorization', nftService)
          .send({ request_id: 'batch-honest-badge', user_id: 'lena', to_address: to, badge: 'explorer', level: 1 }).expect(202);
        honest.push(badge.body.task_id);
      } finally {
        held.release();
      }
      const done = await Promise.all(honest.map((id) => settled(id)));
      for (const t of done) assert.equal(t.retry_count, 0, `${t.task_id} confirmed on its first attempt (${t.last_error ?? ''})`);
      assert.equal(new Set(done.map((t) => t.message_hash)).size, 1, 'the honest tasks went out in one message, the one the poisoned tasks were left out of');
      for (const [id, expected] of Object.entries(poisoned)) {
        const failed = await settled(id, 'failed');
        assert.match(failed.last_error, expected);
        assert.equal(failed.retry_count, 0);
      }
    });


    it('given a transient provider error, then retry_count goes up, a durable timer brings the task back, and it is confirmed', async () => {
      chain.failNext('sign', new ChainError('transient', 'toncenter answered 503'));
      const accepted = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'flaky-1', to_address: await userAddress(), amount: G2A.toString() }).expect(202);
      const waiting = await (async () => { for (;;) { const t = await task(accepted.body.task_id); if (t.retry_count === 1) return t; await new Promise((r) => setTimeout(r, 30)); } })();
      assert.equal(waiting.status, 'pending');
      assert.equal(waiting.last_error, 'toncenter answered 503');
      clock.advance(5_000); // past the backoff: the timer fires
      const done = await settled(accepted.body.task_id);
      assert.equal(done.retry_count, 1);
    });

    it('given a permanent error, then the task fails with last_error, the audit log has it, the initiator is called back and can resubmit', async () => {
      chain.failNext('sign', new ChainError('permanent', 'invalid destination address'));
      const accepted = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'doomed-1', to_address: await userAddress(), amount: G2A.toString(), callback_url: callbackUrl }).expect(202);
      const failed = await settled(accepted.body.task_id, 'failed');
      assert.equal(failed.last_error, 'invalid destination address');
      await waitUntil(() => callbacks.some((c) => c.body.task_id === accepted.body.task_id));
      assert.equal(callbacks.find((c) => c.body.task_id === accepted.body.task_id)!.body.status, 'failed');
      const audit = await request(api).get('/audit').query({ task_id: accepted.body.task_id }).set('Authorization', support).expect(200);
      assert.ok(audit.body.items.some((i: { action: string }) => i.action === 'task.failed'));

      const resubmitted = await request(api).post(`/tasks/${accepted.body.task_id}/resubmit`).set('Authorization', connect).send({ request_id: 'doomed-1-again' }).expect(202);
      assert.notEqual(resubmitted.body.task_id, accepted.body.task_id);
      await settled(resubmitted.body.task_id);
      await request(api).post(`/tasks/${resubmitted.body.task_id}/resubmit`).set('Authorization', connect).send({ request_id: 'x' }).expect(409);
      await request(api).get(`/tasks/${accepted.body.task_id}`).set('Authorization', nftService).expect(404);
    });

    it('given transient errors beyond the retry limit, then the task fails', async () => {
      chain.failNext('sign', new ChainError('transient', 'timeout'), 3);
      const accepted = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'flaky-2', to_address: await userAddress(), amount: G2A.toString() }).expect(202);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const t = await task(accepted.body.task_id);
        if (t.status === 'failed') {
          assert.match(t.last_error, /gave up after 2 retries/);
          break;
        }
        assert.ok(Date.now() < deadline, `still ${t.status}`);
        clock.advance(10_000);
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    it('given the message was recorded as sent but never reached the network (a crash before submit), then it is submitted again and lands once', async () => {
      chain.failNext('submit', new Error('connection reset'));
      const to = await userAddress();
      const accepted = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'crash-1', to_address: to, amount: (3n * G2A).toString() }).expect(202);
      await settled(accepted.body.task_id);
      assert.equal(await emulator.jettonBalance(Address.parse(to)), 3n * G2A);
    });

    it('given a callback endpoint that is down, then the callback is retried through the outbox until it is delivered', async () => {
      refuseCallbacks = 2;
      const accepted = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'callback-retry', to_address: await userAddress(), amount: G2A.toString(), callback_url: callbackUrl }).expect(202);
      await settled(accepted.body.task_id);
      const deadline = Date.now() + 30_000;
      while (!callbacks.some((c) => c.body.task_id === accepted.body.task_id)) {
        assert.ok(Date.now() < deadline, 'the callback was never delivered');
        clock.advance(1_000); // the outbox backs off on the injected clock
        await new Promise((r) => setTimeout(r, 30));
      }
      assert.equal(refuseCallbacks, 0);
    });
  });

  describe('audit and access', () => {
    it('given a confirmed task, then its audit trail shows request, signature (hash and seqno), confirmation; support only', async () => {
      const accepted = await request(api).post('/g2a/mint').set('Authorization', connect)
        .send({ request_id: 'audited', to_address: await userAddress(), amount: G2A.toString() }).expect(202);
      await settled(accepted.body.task_id);
      const deadline = Date.now() + 10_000;
      let actions: string[] = [];
      let items: Array<{ action: string; detail: Record<string, unknown> }> = [];
      while (!actions.includes('task.confirmed') && Date.now() < deadline) {
        items = (await request(api).get('/audit').query({ task_id: accepted.body.task_id }).set('Authorization', support).expect(200)).body.items;
        actions = items.map((i) => i.action);
        await new Promise((r) => setTimeout(r, 30));
      }
      assert.deepEqual(actions, ['task.requested', 'task.signed_and_sent', 'task.confirmed']);
      const signature = items[1]!.detail;
      assert.match(String(signature.messageHash), /^[0-9a-f]{64}$/);
      assert.match(String(signature.seqno), /^\d+$/);
      await request(api).get('/audit').set('Authorization', `Bearer ${await token({ kind: 'user', id: 'mallory' })}`).expect(403);
    });

    it('given the hot wallet key, then it never appears in events, read models or responses', async () => {
      const mnemonicFile = await import('node:fs/promises').then((fs) => fs.readFile(join(dataDir, 'ton', 'hot-wallet.mnemonic'), 'utf8'));
      const firstWord = mnemonicFile.trim().split(/\s+/).slice(0, 3).join(' ');
      const events = await storedEventsText(database);
      assert.ok(events.length > 0, 'the log was read');
      assert.deepEqual(events.filter((event) => event.data.includes(firstWord) || event.metadata.includes(firstWord)).map((event) => `${event.type} of ${event.streamName}`), []);
    });
  });
});
