import assert from 'node:assert/strict';
import * as t from 'io-ts';
import request from 'supertest';
import { encodeCursor, pageOf, readPageRequest } from '../../../adapters/http/pagination.js';
import { HttpProblem } from '../../../adapters/http/problem.js';
import { openSampleApp, type SampleApp } from './test-app.js';

describe('HTTP edge: cursor pagination', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());

  it('given 25 rows, when walked page by page with nextCursor, then every row comes once and in order', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await request(sample.app)
        .get('/test/items')
        .query({ limit: '10', ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...res.body.items.map((item: { id: number }) => item.id));
      cursor = res.body.nextCursor;
      if (cursor) assert.match(cursor, /^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('given no limit, when listed, then the default page size applies', async () => {
    const res = await request(sample.app).get('/test/items').expect(200);
    assert.equal(res.body.items.length, 10);
    assert.ok(res.body.nextCursor);
  });

  for (const cursor of ['not a cursor!', 'bm90LWpzb24', Buffer.from('{"id":"seven"}').toString('base64url')]) {
    it(`given the invalid cursor ${JSON.stringify(cursor)}, when listed, then 400 naming cursor`, async () => {
      const res = await request(sample.app).get('/test/items').query({ cursor }).expect(400);
      assert.equal(res.body.field, 'cursor');
      assert.match(res.body.detail, /cursor/);
    });
  }

  for (const limit of ['0', '51', '-3', 'ten']) {
    it(`given limit=${limit}, when listed, then 400 naming limit`, async () => {
      const res = await request(sample.app).get('/test/items').query({ limit }).expect(400);
      assert.equal(res.body.field, 'limit');
    });
  }

  it('given a compound key, when encoded and read back, then it round-trips', () => {
    const Key = t.type({ at: t.string, id: t.string });
    const key = { at: '2026-01-01T00:00:00Z', id: 'ü-1' };
    assert.deepEqual(readPageRequest({ cursor: encodeCursor(Key, key), limit: '5' }, Key), { after: key, limit: 5 });
    assert.throws(() => readPageRequest({ cursor: encodeCursor(t.type({ id: t.string }), { id: 'x' }) }, Key), HttpProblem);
  });

  it('given exactly limit rows, when paged, then there is no next cursor', () => {
    const Key = t.type({ id: t.number });
    const page = pageOf([{ id: 1 }, { id: 2 }], { after: undefined, limit: 2 }, (r) => r, Key);
    assert.equal(page.nextCursor, null);
    assert.equal(pageOf([{ id: 1 }, { id: 2 }, { id: 3 }], { after: undefined, limit: 2 }, (r) => r, Key).items.length, 2);
  });
});
