import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { bearer, gatheringBody, publishedGathering, RecordingChannel, SECRET, startTicketing, ticketTypeBody } from './ticketing-harness.js';

type Caller = 'anonymous' | 'user' | 'organizer' | 'other_organizer' | 'scanner' | 'admin' | 'service';
const CALLERS: readonly Caller[] = ['anonymous', 'user', 'organizer', 'other_organizer', 'scanner', 'admin', 'service'];

interface Cell {
  readonly endpoint: string;
  /** Expected status per caller; `organizer` owns the event the request is about. */
  readonly expect: Readonly<Record<Caller, number>>;
  /** Sets up what the request needs (a fresh draft, a ticket …) and sends it as `token`. */
  send(token: string | undefined): Promise<request.Response>;
}

/**
 * Each endpoint × each role (A-3, T-1 … T-9), including a different organizer and a machine
 * caller: who may, who gets 401 (no token) and who 403 (not allowed).
 */
describe('ticketing authorization matrix', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date());
  const tokens = new Map<Caller, string | undefined>();

  before(async () => {
    database = await openTestDatabase();
    system = await startTicketing({ database, clock, channel: new RecordingChannel() });
    tokens.set('anonymous', undefined);
    tokens.set('user', await bearer('m-user'));
    tokens.set('organizer', await bearer('m-org', ['user', 'organizer']));
    tokens.set('other_organizer', await bearer('m-org-2', ['user', 'organizer']));
    tokens.set('scanner', await bearer('m-door', ['scanner']));
    tokens.set('admin', await bearer('m-admin', ['admin']));
    tokens.set('service', `Bearer ${await signAccessToken({ kind: 'service', id: 'quest-service', roles: [], scopes: ['g2a:mint'] }, { secret: SECRET, ttlSeconds: 600 })}`);
  });

  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  const as = (req: request.Test, token: string | undefined) => (token ? req.set('Authorization', token) : req);
  const owner = () => tokens.get('organizer')!;
  const draft = async () => (await request(system.api).post('/api/events').set('Authorization', owner()).send(gatheringBody(clock.now())).expect(201)).body.id as string;
  const published = async () => {
    const id = await draft();
    await request(system.api).post(`/api/events/${id}/publish`).set('Authorization', owner()).expect(200);
    return id;
  };
  const ticketCode = async () => {
    const { gatheringId, ticketTypeId } = await publishedGathering(system.api, owner(), clock.now(), { quantity: 5 });
    const bought = await request(system.api).post(`/api/events/${gatheringId}/tickets`).set('Authorization', tokens.get('user')!).send({ ticket_type_id: ticketTypeId }).expect(201);
    return bought.body.tickets[0].code as string;
  };

  const ownerOnly = { anonymous: 401, user: 403, organizer: 200, other_organizer: 403, scanner: 403, admin: 200, service: 403 } as const;
  const cells: Cell[] = [
    {
      endpoint: 'POST /api/events',
      expect: { anonymous: 401, user: 403, organizer: 201, other_organizer: 201, scanner: 403, admin: 201, service: 403 },
      send: (token) => as(request(system.api).post('/api/events'), token).send(gatheringBody(clock.now())),
    },
    { endpoint: 'PUT /api/events/:id', expect: ownerOnly, send: async (token) => as(request(system.api).put(`/api/events/${await draft()}`), token).send(gatheringBody(clock.now())) },
    { endpoint: 'PATCH /api/events/:id', expect: ownerOnly, send: async (token) => as(request(system.api).patch(`/api/events/${await draft()}`), token).send({ title: 'Renamed' }) },
    { endpoint: 'POST /api/events/:id/publish', expect: ownerOnly, send: async (token) => as(request(system.api).post(`/api/events/${await draft()}/publish`), token) },
    { endpoint: 'POST /api/events/:id/cancel', expect: ownerOnly, send: async (token) => as(request(system.api).post(`/api/events/${await published()}/cancel`), token).send({}) },
    {
      endpoint: 'POST /api/events/:id/ticket-types',
      expect: { ...ownerOnly, organizer: 201, admin: 201 },
      send: async (token) => as(request(system.api).post(`/api/events/${await published()}/ticket-types`), token).send(ticketTypeBody(clock.now(), { quantity: 5 })),
    },
    {
      endpoint: 'POST /api/events/:id/tickets',
      expect: { anonymous: 401, user: 201, organizer: 201, other_organizer: 201, scanner: 201, admin: 201, service: 403 },
      send: async (token) => {
        const { gatheringId, ticketTypeId } = await publishedGathering(system.api, owner(), clock.now(), { quantity: 5 });
        return as(request(system.api).post(`/api/events/${gatheringId}/tickets`), token).send({ ticket_type_id: ticketTypeId });
      },
    },
    {
      endpoint: 'GET /api/events',
      expect: { anonymous: 200, user: 200, organizer: 200, other_organizer: 200, scanner: 200, admin: 200, service: 200 },
      send: (token) => as(request(system.api).get('/api/events'), token),
    },
    {
      endpoint: 'GET /api/events/:id (draft)',
      expect: { anonymous: 404, user: 404, organizer: 200, other_organizer: 404, scanner: 404, admin: 200, service: 404 },
      send: async (token) => as(request(system.api).get(`/api/events/${await draft()}`), token),
    },
    {
      endpoint: 'GET /api/events/:id (published)',
      expect: { anonymous: 200, user: 200, organizer: 200, other_organizer: 200, scanner: 200, admin: 200, service: 200 },
      send: async (token) => as(request(system.api).get(`/api/events/${await published()}`), token),
    },
    { endpoint: 'GET /api/events/:id/sales', expect: ownerOnly, send: async (token) => as(request(system.api).get(`/api/events/${await published()}/sales`), token) },
    {
      endpoint: 'GET /api/organizer/events',
      expect: { anonymous: 401, user: 403, organizer: 200, other_organizer: 200, scanner: 403, admin: 200, service: 403 },
      send: (token) => as(request(system.api).get('/api/organizer/events'), token),
    },
    {
      endpoint: 'GET /api/tickets',
      expect: { anonymous: 401, user: 200, organizer: 200, other_organizer: 200, scanner: 200, admin: 200, service: 403 },
      send: (token) => as(request(system.api).get('/api/tickets'), token),
    },
    {
      endpoint: 'GET /api/notifications',
      expect: { anonymous: 401, user: 200, organizer: 200, other_organizer: 200, scanner: 200, admin: 200, service: 403 },
      send: (token) => as(request(system.api).get('/api/notifications'), token),
    },
    {
      endpoint: 'POST /api/tickets/:code/validate',
      // the organizer owns the ticket's event: she works her own door without a scanner grant
      expect: { anonymous: 401, user: 403, organizer: 200, other_organizer: 403, scanner: 200, admin: 200, service: 403 },
      send: async (token) => as(request(system.api).post(`/api/tickets/${await ticketCode()}/validate`), token).send({}),
    },
    {
      endpoint: 'POST /api/tickets/:code/checkin',
      expect: { anonymous: 401, user: 403, organizer: 200, other_organizer: 403, scanner: 200, admin: 200, service: 403 },
      send: async (token) => as(request(system.api).post(`/api/tickets/${await ticketCode()}/checkin`), token).send({}),
    },
  ];

  it('given every endpoint and every caller, then each gets exactly the status its role allows', async () => {
    const mismatches: string[] = [];
    for (const cell of cells) {
      for (const caller of CALLERS) {
        const response = await cell.send(tokens.get(caller));
        if (response.status !== cell.expect[caller]) mismatches.push(`${cell.endpoint} as ${caller}: expected ${cell.expect[caller]}, got ${response.status} ${response.body?.code ?? ''}`);
        if (response.status === 401 || response.status === 403) assert.match(response.headers['content-type'] ?? '', /problem\+json/);
      }
    }
    assert.deepEqual(mismatches, []);
  });
});
