import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isLeft, isRight } from 'fp-ts/Either';
import fc from 'fast-check';
import { migrate } from '../../adapters/database/migrations.js';
import { eventLogMigrations } from '../../adapters/eventstore/postgres/event-log-migrations.js';
import { PostgresEventStore } from '../../adapters/eventstore/postgres/postgres-event-store.js';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { EventStoreDbEventStore } from '../../adapters/eventstore/eventstoredb/eventstoredb-event-store.js';
import { EsdbDouble } from '../support/esdb-double/esdb-double.js';
import { handleCommand } from '../../commands/command-handler.js';
import { loadAggregate } from '../../commands/load-aggregate.js';
import { MalformedEventError } from '../../domain/event-decoding.js';
import { given } from '../support/decider-spec.js';
import { walletDecider, type WalletState } from '../support/sample-wallet.js';
import { openTestDatabase } from '../support/test-database.js';

describe('Decider runtime', () => {
  describe('given/when/then on a pure decider', () => {
    it('given an open wallet with 10, when withdrawing 4, then Withdrawn', () => {
      given(walletDecider, [
        { type: 'WalletOpened', data: { owner: 'ann' } },
        { type: 'Deposited', data: { amount: 10 } },
      ])
        .when({ type: 'Withdraw', amount: 4 })
        .then([{ type: 'Withdrawn', data: { amount: 4 } }]);
    });

    it('given an open wallet with 3, when withdrawing 4, then insufficient funds naming the field', () => {
      given(walletDecider, [
        { type: 'WalletOpened', data: { owner: 'ann' } },
        { type: 'Deposited', data: { amount: 3 } },
      ])
        .when({ type: 'Withdraw', amount: 4 })
        .thenFails('wallet.insufficient_funds', { kind: 'rule_violated', field: 'amount' });
    });
  });

  // The PostgreSQL log, and EventStoreDB through its adapter over gRPC (the protocol double).
  const logs: ReadonlyArray<{ name: string; open: () => Promise<{ store: EventStore; dispose(): Promise<void> }> }> = [
    {
      name: 'the PostgreSQL event log',
      open: async () => {
        const database = await openTestDatabase();
        await migrate(database, eventLogMigrations);
        return { store: new PostgresEventStore(database, 20), dispose: () => database.dispose() };
      },
    },
    {
      name: 'EventStoreDB (the protocol double)',
      open: async () => {
        const double = await EsdbDouble.start();
        const store = EventStoreDbEventStore.connect(double.connectionString);
        return { store, dispose: async () => (await store.close(), await double.close()) };
      },
    },
  ];
  for (const log of logs) describe(`command handler against ${log.name}`, function () {
    this.timeout(120_000);
    let store: EventStore;
    let dispose: () => Promise<void>;
    before(async () => ({ store, dispose } = await log.open()));
    after(async () => dispose());

    it('given a new stream, when a command is handled, then its events are appended with correlation metadata', async () => {
      const stream = `Wallet-${randomUUID()}`;
      const result = await handleCommand(store, walletDecider, stream, { type: 'Open', owner: 'ann' }, {
        correlationId: 'corr-1',
        causationId: 'cause-1',
        actor: 'user-1',
        now: new Date('2026-01-01T00:00:00Z'),
      });
      assert.ok(isRight(result));
      assert.equal(result.right.revision, 0n);
      const [recorded] = await store.readStream(stream);
      assert.equal(recorded!.metadata.correlationId, 'corr-1');
      assert.equal(recorded!.metadata.causationId, 'cause-1');
      assert.equal(recorded!.metadata.actor, 'user-1');
      assert.equal(recorded!.metadata.occurredAt, '2026-01-01T00:00:00.000Z');
    });

    it('given a refused command, when handled, then nothing is appended and the error comes back', async () => {
      const stream = `Wallet-${randomUUID()}`;
      const result = await handleCommand(store, walletDecider, stream, { type: 'Deposit', amount: 5 }, { now: new Date() });
      assert.ok(isLeft(result));
      assert.equal(result.left.code, 'wallet.not_found');
      assert.deepEqual(await store.readStream(stream), []);
    });

    it('given a command id, when the same command is handled twice, then it is appended once and the second call replays', async () => {
      const stream = `Wallet-${randomUUID()}`;
      await handleCommand(store, walletDecider, stream, { type: 'Open', owner: 'ann' }, { now: new Date() });
      const first = await handleCommand(store, walletDecider, stream, { type: 'Deposit', amount: 5 }, { commandId: 'saga-1:deposit', now: new Date() });
      const second = await handleCommand(store, walletDecider, stream, { type: 'Deposit', amount: 5 }, { commandId: 'saga-1:deposit', now: new Date() });
      assert.ok(isRight(first) && isRight(second));
      assert.equal(second.right.replayed, true);
      assert.deepEqual(second.right.events, first.right.events);
      assert.equal((await store.readStream(stream)).length, 2);
    });

    it('given one command id run twice at the same instant with different inputs, then both answer with what the log holds (the loser reads the winner’s events)', async () => {
      for (let round = 0; round < 10; round++) {
        const stream = `Wallet-${randomUUID()}`;
        const [a, b] = await Promise.all([
          handleCommand(store, walletDecider, stream, { type: 'Open', owner: 'ann' }, { commandId: 'open-once', now: new Date() }),
          handleCommand(store, walletDecider, stream, { type: 'Open', owner: 'bob' }, { commandId: 'open-once', now: new Date() }),
        ]);
        assert.ok(isRight(a) && isRight(b));
        const stored = (await loadAggregate(store, walletDecider, stream)).state as WalletState & { owner?: string };
        assert.equal((a.right.state as { owner?: string }).owner, stored.owner);
        assert.equal((b.right.state as { owner?: string }).owner, stored.owner);
        assert.equal((await store.readStream(stream)).length, 1);
      }
    });

    it('given 20 concurrent withdrawals of 10 from 100, when handled, then exactly 10 succeed and the balance is 0', async () => {
      const stream = `Wallet-${randomUUID()}`;
      await handleCommand(store, walletDecider, stream, { type: 'Open', owner: 'ann' }, { now: new Date() });
      await handleCommand(store, walletDecider, stream, { type: 'Deposit', amount: 100 }, { now: new Date() });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => handleCommand(store, walletDecider, stream, { type: 'Withdraw', amount: 10 }, { now: new Date() }, { maxRetries: 50 })),
      );
      assert.equal(results.filter(isRight).length, 10);
      for (const r of results) if (isLeft(r)) assert.equal(r.left.code, 'wallet.insufficient_funds');
      const { state } = await loadAggregate(store, walletDecider, stream);
      assert.deepEqual(state, { status: 'open', owner: 'ann', balance: 0 });
    });

    it('property: for any sequence of deposits and withdrawals, the stored balance never goes negative', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.record({ type: fc.constant('Deposit' as const), amount: fc.integer({ min: 1, max: 50 }) }),
            fc.record({ type: fc.constant('Withdraw' as const), amount: fc.integer({ min: 1, max: 80 }) })), { maxLength: 12 }),
          async (commands) => {
            const stream = `Wallet-${randomUUID()}`;
            await handleCommand(store, walletDecider, stream, { type: 'Open', owner: 'p' }, { now: new Date() });
            await Promise.all(commands.map((c) => handleCommand(store, walletDecider, stream, c, { now: new Date() }, { maxRetries: 100 })));
            let balance = 0;
            for (const event of await store.readStream(stream)) {
              if (event.type === 'Deposited') balance += (event.data as { amount: number }).amount;
              if (event.type === 'Withdrawn') balance -= (event.data as { amount: number }).amount;
              assert.ok(balance >= 0, `balance went to ${balance}`);
            }
            const { state } = await loadAggregate(store, walletDecider, stream);
            assert.equal((state as Extract<WalletState, { status: 'open' }>).balance, balance);
          },
        ),
        { numRuns: 15 },
      );
    });

    it('given a malformed stored event, when the stream is loaded, then it fails naming the stream and position', async () => {
      const stream = `Wallet-${randomUUID()}`;
      await store.append(stream, [{ eventId: randomUUID(), type: 'Deposited', data: { amount: 'lots' }, metadata: {} }], 'no_stream');
      await assert.rejects(loadAggregate(store, walletDecider, stream), (error: unknown) => {
        assert.ok(error instanceof MalformedEventError);
        assert.match(error.message, new RegExp(`${stream}@0`));
        assert.match(error.message, /position \d+\/\d+/);
        return true;
      });
    });
  });
});
