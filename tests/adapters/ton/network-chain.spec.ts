import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Address, beginCell, toNano } from '@ton/core';
import { mnemonicNew } from '@ton/crypto';
import { Blockchain } from '@ton/sandbox';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { startTestSystem } from '../../support/test-system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { appConfigSections } from '../../../adapters/config/app-config.js';
import { loadConfig } from '../../../adapters/config/platform-config.js';
import { createLogger } from '../../../adapters/observability/logger.js';
import { EmulatorChain } from '../../../adapters/ton/emulator-chain.js';
import { GatewayContracts } from '../../../adapters/ton/gateway-contracts.js';
import { openTonGateway } from '../../../adapters/ton/open-ton-gateway.js';
import { HotWallet, NETWORK_ID } from '../../../adapters/ton/hot-wallet.js';
import { NetworkChain } from '../../../adapters/ton/network-chain.js';
import { TonProofChecker } from '../../../adapters/ton/ton-proof.js';
import { ChainError, type SentBatch, type SignedBatch, type TaskOperation } from '../../../commands/blockchain/ports/gateway-chain.js';
import { gatewayModule } from '../../../commands/blockchain/gateway-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { ToncenterStub } from '../../support/toncenter-stub.js';

const G2A = 1_000_000_000n;
const someone = () => new Address(0, randomBytes(32)).toString();
const sent = (signed: SignedBatch, ops: readonly TaskOperation[]): SentBatch => ({
  messageHash: signed.messageHash,
  validUntil: signed.validUntil,
  tasks: ops.map((op) => ({ ...op, actions: signed.actions[op.taskId] ?? [], ...(signed.itemIndexes[op.taskId] ? { itemIndex: signed.itemIndexes[op.taskId] } : {}) })),
});
/** No pacing and one quick retry: the stub answers at once. */
const fast = { requestsPerSecond: 1000, retries: 1, retryBaseMs: 10 } as const;
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
  /** Gives up on a request after 1 s (the no-answer cases). */
  let impatient: NetworkChain;

  before(async () => {
    wallet = await HotWallet.fromMnemonic((await mnemonicNew(24)).join(' '), NETWORK_ID.mainnet);
    emulator = await EmulatorChain.open({ wallet, publicUrl: 'http://localhost:3000', now }); // funds the wallet, deploys the contracts
    stub = await ToncenterStub.start(emulator.blockchain, now);
    chain = new NetworkChain({ endpoint: stub.endpoint, apiKey: 'test-api-key', wallet, publicUrl: 'http://localhost:3000', now, timeoutMs: 10_000, ...fast });
    impatient = new NetworkChain({ endpoint: stub.endpoint, wallet, publicUrl: 'http://localhost:3000', now, timeoutMs: 1000, ...fast });
  });
  after(async () => stub?.close());

  it('given contracts already deployed, then the adapter computes the same addresses, checks they are ours and deploys nothing', async () => {
    const before = stub.calls.length;
    assert.deepEqual(await chain.ensureDeployed(), { status: 'ready' });
    assert.ok(chain.contracts.minter.address.equals(emulator.contracts.minter.address));
    assert.ok(!stub.calls.slice(before).includes('sendBoc'), 'nothing deployed');
    assert.ok(stub.apiKeys.has('test-api-key'), 'the API key is sent');
  });

  it("given any owner, then the jetton wallet address computed locally is the one the minter's get_wallet_address gives", async () => {
    for (let i = 0; i < 3; i++) {
      const owner = Address.parse(someone());
      const asked = await emulator.contracts.minter.getWalletAddress(emulator.blockchain.provider(emulator.contracts.minter.address), owner);
      assert.ok(chain.contracts.jettonWalletAddress(owner).equals(asked));
    }
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
    const release = stub.holdCascades();
    await chain.submit(signed.messageBoc);
    await rejectsAs(chain.findConfirmation(sent(signed, ops)), 'transient', /on chain; the transactions it causes are still in flight/);
    release();
    await stub.settled();
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

  it('given a 429, a 503 or no answer once, then the adapter waits and asks again by itself; given them again and again, a transient error the dispatcher retries', async () => {
    const ops: TaskOperation[] = [{ taskId: 'm', operation: { kind: 'g2a_mint', to: someone(), amount: G2A.toString() } }];
    stub.failNext(429, 1, ['runGetMethod']);
    const signed = await chain.sign(ops, 60);
    stub.failNext(429, 2, ['runGetMethod']);
    await rejectsAs(chain.sign(ops, 60), 'transient', /rate limit \(429\) on runGetMethod/);
    stub.failNext(503, 2, ['sendBoc']);
    await rejectsAs(chain.submit(signed.messageBoc), 'transient', /error 503 on sendBoc/);
    stub.failNext('hang', 2, ['sendBoc']);
    await rejectsAs(impatient.submit(signed.messageBoc), 'transient', /unreachable or timed out \(sendBoc\): no answer in 1000 ms/);
    stub.failNext(503, 1, ['sendBoc']);
    await chain.submit(signed.messageBoc);
    await stub.settled();
    stub.failNext(502, 2, ['getTransactions']);
    await rejectsAs(chain.findConfirmation(sent(signed, ops)), 'transient', /error 502 on getTransactions/);
    stub.failNext('hang', 1, ['getTransactions']);
    assert.equal((await impatient.findConfirmation(sent(signed, ops)))?.outcomes.m?.ok, true);
  });

  it('given a refused API key or a request the endpoint rejects, then transient (fix the key, the tasks wait) and permanent (the request is wrong)', async () => {
    stub.failNext(401, 1, ['getAddressInformation']);
    await rejectsAs(chain.deployedPublicKey(Address.parse(someone())), 'transient', /refused the API key \(401\)/);
    stub.failNext(422, 1, ['getAddressInformation']);
    await rejectsAs(chain.deployedPublicKey(Address.parse(someone())), 'permanent', /refused the request \(422\)/);
  });

  it('given more mints in one message than one page of the minter\'s history holds, then each is found and confirmed, each account read once', async () => {
    const ops: TaskOperation[] = Array.from({ length: 120 }, (_, i) => ({ taskId: `m${i}`, operation: { kind: 'g2a_mint', to: someone(), amount: G2A.toString() } }));
    const signed = await chain.sign(ops, 60);
    await chain.submit(signed.messageBoc);
    await stub.settled();
    const reads = stub.calls.length;
    const confirmation = await chain.findConfirmation(sent(signed, ops));
    assert.ok(confirmation);
    assert.deepEqual(Object.values(confirmation.outcomes).filter((outcome) => !outcome.ok), []);
    const historyReads = stub.calls.slice(reads).filter((method) => method === 'getTransactions').length;
    // the hot wallet's history holds the 120 excesses that came back after the message: two pages of it, two of the minter's, one of each recipient's jetton wallet
    assert.ok(historyReads <= 2 + 2 + 120, `${historyReads} history reads`);
    const allReads = stub.calls.length - reads;
    assert.ok(allReads <= 2 * 120 + 10, `${allReads} requests: about two per mint (its jetton wallet's history, its balance), at 10 requests/s on toncenter ~25 s for 120 mints`);
  });

  it('given impossible operations, then they are permanent: an unparsable address is refused at signing, an unaffordable transfer fails on chain', async () => {
    const ops: TaskOperation[] = [
      { taskId: 'bad', operation: { kind: 'g2a_mint', to: 'not-an-address', amount: '1' } },
      { taskId: 'huge', operation: { kind: 'g2a_transfer', to: someone(), amount: (10n ** 30n).toString(), userId: 'x' } },
    ];
    const signed = await chain.sign(ops, 60);
    assert.match(signed.refused.bad!, /invalid address/);
    await chain.submit(signed.messageBoc);
    await stub.settled();
    const outcome = (await chain.findConfirmation(sent(signed, ops.slice(1))))!.outcomes.huge!;
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.permanent && /insufficient jetton balance/.test(outcome.error));
  });

  it('given a message not found, then its expiry is judged by the block time read before the look, less a margin: one landing meanwhile is never taken for lost', async () => {
    const ops: TaskOperation[] = [{ taskId: 'late', operation: { kind: 'g2a_mint', to: someone(), amount: '1' } }];
    const signed = await chain.sign(ops, 60);
    assert.equal(await chain.findConfirmation(sent(signed, ops)), null);
    assert.equal(await chain.chainTime(), now() - 30);
    clock.advance(75_000); // past valid_until by the local clock, not yet past it with the margin
    assert.equal(await chain.findConfirmation(sent(signed, ops)), null);
    assert.ok((await chain.chainTime()) <= signed.validUntil, 'the dispatcher keeps waiting');
    clock.advance(20_000);
    assert.equal(await chain.findConfirmation(sent(signed, ops)), null);
    assert.ok((await chain.chainTime()) > signed.validUntil, 'now it can never land: safe to sign again');
    await rejectsAs(chain.submit(signed.messageBoc), 'transient', /cannot apply external message/);
  });

  describe('the contracts on a network', () => {
    const mint = (to: string, amount = G2A): TaskOperation[] => [{ taskId: 'p', operation: { kind: 'g2a_mint', to, amount: amount.toString() } }];

    it('given TON_JETTON_MINTER / TON_NFT_COLLECTION naming contracts deployed before, then they are used whatever GATEWAY_PUBLIC_URL says, and a mint lands', async () => {
      assert.ok(!new GatewayContracts(wallet.address, 'https://moved.example').minter.address.equals(emulator.contracts.minter.address), 'derived from another URL, it would be another token');
      const pinned = new NetworkChain({ endpoint: stub.endpoint, wallet, publicUrl: 'https://moved.example', now, ...fast, minter: emulator.contracts.minter.address, collection: emulator.contracts.collection.address });
      assert.deepEqual(await pinned.ensureDeployed(), { status: 'ready' });
      const to = someone();
      const signed = await pinned.sign(mint(to), 60);
      await pinned.submit(signed.messageBoc);
      await stub.settled();
      assert.equal((await pinned.findConfirmation(sent(signed, mint(to))))?.outcomes.p?.ok, true);
      assert.equal(await emulator.jettonBalance(Address.parse(to)), G2A);
    });

    it("given pinned addresses that are not the gateway's contracts, then signing is refused saying what is wrong: not deployed (transient), other code or another admin (permanent)", async () => {
      const pin = (minter: Address) => new NetworkChain({ endpoint: stub.endpoint, wallet, publicUrl: 'http://localhost:3000', now, ...fast, minter });
      await rejectsAs(pin(Address.parse(someone())).sign(mint(someone()), 60), 'transient', /TON_JETTON_MINTER=\S+ is not an active contract on this network \(uninitialized\)/);
      await rejectsAs(pin(emulator.contracts.collection.address).sign(mint(someone()), 60), 'permanent', /does not run the standard jetton minter code/);
      const stranger = await emulator.blockchain.treasury('stranger');
      const theirs = new GatewayContracts(stranger.address, 'http://localhost:3000').deployMinter()!;
      await stranger.send({ to: theirs.to, value: theirs.value, init: theirs.init!, body: theirs.body, bounce: false });
      await rejectsAs(pin(theirs.to).sign(mint(someone()), 60), 'permanent', /is administered by \S+, not by the hot wallet/);
    });

    it('given a network configuration without TON_MNEMONIC or with a malformed contract address, then the configuration is refused naming the variable', () => {
      const env = { JWT_SECRET: 'x'.repeat(40), TON_NETWORK: 'testnet', TON_ENDPOINT: stub.endpoint };
      assert.throws(() => loadConfig(env, appConfigSections), /TON_MNEMONIC is required when TON_NETWORK=testnet/);
      assert.throws(() => loadConfig({ ...env, TON_JETTON_MINTER: 'EQnot-an-address' }, appConfigSections), /TON_JETTON_MINTER must be a TON address/);
      const ok = loadConfig({ ...env, TON_MNEMONIC: Array(24).fill('abandon').join(' '), TON_NFT_COLLECTION: emulator.contracts.collection.address.toString() }, appConfigSections);
      assert.equal(ok.gateway.pinned.collection, emulator.contracts.collection.address.toString());
      assert.equal(ok.gateway.pinned.minter, undefined);
    });
  });

  describe('TON_NETWORK=testnet on a fresh network: the gateway deploys its contracts on first start', () => {
    let fresh: Blockchain;
    let freshStub: ToncenterStub;
    let database: Awaited<ReturnType<typeof openTestDatabase>>;
    let system: RunningSystem;
    let testnetWallet: HotWallet;
    const logLines: string[] = [];
    const SECRET = 'fresh-network-test-secret-at-least-32-chars';

    before(async () => {
      const words = (await mnemonicNew(24)).join(' ');
      testnetWallet = await HotWallet.fromMnemonic(words, NETWORK_ID.testnet);
      fresh = await Blockchain.create();
      fresh.now = now();
      freshStub = await ToncenterStub.start(fresh, now);
      database = await openTestDatabase();
      system = await startTestSystem({
        database,
        clock,
        env: {
          JWT_SECRET: SECRET,
          TON_NETWORK: 'testnet',
          TON_ENDPOINT: freshStub.endpoint,
          TON_MNEMONIC: words,
          TON_REQUESTS_PER_SECOND: '1000',
          GATEWAY_POLL_MS: '20',
          GATEWAY_RETRY_BASE_MS: '50',
          GATEWAY_MAX_RETRIES: '8',
          GATEWAY_CALLBACK_SECRET: 'fresh-network-callback-secret-32-chars!!',
          // the contract addresses derive from it (unset, it follows PORT, which is 0 here)
          GATEWAY_PUBLIC_URL: 'http://localhost:3000',
        },
        logger: createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(line) } }),
        contexts: [gatewayModule(openTonGateway())],
      });
    });
    after(async () => {
      await system?.stop();
      await database?.dispose();
      await freshStub?.close();
    });

    it('given an unfunded hot wallet, then a mint waits with last_error saying which wallet to fund; once funded, the contracts are deployed and the mint is confirmed', async () => {
      const startLog = () => logLines.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } }).find((line) => /not usable yet/.test(line.msg));
      for (const deadline = Date.now() + 10_000; !startLog() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
      const start = startLog();
      assert.match(start?.err?.message ?? '', /holds 0 TON: send it TON so it can deploy the G2A minter \S+ and the badge collection/, 'the start-up log says what to do');
      const token = `Bearer ${await signAccessToken({ kind: 'service', id: 'quests', roles: [], scopes: ['g2a:mint'] }, { secret: SECRET, ttlSeconds: 600 })}`;
      const to = someone();
      const accepted = await request(`http://127.0.0.1:${system.port}`).post('/g2a/mint').set('Authorization', token).send({ request_id: 'fresh-1', to_address: to, amount: (4n * G2A).toString() }).expect(202);
      const task = async () => (await request(`http://127.0.0.1:${system.port}`).get(`/tasks/${accepted.body.task_id}`).set('Authorization', token).expect(200)).body as { status: string; retry_count: number; last_error: string | null };
      const until = async (done: (t: Awaited<ReturnType<typeof task>>) => boolean) => {
        const deadline = Date.now() + 30_000;
        for (let t = await task(); !done(t); t = await task()) {
          assert.ok(Date.now() < deadline, `task is ${JSON.stringify(t)}`);
          clock.advance(500); // time passes: retry timers fire
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
      };
      await until((t) => t.retry_count >= 1);
      assert.ok((await task()).last_error?.includes(`the hot wallet ${testnetWallet.address.toString({ bounceable: false, testOnly: true })} holds 0 TON`), (await task()).last_error ?? '');
      const funding = await fresh.treasury('testnet-funding');
      await funding.send({ to: testnetWallet.address, value: toNano('10'), bounce: false, body: beginCell().endCell() });
      await until((t) => t.status === 'confirmed');
      const contracts = new GatewayContracts(testnetWallet.address, 'http://localhost:3000');
      assert.equal((await fresh.getContract(contracts.minter.address)).accountState?.type, 'active');
      assert.equal((await fresh.getContract(contracts.collection.address)).accountState?.type, 'active');
      const { stack } = await fresh.provider(contracts.jettonWalletAddress(Address.parse(to))).get('get_wallet_data', []);
      assert.equal(stack.readBigNumber(), 4n * G2A, 'the jettons are on the fresh chain');
    });
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
