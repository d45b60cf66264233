import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import request from 'supertest';
import type { ContextFactory } from '../../adapters/app/context-module.js';
import type { RunningSystem } from '../../adapters/app/system.js';
import { signAccessToken } from '../../adapters/http/access-token.js';
import { handleCommand } from '../../commands/command-handler.js';
import { loadAggregate } from '../../commands/load-aggregate.js';
import type { EventSourcedDecider } from '../../domain/decider.js';
import { eventCodec, eventTypesOf, pickEvents } from '../../domain/event-codec.js';
import { decodeEvent, MalformedEventError } from '../../domain/event-decoding.js';
import { ManualClock } from '../../platform/clock.js';
import { waitForProjection } from '../../projections/checkpoints.js';
import { defineProjection } from '../../projections/projection.js';
import { replayProjection } from '../../projections/replay.js';
import { WalletEvent } from '../support/sample-wallet.js';
import { openTestDatabase } from '../support/test-database.js';
import { startTestSystem, TEST_JWT_SECRET } from '../support/test-system.js';

/**
 * Issue "Platform before three more contexts", items 2 and 3: an event type gains a version
 * with an upcaster beside its codec; a v1 event an older build wrote is read as v2 by a decider,
 * a projector and a replay; an event this build cannot read stops its projection, visibly.
 */

// v2 of WalletOpened carries the wallet's currency; v1 wallets were all roubles.
const WalletOpenedV2 = eventCodec('WalletOpened', t.type({ owner: t.string, currency: t.string }), {
  version: 2,
  upcast: { 1: (v1) => ({ ...(v1 as object), currency: 'RUB' }) },
});
const WalletEventV2 = t.union([WalletOpenedV2, pickEvents(WalletEvent, ['Deposited', 'Withdrawn'])]);
type WalletEventV2 = t.TypeOf<typeof WalletEventV2>;

const walletV2: EventSourcedDecider<{ type: 'Open'; owner: string; currency: string }, WalletEventV2, { currency?: string; balance: number }> = {
  events: WalletEventV2,
  initialState: { balance: 0 },
  decide: (command) => right([{ type: 'WalletOpened', data: { owner: command.owner, currency: command.currency } }]),
  evolve: (state, event) => {
    switch (event.type) {
      case 'WalletOpened':
        return { ...state, currency: event.data.currency };
      case 'Deposited':
        return { ...state, balance: state.balance + event.data.amount };
      case 'Withdrawn':
        return { ...state, balance: state.balance - event.data.amount };
    }
  },
};

const PROJECTION = 'versioned-wallets';
const walletCurrencies = defineProjection({
  name: PROJECTION,
  events: pickEvents(WalletEventV2, ['WalletOpened']),
  migrations: {
    'versioned-wallets-0001': {
      async up(db) {
        await sql`create table rm_versioned_wallets (id text primary key, owner text not null, currency text not null)`.execute(db);
      },
    },
  },
  async apply(trx, events) {
    for (const event of events) {
      await sql`insert into rm_versioned_wallets (id, owner, currency) values (${event.streamName}, ${event.data.owner}, ${event.data.currency})`.execute(trx);
    }
  },
});

const versionedContext: ContextFactory = () => ({ name: 'versioned', migrations: [walletCurrencies.migrations!], projections: [walletCurrencies] });

describe('versioned events with upcasters, and an event a projection cannot read', function () {
  this.timeout(60_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  /** As a build from before v2 wrote it: schemaVersion 1, no currency. */
  const appendV1 = (stream: string, owner: string) =>
    system.dependencies.store.append(stream, [{ eventId: randomUUID(), type: 'WalletOpened', data: { owner }, metadata: { schemaVersion: 1, occurredAt: clock.now().toISOString() } }], 'no_stream');

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({ database, clock, contexts: [versionedContext] });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given a v1 event written by an older build, when a decider folds the stream, then it sees the v2 shape', async () => {
    const stream = `Wallet-${randomUUID()}`;
    await appendV1(stream, 'ann');
    const { state } = await loadAggregate(system.dependencies.store, walletV2, stream);
    assert.equal(state.currency, 'RUB');
  });

  it('given the v2 codec, when a command appends, then its events are written as schemaVersion 2', async () => {
    const stream = `Wallet-${randomUUID()}`;
    await handleCommand(system.dependencies.store, walletV2, stream, { type: 'Open', owner: 'bo', currency: 'EUR' }, { now: clock.now() });
    const [recorded] = await system.dependencies.store.readStream(stream);
    assert.equal(recorded!.metadata.schemaVersion, 2);
    assert.deepEqual(decodeEvent(WalletEventV2, recorded!), { type: 'WalletOpened', data: { owner: 'bo', currency: 'EUR' } });
  });

  it('given v1 and v2 events in the log, then the projector reads both as v2, and a replay rebuilds the same rows', async () => {
    const old = `Wallet-${randomUUID()}`;
    const fresh = `Wallet-${randomUUID()}`;
    await appendV1(old, 'cy');
    const written = await handleCommand(system.dependencies.store, walletV2, fresh, { type: 'Open', owner: 'di', currency: 'USD' }, { now: clock.now() });
    assert.ok(written._tag === 'Right' && written.right.position);
    assert.ok(await waitForProjection(database, PROJECTION, written.right.position, 10_000));
    const { rows } = await sql<{ id: string; currency: string }>`select id, currency from rm_versioned_wallets where id in (${old}, ${fresh}) order by owner`.execute(database.db);
    assert.deepEqual(rows.map((r) => r.currency), ['RUB', 'USD']);
    const report = await replayProjection(database, system.dependencies.store, walletCurrencies, { mode: 'verify' });
    assert.equal(report.equal, true, JSON.stringify(report));
  });

  it('given an event of a version newer than this build knows, then the projection stops naming stream, revision and position, and says so in /api/admin/projections and /metrics', async () => {
    const stream = `Wallet-${randomUUID()}`;
    await system.dependencies.store.append(stream, [{ eventId: randomUUID(), type: 'WalletOpened', data: { owner: 'ev', currency: 'GBP', region: 'EU' }, metadata: { schemaVersion: 3 } }], 'no_stream');
    const admin = `Bearer ${await signAccessToken({ kind: 'user', id: 'ops', roles: ['admin'], scopes: [] }, { secret: TEST_JWT_SECRET, ttlSeconds: 300 })}`;
    let status: { status: string; error: string | null } | undefined;
    for (let i = 0; i < 100 && status?.status !== 'stopped'; i++) {
      const res = await request(system.api).get('/api/admin/projections').set('Authorization', admin).expect(200);
      status = (res.body.items as { name: string; status: string; error: string | null }[]).find((item) => item.name === PROJECTION);
      if (status?.status !== 'stopped') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status?.status, 'stopped');
    assert.match(status!.error!, new RegExp(`${stream}@0`));
    assert.match(status!.error!, /position \d+\/\d+/);
    assert.match(status!.error!, /v3 by a newer build/);
    const stoppedGauge = new RegExp(`projection_stopped\\{projection="${PROJECTION}"\\} 1`);
    let metrics = '';
    for (let i = 0; i < 100 && !stoppedGauge.test(metrics); i++) {
      metrics = (await request(system.api).get('/metrics').expect(200)).text;
      if (!stoppedGauge.test(metrics)) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(metrics, stoppedGauge);
    assert.match(metrics, new RegExp(`projection_lag_events\\{projection="${PROJECTION}"\\} [1-9]`), 'its lag shows the event it stands on');
    const { rows } = await sql`select 1 from rm_versioned_wallets where id = ${stream}`.execute(database.db);
    assert.equal(rows.length, 0, 'nothing of it was applied');
  });

  it('given an unknown type or a malformed body, then decoding refuses it by name — never a cast', () => {
    const at = { streamName: 'Wallet-x', revision: 4n, position: { commit: 9n, prepare: 9n } };
    assert.throws(() => decodeEvent(WalletEventV2, { ...at, type: 'WalletPainted', data: {} }), MalformedEventError);
    assert.throws(() => decodeEvent(WalletEventV2, { ...at, type: 'Deposited', data: { amount: 'ten' } }), /Wallet-x@4 \(position 9\/9\)/);
    assert.deepEqual([...eventTypesOf(WalletEventV2)].sort(), ['Deposited', 'WalletOpened', 'Withdrawn']);
  });
});
