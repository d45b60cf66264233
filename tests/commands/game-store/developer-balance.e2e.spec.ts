import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import request from 'supertest';
import type { DeveloperLedgerDesk } from '../../../commands/game-store/purchase-followers.js';
import { streamOfDeveloperLedger } from '../../../domain/game-store/developer-ledger.js';
import { ManualClock } from '../../../platform/clock.js';
import { databaseKind, openTestDatabase } from '../../support/test-database.js';
import { aBuyer, aDeveloper, admin, givenProduct, serviceToken, startGameStore, support, type Caller, type GameStoreSystem, type ProductAnswer } from './game-store-harness.js';
import { anOrderId, desksOf, ledgerShows } from './library-and-ledger-harness.js';

const ME = '/api/v1/developers/me/balance';
const of = (developerId: string) => `/api/v1/developers/${encodeURIComponent(developerId)}/balance`;

/**
 * The developers' balances over HTTP (issue 13, item 5): sales are credited and refunds debited
 * through the ledger desk (as the purchase saga's effects will), then the developer reads its
 * balance and the entries behind it; support and admins read anyone's. Here the default share is
 * configured to 65 % (DEVELOPER_REVENUE_SHARE_PERCENT), and one game has 80 % of its own.
 */
describe('game store: developer balances over HTTP (issue 13, item 5)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: GameStoreSystem;
  let ledger: DeveloperLedgerDesk;
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  let dev: Caller;
  let onDefault: ProductAnswer;
  let ownShare: ProductAnswer;
  let adminToken: string;

  before(async () => {
    database = await openTestDatabase();
    system = await startGameStore({ database, clock, env: { DEVELOPER_REVENUE_SHARE_PERCENT: '65' } });
    ledger = desksOf(system).ledger;
    adminToken = await admin();
    dev = await aDeveloper('dev-balance');
    onDefault = await givenProduct(system.api, dev.token, { title: 'Default share', prices: { RU: '1499.00' } });
    ownShare = await givenProduct(system.api, dev.token, { title: 'Own share', prices: { RU: '999.99' } });
    await request(system.api).put(`/api/v1/catalog/products/${ownShare.product_id}/revenue-share`).set('Authorization', adminToken).send({ share_percent: '80' }).expect(200);
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const api = () => request(system.api);
  const sale = (developer: Caller, product: ProductAnswer, orderId: string, saleMinor: bigint, currency = 'RUB') =>
    ledger.creditSale({ developerId: developer.id, entryId: `sale:${orderId}:${product.product_id}`, orderId, productId: product.product_id, saleMinor, currency, now: clock.now(), correlationId: `spec-${orderId}` });
  const refund = (developer: Caller, product: ProductAnswer, orderId: string, refundId: string) =>
    ledger.debitRefund({ developerId: developer.id, entryId: `refund:${refundId}:${product.product_id}`, orderId, refundId, productId: product.product_id, now: clock.now(), correlationId: `spec-${refundId}` });
  const figures = (outcome: Awaited<ReturnType<DeveloperLedgerDesk['creditSale']>>) => (outcome._tag === 'Right' ? [outcome.right.amountMinor, outcome.right.balanceAfterMinor] : outcome.left.code);

  it('given sales at the default share and at the game’s own, then the developer’s balance is their sum and the entries show each sale, share and amount, newest first', async () => {
    const first = anOrderId();
    const second = anOrderId();
    assert.deepEqual(figures(await sale(dev, onDefault, first, 149_900n)), [97_435n, 97_435n], '65 % of 1499.00 = 974.35');
    clock.advance(60_000);
    assert.deepEqual(figures(await sale(dev, ownShare, second, 99_999n)), [79_999n, 177_434n], 'floor(80 % of 999.99) = 799.99');
    await ledgerShows(system, dev.id);
    const page = await api().get(ME).set('Authorization', dev.token).expect(200);
    assert.equal(page.body.developer_id, dev.id);
    assert.deepEqual(page.body.balances, [
      { value: '1774.34', amount_minor: '177434', currency: 'RUB', credited: { value: '1774.34', amount_minor: '177434', currency: 'RUB' }, debited: { value: '0.00', amount_minor: '0', currency: 'RUB' }, entries: 2, updated_at: clock.now().toISOString() },
    ]);
    assert.deepEqual(
      page.body.entries.map((e: { kind: string; order_id: string; sale: { value: string }; share_percent: string; amount: { value: string }; balance_after: { value: string } }) => [e.kind, e.order_id, e.sale.value, e.share_percent, e.amount.value, e.balance_after.value]),
      [
        ['credit', second, '999.99', '80', '799.99', '1774.34'],
        ['credit', first, '1499.00', '65', '974.35', '974.35'],
      ],
    );
    assert.equal(page.body.entries[0].refund_id, null);
    assert.equal(page.body.entries[0].product_id, ownShare.product_id);
    assert.equal(page.body.next_cursor, null);
  });

  it('given a sale credited, when the same entry comes again (a retried step), then the same figures and one entry; when its refund is debited (twice), then the balance drops by exactly its credit, once', async () => {
    const seller = await aDeveloper();
    const orderId = anOrderId();
    const credited = figures(await sale(seller, onDefault, orderId, 149_900n));
    assert.deepEqual(figures(await sale(seller, onDefault, orderId, 149_900n)), credited);
    const refundId = randomUUID();
    assert.deepEqual(figures(await refund(seller, onDefault, orderId, refundId)), [97_435n, 0n]);
    assert.deepEqual(figures(await refund(seller, onDefault, orderId, refundId)), [97_435n, 0n]);
    assert.equal(figures(await refund(seller, onDefault, orderId, randomUUID())), 'ledger.already_debited', 'a second refund of one item is refused');
    assert.equal(figures(await refund(seller, ownShare, orderId, refundId)), 'ledger.credit_not_found', 'an item never credited');
    const other = await sale(seller, onDefault, orderId, 1n);
    assert.equal(figures(other), 'ledger.entry_id_reused', 'the same entry id with another sale');
    const events = await system.dependencies.store.readStream(streamOfDeveloperLedger(seller.id));
    assert.deepEqual(events.map((e) => e.type), ['DeveloperCredited', 'DeveloperDebited']);
    await ledgerShows(system, seller.id);
    const page = await api().get(ME).set('Authorization', seller.token).expect(200);
    assert.deepEqual(page.body.balances.map((b: { value: string; credited: { value: string }; debited: { value: string } }) => [b.value, b.credited.value, b.debited.value]), [['0.00', '974.35', '974.35']]);
    assert.deepEqual(page.body.entries.map((e: { kind: string; refund_id: string | null; amount: { value: string }; sale: unknown; share_percent: unknown }) => [e.kind, e.refund_id, e.amount.value, e.sale, e.share_percent]), [
      ['debit', refundId, '974.35', null, null],
      ['credit', null, '974.35', { value: '1499.00', amount_minor: '149900', currency: 'RUB' }, '65'],
    ]);
  });

  it('given a sale credited at one share, when an admin changes the share, then the earlier credit keeps its share (a retried step too) and the next sale gets the new one', async () => {
    const seller = await aDeveloper();
    const product = await givenProduct(system.api, seller.token, { title: 'Share changes' });
    const orderId = anOrderId();
    assert.deepEqual(figures(await sale(seller, product, orderId, 10_000n)), [6_500n, 6_500n]);
    await api().put(`/api/v1/catalog/products/${product.product_id}/revenue-share`).set('Authorization', adminToken).send({ share_percent: '90' }).expect(200);
    assert.deepEqual(figures(await sale(seller, product, orderId, 10_000n)), [6_500n, 6_500n], 'the repeat is the recorded credit');
    assert.deepEqual(figures(await sale(seller, product, anOrderId(), 10_000n)), [9_000n, 15_500n]);
  });

  it('given sales in two currencies, then a balance per currency', async () => {
    const seller = await aDeveloper();
    await sale(seller, onDefault, anOrderId(), 100_000n, 'RUB');
    await sale(seller, onDefault, anOrderId(), 500_000n, 'KZT');
    await ledgerShows(system, seller.id);
    const page = await api().get(ME).set('Authorization', seller.token).expect(200);
    assert.deepEqual(page.body.balances.map((b: { currency: string; value: string }) => [b.currency, b.value]), [['KZT', '3250.00'], ['RUB', '650.00']]);
  });

  it('given 25 entries, then they page newest first, each once, with the balance on every page', async () => {
    const seller = await aDeveloper();
    for (let i = 0; i < 25; i++) await sale(seller, onDefault, `order-${i.toString().padStart(2, '0')}`, 100n);
    await ledgerShows(system, seller.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: request.Response = await api().get(ME).query({ limit: '10', ...(cursor ? { cursor } : {}) }).set('Authorization', seller.token).expect(200);
      assert.equal(page.body.balances[0].value, '16.25', '25 × floor(65 % of 1.00)');
      seen.push(...page.body.entries.map((e: { order_id: string }) => e.order_id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `order-${(24 - i).toString().padStart(2, '0')}`));
    for (const [query, field] of [[{ limit: '0' }, 'limit'], [{ cursor: 'bm9wZQ' }, 'cursor'], [{ cursor: Buffer.from('{"sequence":"-1"}').toString('base64url') }, 'cursor']] as const) {
      const answer = await api().get(ME).query(query).set('Authorization', seller.token).expect(400);
      assert.equal(answer.body.field, field);
    }
  });

  describe('who sees a balance', () => {
    it('given another developer, then /me is their own (nothing sold: no balances), and /{developerId} is 403 for them', async () => {
      const other = await aDeveloper();
      const own = await api().get(ME).set('Authorization', other.token).expect(200);
      assert.deepEqual(own.body, { developer_id: other.id, balances: [], entries: [], next_cursor: null });
      await api().get(of(dev.id)).set('Authorization', other.token).expect(403);
      await api().get(of(dev.id)).set('Authorization', dev.token).expect(403); // its own too: developers read theirs at /me
    });

    it('given support or an admin, then they read any developer’s balance and entries', async () => {
      await ledgerShows(system, dev.id);
      const mine = await api().get(ME).set('Authorization', dev.token).expect(200);
      for (const token of [await support(), adminToken]) {
        const page = await api().get(of(dev.id)).set('Authorization', token).expect(200);
        assert.deepEqual(page.body, mine.body);
      }
      const nobody = await api().get(of('no-such-developer')).set('Authorization', adminToken).expect(200);
      assert.deepEqual(nobody.body.balances, []);
      const tooLong = await api().get(of('x'.repeat(101))).set('Authorization', adminToken).expect(400);
      assert.equal(tooLong.body.field, 'developerId');
    });

    it('given a buyer (no developer role), then /me is 403; no token 401; a service principal 403', async () => {
      await api().get(ME).set('Authorization', (await aBuyer()).token).expect(403);
      await api().get(ME).expect(401);
      await api().get(of(dev.id)).expect(401);
      await api().get(ME).set('Authorization', await serviceToken('svc')).expect(403);
    });
  });

  describe('BI', () => {
    it('given credits and a debit, then developer_ledger holds one row per entry with signed amounts summing to the balance, described, and readable by the BI reader role', async () => {
      const seller = await aDeveloper();
      const orderId = anOrderId();
      await sale(seller, onDefault, orderId, 149_900n);
      await sale(seller, ownShare, orderId, 99_999n);
      await refund(seller, onDefault, orderId, 'refund-bi');
      await ledgerShows(system, seller.id);
      const rows = await api().get('/api/admin/bi/developer_ledger').query({ column: 'developer_id', equals: seller.id }).set('Authorization', adminToken).expect(200);
      assert.deepEqual(rows.body.columns, ['developer_id', 'entry_id', 'revision', 'kind', 'order_id', 'refund_id', 'product_id', 'sale', 'share_percent', 'amount', 'currency', 'balance_after', 'recorded_at']);
      const byRevision = [...rows.body.rows].sort((a, b) => Number(a.revision) - Number(b.revision));
      assert.deepEqual(
        byRevision.map((r: { kind: string; sale: string | null; share_percent: string | null; amount: string; balance_after: string; refund_id: string | null }) => [r.kind, r.sale, r.share_percent, r.amount, r.balance_after, r.refund_id]),
        [
          ['credit', '1499.00', '65.00', '974.35', '974.35', null],
          ['credit', '999.99', '80.00', '799.99', '1774.34', null],
          ['debit', null, null, '-974.35', '799.99', 'refund-bi'],
        ],
      );
      const sum = byRevision.reduce((total: bigint, r: { amount: string }) => total + BigInt(r.amount.replace('.', '')), 0n);
      assert.equal(sum, 79_999n, 'sum(amount) is the balance');
      for (const row of byRevision) assert.deepEqual(Object.keys(row).filter((k) => /mail|name|password|token/.test(k)), []);

      const tables = await api().get('/api/admin/bi').set('Authorization', adminToken).expect(200);
      const table = tables.body.items.find((t: { name: string }) => t.name === 'developer_ledger');
      assert.match(table.description, /One row per entry of a developer’s ledger/);
      const { rows: comments } = await sql<{ column_name: string; comment: string | null }>`
        select a.attname as column_name, col_description(a.attrelid, a.attnum) as comment from pg_attribute a
        where a.attrelid = ${`${database.biSchema}.developer_ledger`}::regclass and a.attnum > 0 and not a.attisdropped`.execute(database.db);
      assert.deepEqual(comments.filter((c) => !c.comment).map((c) => c.column_name), [], 'every column is described');
      if (databaseKind === 'pg') {
        const { rows: privileges } = await sql<{ allowed: boolean }>`select has_table_privilege('ledgerline_bi_reader', ${`${database.biSchema}.developer_ledger`}, 'select') as allowed`.execute(database.db);
        assert.equal(privileges[0]!.allowed, true);
      }
    });
  });
});
