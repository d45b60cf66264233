import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { ContextFactory } from '../../../adapters/app/context-module.js';
import type { RunningSystem } from '../../../adapters/app/system.js';
import type { Database } from '../../../adapters/database/database.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { openTonGateway } from '../../../adapters/ton/open-ton-gateway.js';
import { randomWalletKeys, signTonProof } from '../../../adapters/ton/ton-proof-signer.js';
import { accountsModule } from '../../../commands/accounts/accounts-module.js';
import { gatewayModule } from '../../../commands/blockchain/gateway-module.js';
import { inProcessGateway } from '../../../commands/blockchain/in-process-gateway.js';
import { rewardsModule } from '../../../commands/rewards/rewards-module.js';
import type { Clock, ManualClock } from '../../../platform/clock.js';
import { eventually } from '../../support/eventually.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';

/**
 * Connect as `npm start` builds it (accounts + the TON gateway on the emulator + rewards) on a
 * suite's database, and the callers and givens its specs share.
 */
export type ConnectSystem = RunningSystem & { api: string; dispose(): Promise<void> };

export const G2A = 1_000_000_000n;
export const TON_PROOF_DOMAIN = 'localhost:3000';

export async function startConnect(options: { database: Database; clock: Clock; role?: 'all' | 'api' | 'worker'; env?: Record<string, string>; contexts?: readonly ContextFactory[] }): Promise<ConnectSystem> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledgerline-connect-'));
  const system = await startTestSystem({
    database: options.database,
    clock: options.clock,
    ...(options.role ? { role: options.role } : {}),
    env: {
      DATA_DIR: dataDir,
      GATEWAY_POLL_MS: '20',
      GATEWAY_RETRY_BASE_MS: '200',
      TON_PROOF_DOMAIN,
      ...options.env,
    },
    contexts: options.contexts ?? [accountsModule(), gatewayModule(openTonGateway({ persist: false })), rewardsModule({ gateway: inProcessGateway })],
  });
  return Object.assign(system, {
    async dispose() {
      await system.stop();
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  });
}

export { eventually };

/** A caller: its id and `Authorization` header value. */
export interface Caller {
  readonly id: string;
  readonly token: string;
}

const sign = (principal: { kind: 'user' | 'service'; id: string; roles?: readonly string[]; scopes?: readonly string[] }) =>
  signAccessToken({ kind: principal.kind, id: principal.id, roles: [...(principal.roles ?? [])], scopes: [...(principal.scopes ?? [])] }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then(
    (t) => `Bearer ${t}`,
  );

const suffix = () => randomBytes(4).toString('hex');
export const aMember = async (id = `member-${suffix()}`): Promise<Caller> => ({ id, token: await sign({ kind: 'user', id, roles: ['user'] }) });
export const aSupport = async (id = `support-${suffix()}`): Promise<Caller> => ({ id, token: await sign({ kind: 'user', id, roles: ['user', 'support'] }) });
export const anAdmin = async (id = `admin-${suffix()}`): Promise<Caller> => ({ id, token: await sign({ kind: 'user', id, roles: ['user', 'admin'] }) });
export const aRewardsAdmin = async (id = `rules-${suffix()}`): Promise<Caller> => ({ id, token: await sign({ kind: 'user', id, roles: ['user', 'rewards_admin'] }) });
/** A service principal speaking for source services: scope `connect:report:<source>` per source (see the ingestion route). */
export const aSourceService = async (sources: readonly string[], id = `svc-${suffix()}`): Promise<Caller> => ({
  id,
  token: await sign({ kind: 'service', id, scopes: sources.map((s) => `connect:report:${s}`) }),
});
export const aService = async (scopes: readonly string[], id = `svc-${suffix()}`): Promise<Caller> => ({ id, token: await sign({ kind: 'service', id, scopes }) });

/** Given `userId` has linked and verified a fresh TON wallet (B-2) through the gateway's routes: its address. */
export async function givenVerifiedWallet(system: ConnectSystem, clock: Clock, userId: string): Promise<string> {
  const user = await sign({ kind: 'user', id: userId, roles: ['user'] });
  const challenge = await request(system.api).post('/wallet/link/request').set('Authorization', user).send({}).expect(201);
  const signed = await signTonProof({ keys: randomWalletKeys(), domain: TON_PROOF_DOMAIN, payload: challenge.body.payload, timestamp: Math.floor(clock.now().getTime() / 1000) });
  const verified = await request(system.api).post('/wallet/link/confirm').set('Authorization', user).send(signed);
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  return signed.address;
}

/** A report as a source service sends it to POST /connect/events. */
export interface Report {
  external_id: string;
  event_type: string;
  source_service: string;
  actor_user_id: string;
  primary_subject_user_id?: string | null;
  context?: Record<string, unknown>;
  occurred_at?: string;
}

export const anExternalId = (prefix = 'evt') => `${prefix}-${suffix()}`;

/**
 * Connect's members part alone (with accounts, for the roles), on a suite's database: its read
 * models, upgrade saga, effects and routes — for the members specs, which drive it by appending
 * EconomicEvents themselves. Its desk: `memberDesk(system.dependencies)`.
 */
export async function startMembersOnly(options: { database: Database; clock: Clock; role?: 'all' | 'api' | 'worker' }): Promise<RunningSystem & { api: string }> {
  const { membersPart } = await import('../../../commands/rewards/members.js');
  const members: ContextFactory = (system) => ({ name: 'rewards', ...membersPart({ system, gateway: inProcessGateway(system) }).part });
  return startTestSystem({ database: options.database, clock: options.clock, ...(options.role ? { role: options.role } : {}), contexts: [accountsModule(), members] });
}

/**
 * Connect as `startConnect` builds it, with a handle on the TON emulator the gateway runs on
 * (to read jetton balances on chain), and the gateway's settings in `env` (G2A_LIMIT_* …).
 */
export async function startConnectWithChain(options: { database: Database; clock: Clock; env?: Record<string, string> }): Promise<ConnectSystem & { chain(): import('../../../adapters/ton/emulator-chain.js').EmulatorChain }> {
  let emulator: import('../../../adapters/ton/emulator-chain.js').EmulatorChain | undefined;
  const open = openTonGateway({ persist: false });
  const system = await startConnect({
    ...options,
    contexts: [
      accountsModule(),
      gatewayModule(async (deps) => {
        const adapters = await open(deps);
        emulator = adapters.chain as import('../../../adapters/ton/emulator-chain.js').EmulatorChain;
        return adapters;
      }),
      rewardsModule({ gateway: inProcessGateway }),
    ],
  });
  return Object.assign(system, {
    chain() {
      if (!emulator) throw new Error('the gateway has not opened its chain');
      return emulator;
    },
  });
}

/** The source services the default rules hear from, each a service principal for its own source. */
export interface SourceServices {
  readonly referrals: Caller;
  readonly quests: Caller;
  readonly vouchers: Caller;
  readonly rielt: Caller;
  readonly rf: Caller;
  readonly users: Caller;
}

/** What a Connect suite's hooks build: the system on its own database, the sources, a support caller. */
export interface ConnectSuite {
  readonly database: Database & { dispose(): Promise<void> };
  readonly system: ConnectSystem;
  readonly sources: SourceServices;
  readonly support: Caller;
}

/**
 * A suite's `before` / `after`: Connect on a fresh test database, a ticker advancing the
 * ManualClock (the outbox's retries and the gateway's run on it), the source services and a
 * support caller; everything stopped and removed after. Its fields are there once `before` ran.
 */
export function connectSuite(clock: ManualClock, options: { readonly env?: Record<string, string> } = {}): ConnectSuite {
  const suite = {} as { -readonly [K in keyof ConnectSuite]: ConnectSuite[K] };
  let ticker: NodeJS.Timeout | undefined;
  before(async () => {
    suite.database = await openTestDatabase();
    suite.system = await startConnect({ database: suite.database, clock, ...(options.env ? { env: options.env } : {}) });
    ticker = setInterval(() => clock.advance(1000), 50);
    suite.sources = {
      referrals: await aSourceService(['referral_service']),
      quests: await aSourceService(['quest_service']),
      vouchers: await aSourceService(['voucher_service']),
      rielt: await aSourceService(['rielt_service']),
      rf: await aSourceService(['rf_service']),
      users: await aSourceService(['user_service']),
    };
    suite.support = await aSupport();
  });
  after(async () => {
    clearInterval(ticker);
    await suite.system?.dispose();
    await suite.database?.dispose();
  });
  return suite;
}
