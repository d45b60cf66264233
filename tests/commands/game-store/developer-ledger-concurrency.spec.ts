import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { developerShareOf, streamOfDeveloperLedger, type DeveloperLedgerEvent } from '../../../domain/game-store/developer-ledger.js';
import { ManualClock } from '../../../platform/clock.js';
import { twoInstancesOnOneDatabase } from '../../support/two-instances.js';
import { aDeveloper, givenProduct, startGameStore } from './game-store-harness.js';
import { desksOf, ledgerShows } from './library-and-ledger-harness.js';
import type { EventStore } from '../../../adapters/eventstore/event-store.js';
import { developerLedgerDesk } from '../../../commands/game-store/developer-ledger-commands.js';
import type { DeveloperLedgerDesk } from '../../../commands/game-store/purchase-followers.js';

/**
 * A popular developer's ledger is a hot stream: every sale of its games credits it, many at
 * once, from several workers. Against the database, across two instances on it (each with its
 * own ledger desk, as two workers would have): 40 credits at once — each also sent twice, as a
 * retried effect would — all land once, in one chain of balances, and the balance is their sum;
 * then refunds and new sales at once; and, made to happen on purpose, the race in which one
 * instance's append of an entry comes after another instance recorded that entry and one more
 * (its answer and its cached ledger must still be the log's).
 *
 * Why batching (HotStreamDecisions) rather than a plain load-decide-append retried on conflict
 * (handleCommand): measured in one process on this machine (2 shared cores, load ~8), 40 credits
 * at once on one ledger took 0.4–1.4 s on PGlite (39 appends lost to a race) and 0.7–1.9 s on
 * the server (~200 lost, each one a reload of the whole ledger), against 10–30 ms batched with
 * none lost — and the plain way's cost grows with the ledger, the batched one's does not.
 */
describe('game store: concurrent credits on one developer’s ledger, across two instances (hot stream)', function () {
  this.timeout(300_000);
  const clock = new ManualClock(new Date('2026-03-03T12:00:00Z'));
  const instances = twoInstancesOnOneDatabase((database, role) => startGameStore({ database, clock, role }));

  it('given one developer, when 40 sales are credited at once on two instances (each sent twice), then 40 entries, one chain of balances, the balance their sum — over HTTP on both instances', async () => {
    const dev = await aDeveloper();
    const product = await givenProduct(instances.first.api, dev.token, { prices: { RU: '1499.00' } });
    const desks = [desksOf(instances.first).ledger, desksOf(instances.second).ledger];
    const sales = Array.from({ length: 40 }, (_, i) => ({ orderId: randomUUID(), saleMinor: 10_000n + BigInt(i) * 137n }));
    const credit = (i: number, desk: (typeof desks)[number]) =>
      desk.creditSale({ developerId: dev.id, entryId: `sale:${sales[i]!.orderId}`, orderId: sales[i]!.orderId, productId: product.product_id, saleMinor: sales[i]!.saleMinor, currency: 'RUB', now: clock.now(), correlationId: `rush-${i}` });
    const answers = await Promise.all([...sales.keys()].flatMap((i) => [credit(i, desks[i % 2]!), credit(i, desks[(i + 1) % 2]!)]));
    for (const answer of answers) assert.equal(answer._tag, 'Right', answer._tag === 'Left' ? answer.left.code : '');

    const expected = sales.reduce((sum, s) => sum + developerShareOf(s.saleMinor, 7000), 0n);
    const events = (await instances.first.dependencies.store.readStream(streamOfDeveloperLedger(dev.id))).map((e) => ({ type: e.type, data: e.data }) as DeveloperLedgerEvent);
    assert.equal(events.length, 40, 'every credit once');
    assert.equal(new Set(events.map((e) => e.data.orderId)).size, 40);
    let running = 0n;
    for (const event of events) {
      running += BigInt(event.data.amountMinor);
      assert.equal(event.data.balanceAfterMinor, running.toString(), 'each balance after is the one before plus this credit');
    }
    assert.equal(running, expected);
    // each pair of answers (the sale and its repeat) tells the same figures
    for (let i = 0; i < 40; i++) assert.deepEqual(answers[2 * i], answers[2 * i + 1]);
    // and each instance's cached ledger is the log's: one more sale on each continues the chain
    let balance = expected;
    for (const desk of desks) {
      const orderId = randomUUID();
      balance += developerShareOf(10_000n, 7000);
      const next = await desk.creditSale({ developerId: dev.id, entryId: `sale:${orderId}`, orderId, productId: product.product_id, saleMinor: 10_000n, currency: 'RUB', now: clock.now(), correlationId: 'after-rush' });
      assert.deepEqual(next._tag === 'Right' && next.right.balanceAfterMinor, balance);
    }

    await ledgerShows(instances.first, dev.id);
    for (const api of [instances.first.api, instances.second.api]) {
      const page = await request(api).get('/api/v1/developers/me/balance').query({ limit: '100' }).set('Authorization', dev.token).expect(200);
      assert.equal(page.body.balances[0].amount_minor, balance.toString());
      assert.equal(page.body.balances[0].entries, 42);
      assert.equal(page.body.entries.length, 42);
    }
  });

  it('given a credit retried on one instance while another records it and one more between that instance’s read and its append, then it answers the recorded figures and its cached ledger stays the log’s', async () => {
    const dev = await aDeveloper();
    const product = await givenProduct(instances.first.api, dev.token, { prices: { RU: '100.00' } });
    const first = desksOf(instances.first).ledger;
    const credit = (desk: DeveloperLedgerDesk, orderId: string) => desk.creditSale({ developerId: dev.id, entryId: `sale:${orderId}`, orderId, productId: product.product_id, saleMinor: 10_000n, currency: 'RUB', now: clock.now(), correlationId: 'spec' });
    // the second instance's store lets the first instance record o-2 and o-3 just before its own append of o-3 goes out
    const store = instances.second.dependencies.store;
    let interleave: (() => Promise<unknown>) | undefined;
    const racing = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'append') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<EventStore['append']>) => {
          const before = interleave;
          interleave = undefined;
          await before?.();
          return target.append(...args);
        };
      },
    });
    const second = developerLedgerDesk({ store: racing }, { defaultShareBasisPoints: 7000 });
    const figures = async (answer: ReturnType<typeof credit>) => {
      const outcome = await answer;
      return outcome._tag === 'Right' ? [outcome.right.amountMinor, outcome.right.balanceAfterMinor] : outcome.left.code;
    };
    assert.deepEqual(await figures(credit(second, 'o-1')), [7_000n, 7_000n]);
    interleave = async () => {
      await credit(first, 'o-2');
      await credit(first, 'o-3');
    };
    assert.deepEqual(await figures(credit(second, 'o-3')), [7_000n, 21_000n], 'the recorded credit, not the one decided before o-2 was seen');
    assert.deepEqual(await figures(credit(second, 'o-4')), [7_000n, 28_000n], 'the chain goes on from the log');
    const events = await store.readStream(streamOfDeveloperLedger(dev.id));
    assert.deepEqual(events.map((e) => (e.data as { orderId: string; balanceAfterMinor: string })).map((d) => [d.orderId, d.balanceAfterMinor]), [['o-1', '7000'], ['o-2', '14000'], ['o-3', '21000'], ['o-4', '28000']]);
  });

  it('given credited sales, when 10 refunds and 10 new sales come at once on two instances, then every one lands once and the balance is the credits less exactly the refunded credits', async () => {
    const dev = await aDeveloper();
    const product = await givenProduct(instances.first.api, dev.token, { prices: { RU: '999.00' } });
    const desks = [desksOf(instances.first).ledger, desksOf(instances.second).ledger];
    const orders = Array.from({ length: 20 }, () => randomUUID());
    const credit = (orderId: string, i: number) => desks[i % 2]!.creditSale({ developerId: dev.id, entryId: `sale:${orderId}`, orderId, productId: product.product_id, saleMinor: 99_900n, currency: 'RUB', now: clock.now(), correlationId: 'spec' });
    await Promise.all(orders.slice(0, 10).map(credit));
    const refunds = orders.slice(0, 10).flatMap((orderId, i) => {
      const input = { developerId: dev.id, entryId: `refund:${orderId}`, orderId, refundId: `refund-${i}`, productId: product.product_id, now: clock.now(), correlationId: 'spec' };
      return [desks[i % 2]!.debitRefund(input), desks[(i + 1) % 2]!.debitRefund(input)];
    });
    const answers = await Promise.all([...refunds, ...orders.slice(10).map((orderId, i) => credit(orderId, i))]);
    for (const answer of answers) assert.equal(answer._tag, 'Right', answer._tag === 'Left' ? answer.left.code : '');
    const events = (await instances.first.dependencies.store.readStream(streamOfDeveloperLedger(dev.id))).map((e) => ({ type: e.type, data: e.data }) as DeveloperLedgerEvent);
    assert.deepEqual([events.filter((e) => e.type === 'DeveloperCredited').length, events.filter((e) => e.type === 'DeveloperDebited').length], [20, 10]);
    let running = 0n;
    for (const event of events) {
      running += (event.type === 'DeveloperCredited' ? 1n : -1n) * BigInt(event.data.amountMinor);
      assert.ok(running >= 0n);
      assert.equal(event.data.balanceAfterMinor, running.toString());
    }
    assert.equal(running, 10n * developerShareOf(99_900n, 7000));
  });
});
