import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Address } from '@ton/core';
import { mnemonicNew } from '@ton/crypto';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { startTestSystem } from '../../support/test-system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { EmulatorChain } from '../../../adapters/ton/emulator-chain.js';
import { HotWallet, NETWORK_ID } from '../../../adapters/ton/hot-wallet.js';
import { NetworkChain } from '../../../adapters/ton/network-chain.js';
import { TonProofChecker } from '../../../adapters/ton/ton-proof.js';
import { ChainError, type SentBatch, type SignedBatch, type TaskOperation } from '../../../commands/blockchain/gateway-chain.js';
import { gatewayModule } from '../../../commands/blockchain/gateway-module.js';
import { ManualClock } from '../../../sagas/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { ToncenterStub } from '../../support/toncenter-stub.js';

const G2A = 1_000_000_000n;
const someone = () => new Address(0, randomBytes(32)).toString();
const sent = (signed: SignedBatch, ops: readonly TaskOperation[]): SentBatch => ({
  messageHash: signed.messageHash,
  validUntil: signed.validUntil,
  tasks: ops.map((op) => ({ ...op, actions: signed.actions[op.taskId] ?? [], ...(signed.itemIndexes[op.taskId] ? { itemIndex: signed.itemIndexes[op.taskId] } : {}) })),
});
const rejectsAs = async (work: Promise<unknown>, kind: 'transient' | 'permanent', pattern: RegExp) =>
  assert.rejects(work, (error: unknown) => error instanceof ChainError && error.kind === kind && pattern.test(error.message));

/**
 * The real-network adapter (TonClient over toncenter v2 JSON-RPC) against a local toncenter
 * stub backed by TON's emulator: no internet, but every request and answer is the real
 * protocol, and the contracts really run.
 */
describe('TON network chain (TonClient against a toncenter v2 stub backed by the emulator)', function () {
  this.timeout(120_000);
  let wallet: HotWallet;
  const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
  const now = () => Math.floor(clock.now().getTime() / 1000);
  let emulator: EmulatorChain;
  let stub: ToncenterStub;
  let chain: NetworkChain;

  before(async () => {
    wallet = await HotWallet.fromMnemonic((await mnemonicNew(24)).join(' '), NETWORK_ID.mainnet);
    emulator = await EmulatorChain.open({ wallet, publicUrl: 'http://localhost:3000', now }); // funds the wallet, deploys the contracts
    stub = await ToncenterStub.start(emulator.blockchain, now);
    chain = new NetworkChain({ endpoint: stub.endpoint, apiKey: 'test-api-key', wallet, publicUrl: 'http://localhost:3000', now, timeoutMs: 1000 });
  });
  after(async () => stub?.close());

  it('given contracts already deployed, then the adapter computes the same addresses and deploys nothing', async () => {
    assert.deepEqual(await chain.ensureDeployed(), { deployed: false });
    assert.ok(chain.contracts.minter.address.equals(emulator.contracts.minter.address));
    assert.ok(stub.apiKeys.has('test-api-key'), 'the API key is sent');
  });

  it('given a mint, a transfer and a badge signed into one message, when submitted over toncenter, then it is found by its hash and each operation is confirmed', async () => {
    const alice = someone();
    const ops: TaskOperation[] = [
      { taskId: 'mint', operation: { kind: 'g2a_mint', to: alice, amount: (7n * G2A).toString() } },
      { taskId: 'transfer', operation: { kind: 'g2a_transfer', to: alice, amount: (2n * G2A).toString(), userId: 'alice' } },
      { taskId: 'badge', operation: { kind: 'nft_mint', to: alice, userId: 'alice', badge: 'explorer', level: 1 } },
    ];
    const signed = await chain.sign(ops, 60);
    assert.equal(await chain.findConfirmation(sent(signed, ops)), null, 'not on chain before it is submitted');
    await chain.submit(signed.messageBoc);
    const confirmation = await chain.findConfirmation(sent(signed, ops));
    assert.ok(confirmation);
    assert.deepEqual(
      Object.fromEntries(Object.entries(confirmation.outcomes).map(([task, outcome]) => [task, outcome.ok])),
      { mint: true, transfer: true, badge: true },
    );
    assert.equal(await emulator.jettonBalance(Address.parse(alice)), 9n * G2A, 'the chain agrees with the tasks');
    const badge = confirmation.outcomes.badge!;
    assert.ok(badge.ok && badge.result.onchainTokenId === signed.itemIndexes.badge);
    await rejectsAs(chain.submit(signed.messageBoc), 'transient', /cannot apply external message/);
    assert.equal(await emulator.jettonBalance(Address.parse(alice)), 9n * G2A, 'the same message never runs twice');
  });

  it('given rate limits, server errors or no answer, then the adapter reports transient errors the dispatcher retries', async () => {
    const ops: TaskOperation[] = [{ taskId: 'm', operation: { kind: 'g2a_mint', to: someone(), amount: G2A.toString() } }];
    stub.failNext(429, 1, ['runGetMethod']);
    await rejectsAs(chain.sign(ops, 60), 'transient', /rate limit \(429\)/);
    const signed = await chain.sign(ops, 60);
    stub.failNext(503, 1, ['sendBoc']);
    await rejectsAs(chain.submit(signed.messageBoc), 'transient', /error 503/);
    stub.failNext('hang', 1, ['sendBoc']);
    await rejectsAs(chain.submit(signed.messageBoc), 'transient', /unreachable or timed out/);
    await chain.submit(signed.messageBoc);
    stub.failNext(502, 1, ['getTransactions']);
    await rejectsAs(chain.findConfirmation(sent(signed, ops)), 'transient', /error 502/);
    assert.equal((await chain.findConfirmation(sent(signed, ops)))?.outcomes.m?.ok, true);
  });

  it('given impossible operations, then they are permanent: an unparsable address is refused at signing, an unaffordable transfer fails on chain', async () => {
    const ops: TaskOperation[] = [
      { taskId: 'bad', operation: { kind: 'g2a_mint', to: 'not-an-address', amount: '1' } },
      { taskId: 'huge', operation: { kind: 'g2a_transfer', to: someone(), amount: (10n ** 30n).toString(), userId: 'x' } },
    ];
    const signed = await chain.sign(ops, 60);
    assert.match(signed.refused.bad!, /invalid address/);
    await chain.submit(signed.messageBoc);
    const outcome = (await chain.findConfirmation(sent(signed, ops.slice(1))))!.outcomes.huge!;
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.permanent && /insufficient jetton balance/.test(outcome.error));
  });

  describe('the gateway over HTTP on the network adapter', () => {
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let system: RunningSystem;
    const SECRET = 'network-chain-test-secret-at-least-32-chars';

    before(async () => {
      database = await openTestDatabase();
      system = await startTestSystem({
        database,
        clock,
        env: { JWT_SECRET: SECRET, GATEWAY_POLL_MS: '20', GATEWAY_CALLBACK_SECRET: 'network-callback-secret-at-least-32-chars' },
        contexts: [gatewayModule(async () => ({ chain, verifier: new TonProofChecker((address) => chain.deployedPublicKey(address)), close: async () => {} }))],
      });
    });
    after(async () => {
      await system?.stop();
      await database?.dispose();
    });

    it('given a mint request, then the same gateway code takes it to confirmed through toncenter, and the balance on chain matches', async () => {
      const token = `Bearer ${await signAccessToken({ kind: 'service', id: 'quests', roles: [], scopes: ['g2a:mint'] }, { secret: SECRET, ttlSeconds: 600 })}`;
      const to = someone();
      const api = `http://127.0.0.1:${system.port}`;
      const accepted = await request(api).post('/g2a/mint').set('Authorization', token).send({ request_id: 'net-1', to_address: to, amount: (3n * G2A).toString() }).expect(202);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const task = (await request(api).get(`/tasks/${accepted.body.task_id}`).set('Authorization', token).expect(200)).body;
        if (task.status === 'confirmed') break;
        assert.ok(Date.now() < deadline, `task is ${task.status}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(await emulator.jettonBalance(Address.parse(to)), 3n * G2A);
      assert.ok(stub.calls.includes('sendBoc') && stub.calls.includes('getTransactions'));
    });
  });
});
