import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Database } from '../../../adapters/database/database.js';
import { openDatabase } from '../../../adapters/database/open-database.js';
import type { LocalCloudRegister } from '../../../adapters/fiscal/cloud-register/cloud-register.js';
import type { PaymentSandbox } from '../../../adapters/payments/sandbox/payment-sandbox.js';
import { DeveloperLedgerEvent, streamOfDeveloperLedger } from '../../../domain/game-store/developer-ledger.js';
import { gameOrderDecider, streamOfGameOrder } from '../../../domain/game-store/game-order.js';
import { LibraryEvent, streamOfLibrary } from '../../../domain/game-store/library.js';
import { NotificationEvent, streamOfInbox } from '../../../domain/notifications/inbox.js';
import { decodeEvent } from '../../../domain/event-decoding.js';
import { loadAggregate } from '../../../commands/load-aggregate.js';
import { systemClock } from '../../../platform/clock.js';
import { receiptIdOf } from '../../../sagas/game-store/purchase-saga.js';
import { databaseKind } from '../../support/test-database.js';
import { TEST_JWT_SECRET } from '../../support/test-system.js';
import { aDeveloper, eventually, givenOrder, givenProduct, type GameStoreSystem } from './game-store-harness.js';
import { initiatePayment, startSandbox } from './payment-harness.js';
import { registeredBuyer, startPurchasingStore, startRegister } from './purchase-harness.js';

const RUNS = 50;
/** Kills at most (then the last worker finishes undisturbed). */
const MAX_KILLS = 14;
const SERVER = 'postgres://postgres@127.0.0.1:5432';

/**
 * P-5, item 1 of issue 13: every step of the purchase survives a worker killed at any point.
 * The API (webhooks, queries) runs here; the saga, the projections and the outbox run in a
 * separate worker process (`npm run worker`) that is killed with SIGKILL at random moments —
 * mid-batch, mid-effect, between a register's answer and its recording — and started again,
 * while 50 purchases go through. Afterwards every purchase is complete with exactly one library
 * entry per game, one sale receipt at the cash register, one credit per game and one
 * notification of each kind.
 *
 * Two processes need one database: this runs on the PostgreSQL server (a database of its own,
 * dropped after) and is skipped on PGlite, which one process owns.
 */
describe('game store: the purchase saga survives a worker killed at random points (P-5)', function () {
  this.timeout(600_000);
  let admin: pg.Client | undefined;
  let databaseName: string;
  let database: Database;
  let sandbox: PaymentSandbox;
  let register: LocalCloudRegister;
  let api: GameStoreSystem;
  let dataDir: string;
  let worker: ChildProcess | undefined;
  let workerLog = '';
  let kills = 0;

  before(async function () {
    if (databaseKind !== 'pg') this.skip();
    databaseName = `kill_${randomBytes(5).toString('hex')}`;
    admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    database = await openDatabase({ url: `${SERVER}/${databaseName}`, poolSize: 20 });
    sandbox = await startSandbox();
    register = await startRegister(undefined, 300);
    dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-kill-'));
    api = await startPurchasingStore({ database, clock: systemClock, sandbox, register, role: 'api' });
  });

  after(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await api?.stop();
    await sandbox?.stop();
    await register?.stop();
    await database?.close();
    if (admin) {
      await admin.query(`drop database if exists ${databaseName} with (force)`).catch(() => {});
      await admin.end();
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function startWorker(): Promise<ChildProcess> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `${SERVER}/${databaseName}`,
      JWT_SECRET: TEST_JWT_SECRET,
      GCP_CVC_SECRET: 'kill-spec-cvc-secret-of-at-least-32-characters',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      PROJECTION_POLL_MS: '50',
      PAYMENT_SANDBOX_URL: sandbox.url,
      CLOUD_REGISTER_URL: register.url,
      // the register's callbacks and the providers' notifications go to the API process
      PUBLIC_BASE_URL: api.api,
      PAYMENT_PROVIDER_TIMEOUT_MS: '2000',
      PORT: '0',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/serve.ts', '--role=worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (workerLog = (workerLog + chunk).slice(-20_000)));
    child.stderr!.on('data', (chunk) => (workerLog = (workerLog + chunk).slice(-20_000)));
    return Promise.resolve(child);
  }

  it(`given ${RUNS} purchases in flight, when the worker is killed at random points and restarted until they settle, then each completed once: one library entry per game, one receipt, one credit per game, one notification of each kind`, async () => {
    // givens (with a worker running: the API's read-your-writes waits on its projections): two games of two developers;
    // 50 buyers with accounts, each an order of both games and a payment at YooKassa or T-Bank
    worker = await startWorker();
    const devA = await aDeveloper();
    const devB = await aDeveloper();
    const a = await givenProduct(api.api, devA.token, { title: 'Kill A', vat: 'vat22', prices: { RU: '499.00' } });
    const b = await givenProduct(api.api, devB.token, { title: 'Kill B', vat: 'none', prices: { RU: '150.00' } });
    const runs: { buyer: Awaited<ReturnType<typeof registeredBuyer>>; order: Awaited<ReturnType<typeof givenOrder>>; provider: 'yookassa' | 'tbank'; tx: Awaited<ReturnType<typeof initiatePayment>> }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const buyer = await registeredBuyer(api.api);
      const order = await givenOrder(api.api, buyer.token, [a.product_id, b.product_id]);
      const provider: 'yookassa' | 'tbank' = i % 2 === 0 ? 'yookassa' : 'tbank';
      const tx = await initiatePayment(api.api, buyer.token, { order_id: order.order_id, provider });
      runs.push({ buyer, order, provider, tx });
    }

    // when: payments arrive a few at a time while the worker is killed and restarted at random
    let paying = true;
    const payments = (async () => {
      for (const run of runs) {
        await sandbox.pay(run.provider, run.tx.provider_payment_id!);
        await new Promise((resolve) => setTimeout(resolve, 40 + Math.random() * 80));
      }
      paying = false;
    })();
    let done = 0;
    const settled = async () => {
      done = 0;
      for (const run of runs) {
        const order = (await loadAggregate(api.dependencies.store, gameOrderDecider, streamOfGameOrder(run.order.order_id))).state;
        if (order.status === 'completed' && order.processed) done++;
      }
      return done === runs.length;
    };
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline && kills < MAX_KILLS) {
      // let it run 2.5–6 s (its start-up, ~2 s warm, included), then kill it wherever it is
      await new Promise((resolve) => setTimeout(resolve, 2_500 + Math.random() * 3_500));
      if (!paying && kills >= 5 && (await settled())) break;
      if (worker.exitCode !== null) throw new Error(`the worker stopped by itself (exit ${worker.exitCode}):\n${workerLog}`);
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGKILL');
      await exited;
      kills++;
      worker = await startWorker();
    }
    await payments;
    // let the last worker finish undisturbed
    await eventually(async () => ((await settled()) ? true : undefined), 120_000).catch((error) => {
      throw new Error(`${error}: ${done} of ${runs.length} settled after ${kills} kills\nworker log:\n${workerLog}`);
    });
    assert.ok(kills >= 5, `the worker was killed ${kills} times`);

    // then: exactly once, every run
    const store = api.dependencies.store;
    const credits = [...(await store.readStream(streamOfDeveloperLedger(devA.id))), ...(await store.readStream(streamOfDeveloperLedger(devB.id)))].map((e) => decodeEvent(DeveloperLedgerEvent, e));
    for (const run of runs) {
      const orderId = run.order.order_id;
      const order = await store.readStream(streamOfGameOrder(orderId));
      assert.equal(order.filter((e) => e.type === 'OrderCompleted').length, 1, `order ${orderId} completed once`);
      assert.equal(order.filter((e) => e.type === 'OrderProcessingCompleted').length, 1, `order ${orderId} processed once`);
      const library = (await store.readStream(streamOfLibrary(run.buyer.id))).map((e) => decodeEvent(LibraryEvent, e));
      assert.deepEqual(library.filter((e) => e.type === 'LibraryGameAdded').map((e) => e.data.productId).sort(), [a.product_id, b.product_id].sort(), `order ${orderId}: one library entry per game`);
      const receipt = receiptIdOf(orderId, null);
      const documents = register.receipts().filter((r) => r.external_id.startsWith(`${receipt}.`));
      assert.equal(documents.length, 1, `order ${orderId}: one receipt at the register (${documents.map((d) => d.external_id).join(', ')})`);
      assert.equal(documents[0]!.status, 'done');
      assert.equal(credits.filter((e) => e.type === 'DeveloperCredited' && e.data.orderId === orderId).length, 2, `order ${orderId}: one credit per game`);
      const inbox = (await store.readStream(streamOfInbox(run.buyer.id))).map((e) => decodeEvent(NotificationEvent, e)).filter((e) => e.type === 'NotificationRecorded');
      assert.deepEqual(inbox.map((e) => (e.type === 'NotificationRecorded' ? e.data.kind : '')).sort(), ['game-store.order_confirmed', 'game-store.receipt_registered'], `order ${orderId}: one notification of each kind`);
    }
    const balanceA = credits.filter((e) => e.type === 'DeveloperCredited' && e.data.developerId === devA.id).reduce((sum, e) => sum + BigInt(e.data.amountMinor), 0n);
    assert.equal(balanceA, BigInt(RUNS) * 34930n, '70 % of 499.00 per sale, each once');
  });
});
