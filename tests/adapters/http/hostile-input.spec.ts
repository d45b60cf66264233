import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import request from 'supertest';
import { verifyAccessToken } from '../../../adapters/http/access-token.js';
import { inputFault, MAX_JSON_DEPTH, textProblem } from '../../../adapters/http/input-text.js';
import { isIsoDateTime } from '../../../adapters/http/text-codecs.js';
import { nestedJsonText } from '../../support/hostile-input.js';
import { JWT_SECRET, openSampleApp, type SampleApp } from './test-app.js';

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('HTTP edge: hostile input is refused with 4xx problems (issue "Hardening", item 1)', () => {
  let sample: SampleApp;
  before(async () => (sample = await openSampleApp()));
  after(async () => sample.dispose());

  const problemOf = (res: request.Response) => {
    assert.match(res.headers['content-type'] ?? '', /application\/problem\+json/);
    return res.body as { code: string; field?: string; status: number; errors?: { field: string; in: string; message: string }[] };
  };

  it('given malformed percent-encoding in a path parameter, when requested (even anonymously), then 400 request.malformed_path', async () => {
    for (const segment of ['%zz', '%C0%AF', '%ED%A0%80', '%E0%80%AF', '%']) {
      const res = await request(sample.app).get(`/test/slots/${segment}`);
      assert.equal(res.status, 400, segment);
      assert.equal(problemOf(res).code, 'request.malformed_path', segment);
      const guarded = await request(sample.app).get(`/test/guarded/organizer/${segment}`);
      assert.ok(guarded.status === 400 || guarded.status === 404, `${segment}: ${guarded.status}`);
    }
  });

  it('given a NUL or a lone surrogate in a path parameter, when the value would reach the database, then 400 naming the parameter', async () => {
    for (const segment of ['a%00b', '%ED%B0%80']) {
      const res = await request(sample.app).post(`/test/notes/${segment}`).send({ text: 'fine' });
      assert.equal(res.status, 400, segment);
    }
    const nul = await request(sample.app).post('/test/notes/a%00b').send({ text: 'fine' }).expect(400);
    assert.equal(problemOf(nul).field, 'name');
    assert.match(nul.body.detail, /NUL/);
  });

  it('given a NUL or a lone surrogate anywhere in a JSON body (values or keys, however deep), then 400 naming the field and nothing is written', async () => {
    const cases: [object, string][] = [
      [{ text: 'a\u0000b' }, 'text'],
      [{ text: '\ud800' }, 'text'],
      [{ text: 'ok', tags: ['fine', 'x\udfffy'] }, 'tags.1'],
      [{ text: 'ok', 'k\u0000': 1 }, 'body'],
      [{ text: 'ok', nested: { deeper: { key: '\udbff\udbff' } } }, 'nested.deeper.key'],
    ];
    for (const [body, field] of cases) {
      const res = await request(sample.app).post('/test/notes/plain').send(body).expect(400);
      assert.equal(problemOf(res).field, field, JSON.stringify(body));
      assert.equal(res.body.errors[0].in, 'body');
    }
    const rows = await sample.database.db.selectFrom('sample_notes').selectAll().execute();
    assert.equal(rows.length, 0, 'nothing reached the table');
    await request(sample.app).post('/test/notes/plain').send({ text: 'emoji 😀 and Ω are text', tags: ['日本'] }).expect(201);
  });

  it('given a NUL or a lone surrogate in a query value, then 400 naming it', async () => {
    const res = await request(sample.app).get('/test/items?prefix=%00').expect(400);
    assert.equal(problemOf(res).field, 'prefix');
    assert.equal(res.body.errors[0].in, 'query');
    // A surrogate's UTF-8 form in a query is decoded leniently to U+FFFD (valid text), never to a lone surrogate.
    await request(sample.app).get('/test/items?prefix=%ED%A0%80').expect(200);
  });

  it(`given a JSON body nested 800 levels deep on a route with an Idempotency-Key, then 400 naming the nesting limit (${MAX_JSON_DEPTH})`, async () => {
    const deep = nestedJsonText(800); // the sample app's body limit is 4 KB; the fuzz suite sends 5,000 levels
    assert.ok(deep.length < 4096);
    const res = await request(sample.app)
      .post('/test/orders')
      .set('Authorization', `Bearer ${await new SignJWT({ kind: 'user', roles: ['user'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuer('ledgerline').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(JWT_SECRET))}`)
      .set('Idempotency-Key', 'deep-1')
      .set('Content-Type', 'application/json')
      .send(deep)
      .expect(400);
    assert.equal(problemOf(res).code, 'request.invalid');
    assert.match(res.body.detail, new RegExp(`deeper than ${MAX_JSON_DEPTH}`));
    assert.equal(sample.handlerRuns.get('orders') ?? 0, 0);
    const atLimit = await request(sample.app).post('/test/notes/depth').set('Content-Type', 'application/json').send(`{"text":"ok","n":${nestedJsonText(MAX_JSON_DEPTH - 1)}}`);
    assert.equal(atLimit.status, 201, 'a body exactly at the limit is accepted');
  });

  it('given cursors that decode but carry nonsense, then 400 naming cursor (never a database error)', async () => {
    await request(sample.app).post('/test/notes/n1').send({ text: 'one', at: '2026-05-01T10:00:00Z' }).expect(201);
    await request(sample.app).post('/test/notes/n2').send({ text: 'two', at: '2026-05-01T11:00:00Z' }).expect(201);
    const first = await request(sample.app).get('/test/notes?limit=1').expect(200);
    const second = await request(sample.app).get(`/test/notes?limit=1&cursor=${first.body.nextCursor}`).expect(200);
    assert.deepEqual(second.body.items.map((n: { name: string }) => n.name), ['n2'], 'a cursor we issued still works');
    for (const junk of [{ at: '-1', name: 'x' }, { at: '', name: 'x' }, { at: '2026-02-30T00:00:00Z', name: 'x' }, { at: '2026-05-01T10:00:00Z', name: 'a\u0000' }, { at: 5 }, []]) {
      const res = await request(sample.app).get(`/test/notes?cursor=${cursorOf(junk)}`).expect(400);
      assert.equal(problemOf(res).field, 'cursor', JSON.stringify(junk));
    }
    await request(sample.app).get(`/test/items?cursor=${cursorOf({ id: '1' })}`).expect(400);
  });

  it('given impossible calendar dates, then 400 naming the field — never a silent move to another day', async () => {
    for (const startsAt of ['2026-02-30T18:00:00Z', '0000-01-01T00:00:00Z', '2026-04-31T10:00:00+03:00', '2026-01-01T24:00:00Z', '2026-01-01T10:00:00+15:00']) {
      const res = await request(sample.app).post('/test/slots').send({ title: 'x', startsAt, capacity: 1, kind: 'vip' }).expect(400);
      assert.equal(problemOf(res).field, 'startsAt', startsAt);
    }
    await request(sample.app).post('/test/slots').send({ title: 'x', startsAt: '2028-02-29T18:00:00+03:00', capacity: 1, kind: 'vip' }).expect(201);
  });

  it('property: isIsoDateTime accepts exactly the instants that round-trip to the same calendar fields', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 23 }), (y, m, d, h) => {
        const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:30:00Z`;
        const date = new Date(Date.UTC(y, m - 1, d, h, 30));
        if (y < 100) date.setUTCFullYear(y);
        const real = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
        assert.equal(isIsoDateTime(text), real, text);
      }),
    );
  });

  it('property: the text policy refuses exactly the strings with a NUL or an unpaired surrogate', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 }), (text) => {
        const wellFormed = !/\u0000/.test(text) && (text as unknown as { isWellFormed(): boolean }).isWellFormed();
        assert.equal(textProblem(text) === undefined, wellFormed, JSON.stringify(text));
        assert.equal(inputFault({ deep: [{ text }] }, 'body') === undefined, wellFormed);
      }),
    );
  });

  it('given an oversized header block, a bad Content-Length or a non-ASCII request target, then Node’s early answer is problem+json too', async () => {
    const { startHttpServer } = await import('../../../adapters/http/http-server.js');
    const handle = await startHttpServer(sample.app, 0, '127.0.0.1');
    try {
      const raw = async (text: string) => {
        const net = await import('node:net');
        return new Promise<string>((resolve, reject) => {
          const socket = net.connect(handle.port, '127.0.0.1', () => socket.write(text));
          let answer = '';
          socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
          socket.on('end', () => resolve(answer));
          socket.on('error', (error) => (answer ? resolve(answer) : reject(error)));
        });
      };
      const cases: [string, number, string][] = [
        [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'request.headers_too_large'],
        ['POST /test/slots HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'request.bad_content_length'],
        ['GET /test/slots/\xe9t\xe9 HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'request.bad_target'],
        ['POST /test/slots HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'request.bad_transfer_encoding'],
      ];
      for (const [text, status, code] of cases) {
        const answer = await raw(text);
        assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), answer.slice(0, 80));
        assert.match(answer, /Content-Type: application\/problem\+json/);
        assert.match(answer, /X-Content-Type-Options: nosniff/);
        const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { status: number; code: string };
        assert.equal(problem.status, status);
        assert.equal(problem.code, code);
      }
      const encoding = await request(handle.url).post('/test/slots').set('Content-Type', 'application/json').set('Content-Encoding', 'x-weird').send('{}');
      assert.equal(encoding.status, 415);
      assert.match(encoding.headers['content-type'] ?? '', /application\/problem\+json/);
    } finally {
      await handle.close(100);
    }
  });
});

describe('HTTP edge: access tokens must carry exp, iat, iss and sub (issue "Hardening", item 2)', () => {
  const key = new TextEncoder().encode(JWT_SECRET);
  const base = () => new SignJWT({ kind: 'user', roles: ['user', 'admin'] }).setProtectedHeader({ alg: 'HS256' });

  it('given a token signed with our key but without an expiry, then it is refused', async () => {
    const noExp = await base().setSubject('u').setIssuer('ledgerline').setIssuedAt().sign(key);
    await assert.rejects(verifyAccessToken(noExp, { secret: JWT_SECRET }), /exp/);
    const noIat = await base().setSubject('u').setIssuer('ledgerline').setExpirationTime('5m').sign(key);
    await assert.rejects(verifyAccessToken(noIat, { secret: JWT_SECRET }), /iat/);
    const noIss = await base().setSubject('u').setIssuedAt().setExpirationTime('5m').sign(key);
    await assert.rejects(verifyAccessToken(noIss, { secret: JWT_SECRET }));
    const noSub = await base().setIssuer('ledgerline').setIssuedAt().setExpirationTime('5m').sign(key);
    await assert.rejects(verifyAccessToken(noSub, { secret: JWT_SECRET }), /sub/);
    const complete = await base().setSubject('u').setIssuer('ledgerline').setIssuedAt().setExpirationTime('5m').sign(key);
    assert.equal((await verifyAccessToken(complete, { secret: JWT_SECRET })).id, 'u');
  });

  it('given a guarded route, when called with a never-expiring admin token, then 401', async () => {
    const sample = await openSampleApp();
    try {
      const forever = await base().setSubject('u').setIssuer('ledgerline').setIssuedAt().sign(key);
      const res = await request(sample.app).get('/test/guarded/organizer').set('Authorization', `Bearer ${forever}`).expect(401);
      assert.equal(res.body.code, 'auth.unauthenticated');
    } finally {
      await sample.dispose();
    }
  });
});
