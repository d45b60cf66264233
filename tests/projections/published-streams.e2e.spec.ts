import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import request from 'supertest';
import type { RunningSystem } from '../../adapters/app/system.js';
import { accountsModule } from '../../commands/accounts/accounts-module.js';
import { notificationsModule } from '../../commands/notifications/notifications-module.js';
import { ticketingModule } from '../../commands/ticketing/ticketing-module.js';
import { ManualClock } from '../../platform/clock.js';
import { RecordingChannel } from '../commands/notifications/recording-channel.js';
import { bearer, DAY, eventually, HOUR, publishedGathering } from '../commands/ticketing/ticketing-harness.js';
import { openTestDatabase } from '../support/test-database.js';
import { startTestSystem } from '../support/test-system.js';

interface Envelope {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly occurred_at: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
}

interface SseFrame {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
}

/** A Server-Sent Events connection read frame by frame (node:http, so nothing buffers the body). */
class SseClient {
  readonly frames: SseFrame[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  ended = false;
  private buffer = '';
  private readonly req;

  constructor(url: string, token: string, lastEventId?: string) {
    this.req = httpRequest(url, {
      headers: { Accept: 'text/event-stream', Authorization: token, ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
    });
    this.req.on('response', (res) => {
      this.status = res.statusCode ?? 0;
      this.headers = res.headers;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.take(chunk));
      res.on('end', () => (this.ended = true));
      res.on('close', () => (this.ended = true));
    });
    this.req.on('error', () => (this.ended = true));
    this.req.end();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf('\n\n'); end >= 0; end = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        else {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon);
          const value = line.slice(colon + 1).replace(/^ /, '');
          frame[field] = frame[field] === undefined ? value : `${frame[field]}\n${value}`;
        }
      }
      this.frames.push(frame);
    }
  }

  /** The message frames (those with data), their envelopes parsed. */
  messages(): { id: string; event: string; envelope: Envelope }[] {
    return this.frames.filter((f) => f.data !== undefined).map((f) => ({ id: f.id!, event: f.event!, envelope: JSON.parse(f.data!) as Envelope }));
  }

  close(): void {
    this.req.destroy();
  }
}

/** Issue 10, item 1: ticketing's published stream, read over HTTP by a service principal. */
describe('published streams: ticketing.events over HTTP (page and Server-Sent Events)', function () {
  this.timeout(120_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date('2030-05-01T10:00:00Z'));
  const channel = new RecordingChannel();
  let consumer: string; // a service principal with stream:ticketing.events
  let otherService: string; // a service principal without it
  const codes: string[] = [];
  const emails = ['stream-admin@example.com'];
  let gatheringId: string;
  let ticketTypeId: string;
  let organizer: string;

  const start = () =>
    startTestSystem({
      database,
      clock,
      env: { ADMIN_EMAILS: emails[0]!, STREAM_HEARTBEAT_SECONDS: '1' },
      contexts: [accountsModule(), ticketingModule(), notificationsModule({ channel })],
    });

  const serviceToken = async (admin: string, scopes: string[]) => {
    const created = await request(system.api).post('/api/admin/service-principals').set('Authorization', admin).send({ name: `svc ${scopes.join(' ')}`, scopes }).expect(201);
    const token = await request(system.api)
      .post('/api/auth/token')
      .send({ grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret })
      .expect(200);
    return `Bearer ${token.body.access_token as string}`;
  };

  const buy = async (buyer: string) => {
    const res = await request(system.api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', buyer).send({ ticket_type_id: ticketTypeId, quantity: 2 }).expect(201);
    for (const ticket of res.body.tickets as { code: string }[]) codes.push(ticket.code);
    return res.body;
  };

  /** Every message of the stream, page by page (`limit` a page), following next_cursor until has_more is false. */
  const readAllPages = async (limit: number) => {
    const messages: Envelope[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const res = await request(system.api)
        .get('/streams/ticketing.events')
        .query({ limit: String(limit), ...(after ? { after } : {}) })
        .set('Authorization', consumer)
        .expect(200)
        .expect('Content-Type', /application\/json/);
      assert.ok(res.body.items.length <= limit);
      messages.push(...(res.body.items as Envelope[]));
      after = res.body.next_cursor as string;
      if (!res.body.has_more) return { messages, after, raw: JSON.stringify(messages) };
    }
    assert.fail('never reached the end');
  };

  before(async () => {
    database = await openTestDatabase();
    system = await start();
    const admin = await request(system.api).post('/api/auth/register').send({ email: emails[0], password: 'streams are fun', display_name: 'Admin' }).expect(201);
    const adminToken = `Bearer ${admin.body.access_token as string}`;
    consumer = await serviceToken(adminToken, ['stream:ticketing.events']);
    otherService = await serviceToken(adminToken, ['g2a:mint']);
    organizer = await bearer('org-streams', ['organizer']);
    ({ gatheringId, ticketTypeId } = await publishedGathering(system.api, organizer, clock.now()));
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given purchases, a check-in, a reminder and a cancellation, when the stream is paged with limit 2, then every message comes once, in log order, with nothing internal or secret', async () => {
    const buyers = [await bearer('alice'), await bearer('bob')];
    const sales = [await buy(buyers[0]!), await buy(buyers[1]!)];
    const scanner = await bearer('door-1', ['scanner']);
    await request(system.api).post(`/api/tickets/${codes[0]}/checkin`).set('Authorization', scanner).send({ event_id: gatheringId }).expect(200);
    clock.advance(6 * DAY + HOUR); // the reminder (a day before the start) fires
    await eventually(async () => channel.delivered.filter((n) => n.kind === 'event.reminder').length === 2);
    await request(system.api).post(`/api/events/${gatheringId}/cancel`).set('Authorization', organizer).send({ reason: 'storm; write to organizer@example.com' }).expect(200);
    await eventually(async () => channel.delivered.filter((n) => n.kind === 'event.cancelled').length === 2);

    const { messages, raw } = await readAllPages(2);
    assert.deepEqual(
      messages.map((m) => m.type),
      ['ticket.purchased', 'ticket.purchased', 'ticket.checkin', 'event.reminder', 'event.reminder', 'event.cancelled'],
      'log order: other notifications (purchase, cancellation notices) map to nothing',
    );
    assert.equal(new Set(messages.map((m) => m.id)).size, messages.length, 'each message once, with its own id');
    for (const m of messages) {
      assert.match(m.id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(m.version, 1);
      assert.ok(!Number.isNaN(Date.parse(m.occurred_at)) && m.occurred_at.endsWith('Z'));
      assert.deepEqual(Object.keys(m).sort(), ['data', 'id', 'occurred_at', 'subject', 'type', 'version']);
    }
    const purchased = messages[0]!;
    assert.equal(purchased.subject, sales[0].sale_id);
    assert.deepEqual(purchased.data, {
      sale_id: purchased.data.sale_id,
      gathering_id: gatheringId,
      ticket_type_id: ticketTypeId,
      buyer_id: 'alice',
      quantity: 2,
      unit_price: '1500.00',
      currency: 'RUB',
      ticket_ids: (sales[0].tickets as { id: string }[]).map((t) => t.id),
      purchased_at: purchased.data.purchased_at,
    });
    assert.equal(messages[2]!.subject, (sales[0].tickets as { id: string }[])[0]!.id);
    assert.deepEqual(Object.keys(messages[2]!.data).sort(), ['checked_in_at', 'gathering_id', 'scanner_id', 'ticket_id']);
    assert.deepEqual(messages.slice(3, 5).map((m) => [m.subject, m.data.user_id]).sort(), [[gatheringId, 'alice'], [gatheringId, 'bob']]);
    assert.deepEqual(messages[5]!.data, { gathering_id: gatheringId, cancelled_by: 'org-streams', cancelled_at: messages[5]!.data.cancelled_at });

    for (const code of codes) assert.ok(!raw.toUpperCase().includes(code.toUpperCase()), 'no ticket code (a bearer secret)');
    assert.doesNotMatch(raw, /@/, 'no e-mail address');
    assert.doesNotMatch(raw, /"(saleId|gatheringId|buyerId|tickets|code|unitPrice|soldAt|reason|notificationId|title|body|recordedAt)"/, 'no internal field names');

    const again = await readAllPages(500);
    assert.deepEqual(again.messages, messages, 'one page or many: the same messages, the same ids');
    const empty = await request(system.api).get('/streams/ticketing.events').query({ after: again.after }).set('Authorization', consumer).expect(200);
    assert.deepEqual(empty.body.items, []);
    assert.equal(empty.body.next_cursor, again.after, 'at the end the cursor stays put');
  });

  it('given a live connection, when messages are appended after it connected, then they arrive in order; a reconnect from Last-Event-ID resumes without gaps or duplicates; idle, it sends heartbeats', async () => {
    const before = await readAllPages(500);
    ({ gatheringId, ticketTypeId } = await publishedGathering(system.api, organizer, clock.now()));
    const live = new SseClient(`${system.api}/streams/ticketing.events?after=${encodeURIComponent(before.after)}`, consumer);
    await eventually(async () => live.status === 200 && live.frames.length > 0);
    assert.match(String(live.headers['content-type']), /^text\/event-stream/);
    assert.equal(live.headers['cache-control'], 'no-store');

    const carol = await bearer('carol');
    for (let i = 0; i < 3; i++) await buy(carol);
    await eventually(async () => live.messages().length === 3);
    const first = live.messages();
    assert.deepEqual(first.map((m) => m.event), ['ticket.purchased', 'ticket.purchased', 'ticket.purchased']);
    for (const m of first) assert.equal(m.event, m.envelope.type);
    live.close();

    // bought while nobody listened
    for (let i = 0; i < 2; i++) await buy(carol);
    const resumed = new SseClient(`${system.api}/streams/ticketing.events?after=${encodeURIComponent(before.after)}`, consumer, first[1]!.id);
    await eventually(async () => resumed.messages().length === 3);
    await buy(carol);
    await eventually(async () => resumed.messages().length === 4);
    const page = await request(system.api).get('/streams/ticketing.events').query({ after: before.after }).set('Authorization', consumer).expect(200);
    const all = (page.body.items as Envelope[]).map((m) => m.id);
    assert.equal(all.length, 6);
    assert.deepEqual(
      [...first.slice(0, 2), ...resumed.messages()].map((m) => m.envelope.id),
      all,
      'from Last-Event-ID on: the third message again (it came after the id given), then the rest, none skipped, none twice',
    );
    assert.deepEqual(resumed.messages()[0]!.envelope, first[2]!.envelope, 'the same message has the same envelope on every reading');

    const heartbeats = resumed.frames.filter((f) => f.comment === 'heartbeat').length;
    await eventually(async () => resumed.frames.filter((f) => f.comment === 'heartbeat').length >= heartbeats + 2, 5_000);
    resumed.close();
  });

  it('given a caller without the scope, an unknown stream, a bad cursor or limit, then 403, 404, 400 naming the parameter', async () => {
    const forbidden = await request(system.api).get('/streams/ticketing.events').set('Authorization', otherService).expect(403);
    assert.equal(forbidden.body.code, 'auth.forbidden');
    assert.match(forbidden.body.detail, /stream:ticketing\.events/);
    await request(system.api).get('/streams/ticketing.events').set('Authorization', await bearer('mallory')).expect(403);
    await request(system.api).get('/streams/ticketing.events').expect(401);
    const sseForbidden = await request(system.api).get('/streams/ticketing.events').set('Accept', 'text/event-stream').set('Authorization', otherService).expect(403);
    assert.match(String(sseForbidden.headers['content-type']), /problem\+json/);

    const unknown = await request(system.api).get('/streams/ticketing.nothing').set('Authorization', consumer).expect(404);
    assert.equal(unknown.body.code, 'stream.not_found');

    for (const after of ['junk', '1/', '-1/2', '1/2/3', `${2n ** 64n}/1`, `1/${2n ** 63n}`, '１/２']) {
      const bad = await request(system.api).get('/streams/ticketing.events').query({ after }).set('Authorization', consumer).expect(400);
      assert.equal(bad.body.field, 'after', after);
    }
    const badResume = await request(system.api).get('/streams/ticketing.events').set('Accept', 'text/event-stream').set('Last-Event-ID', 'nope').set('Authorization', consumer).expect(400);
    assert.equal(badResume.body.field, 'Last-Event-ID');
    for (const limit of ['0', '501', 'ten', '-1']) {
      const bad = await request(system.api).get('/streams/ticketing.events').query({ limit }).set('Authorization', consumer).expect(400);
      assert.equal(bad.body.field, 'limit', limit);
    }
    await request(system.api).get('/streams/ticketing.events').query({ limit: '500' }).set('Authorization', consumer).expect(200);
  });

  it('given the OpenAPI document, then the operation documents the envelope of every message type and the text/event-stream answer', async () => {
    const { body } = await request(system.api).get('/openapi.json').expect(200);
    const operation = body.paths['/streams/{name}'].get;
    const content = operation.responses['200'].content;
    assert.ok(content['text/event-stream'], 'SSE documented');
    const item = content['application/json'].schema.properties.items.items;
    const types = (item.anyOf as { properties: { type: { const: string }; version: { const: number }; data: unknown } }[]).map((e) => `${e.properties.type.const}@${e.properties.version.const}`);
    assert.deepEqual(types.sort(), ['event.cancelled@1', 'event.reminder@1', 'ticket.checkin@1', 'ticket.purchased@1']);
    assert.match(operation.description, /stream:ticketing\.events/);
  });

  it('given an open live connection, when the system stops, then the stream ends and stop() finishes promptly', async () => {
    const live = new SseClient(`${system.api}/streams/ticketing.events`, consumer);
    await eventually(async () => live.status === 200 && live.messages().length > 0);
    const started = Date.now();
    await system.stop();
    assert.ok(Date.now() - started < 5_000, `stop() took ${Date.now() - started} ms`);
    await eventually(async () => live.ended, 2_000);
    system = await start(); // for after()
  });
});
