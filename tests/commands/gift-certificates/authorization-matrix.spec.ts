import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { ManualClock } from '../../../platform/clock.js';
import { openTestDatabase } from '../../support/test-database.js';
import { TEST_JWT_SECRET } from '../../support/test-system.js';
import { startGcp } from './gcp-harness.js';

/**
 * Who may call which gift-certificate route (issue 11, item 12): the matrix below IS the
 * specification. Every route of the context in /openapi.json must have a row (a new route
 * without one fails here), and for every caller the edge either lets the request through to
 * the route (any answer but 401 and 403 auth.forbidden — the route may still say 400, 404 …)
 * or refuses it with 403 auth.forbidden (401 without a token). Admins pass every guard.
 */
type Caller = 'anonymous' | 'user' | 'gift_operator' | 'gift_support' | 'admin' | 'gcp:reserve' | 'gcp:orders' | 'gcp:payments' | 'gcp:clients' | 'gcp:cvc' | 'gcp:redeem' | 'stream' | 'service without scopes';
const CALLERS: readonly Caller[] = ['anonymous', 'user', 'gift_operator', 'gift_support', 'admin', 'gcp:reserve', 'gcp:orders', 'gcp:payments', 'gcp:clients', 'gcp:cvc', 'gcp:redeem', 'stream', 'service without scopes'];

const CERT = '00000000-0000-4000-8000-000000000001';
const STAFF: Caller[] = ['gift_operator', 'gift_support'];

/** `METHOD path` (OpenAPI form) → who besides admin may call it. */
const MATRIX: Record<string, readonly Caller[]> = {
  'POST /certificates/batches': ['gift_operator'],
  'GET /certificates/batches/{id}': ['gift_operator'],
  'GET /certificates/next': ['gcp:reserve'],
  'GET /certificates': [...STAFF, 'gcp:reserve'],
  'GET /certificates/by-number/{number}': [...STAFF, 'gcp:reserve'],
  'GET /certificates/{id}': [...STAFF, 'gcp:reserve'],
  'GET /certificates/{id}/audit': STAFF,
  'GET /certificates/{id}/cvc': ['gcp:cvc'],
  'POST /certificates/{id}/notifications': ['gcp:cvc'],
  'POST /certificates/{id}/actions/reissue-cvc': ['gcp:cvc'],
  'POST /certificates/{id}/redemptions': ['gcp:redeem'],
  'POST /certificates/{id}/redemptions/{hold_id}/release': ['gcp:redeem'],
  'POST /certificates/{id}/actions/lock': ['gift_support'],
  'POST /certificates/{id}/actions/unlock': ['gift_support'],
  'POST /certificates/{id}/refund-details': ['gift_support', 'gcp:orders'],
  'POST /channels/sales-orders': ['gcp:orders'],
  'POST /channels/payments': ['gcp:payments'],
  'POST /channels/clients': ['gcp:clients'],
  'GET /streams/GiftCertificates.Stream': ['stream'],
};

async function tokenOf(caller: Caller): Promise<string | undefined> {
  const sign = (kind: 'user' | 'service', roles: string[], scopes: string[]) => signAccessToken({ kind, id: `matrix-${caller.replace(/[^a-z]/g, '-')}`, roles, scopes }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 });
  switch (caller) {
    case 'anonymous':
      return undefined;
    case 'user':
      return sign('user', ['user'], []);
    case 'gift_operator':
    case 'gift_support':
    case 'admin':
      return sign('user', ['user', caller], []);
    case 'stream':
      return sign('service', [], ['stream:GiftCertificates.Stream']);
    case 'service without scopes':
      return sign('service', [], []);
    default:
      return sign('service', [], [caller]);
  }
}

const concrete = (path: string) => path.replace('{id}', CERT).replace('{hold_id}', 'matrix-hold').replace('{number}', 'ABCDEFGHJKMNPQRS');

describe('gift certificates: the authorization matrix over roles and scopes (issue 11)', function () {
  this.timeout(180_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  let operations: string[];

  before(async () => {
    database = await openTestDatabase();
    system = await startGcp({ database, clock: new ManualClock(new Date()) });
    const document = (await (await fetch(`${system.api}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.tags?.includes('gift-certificates'))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given /openapi.json, then every gift-certificate route has a row in the matrix, and every row is a route', () => {
    assert.ok(operations.length >= 18, `only ${operations.length} gift-certificate operations documented`);
    assert.deepEqual(operations.filter((op) => !(op in MATRIX)), [], 'routes without a row');
    assert.deepEqual(Object.keys(MATRIX).filter((op) => !op.startsWith('GET /streams/') && !operations.includes(op)), [], 'rows without a route');
  });

  for (const [operation, allowed] of Object.entries(MATRIX)) {
    it(`given ${operation}, then ${['admin', ...allowed].join(', ')} get through and everyone else is refused`, async () => {
      const [method, path] = operation.split(' ') as [string, string];
      for (const caller of CALLERS) {
        const token = await tokenOf(caller);
        let call = method === 'GET' ? request(system.api).get(concrete(path)) : request(system.api).post(concrete(path)).send({});
        if (token) call = call.set('Authorization', `Bearer ${token}`);
        const answer = await call;
        const through = answer.status !== 401 && !(answer.status === 403 && answer.body.code === 'auth.forbidden');
        const expected = caller === 'admin' || allowed.includes(caller);
        assert.equal(through, expected, `${caller} on ${operation}: ${answer.status} ${answer.body.code ?? ''}`);
        if (!expected) assert.equal(answer.status, caller === 'anonymous' ? 401 : 403, `${caller} on ${operation}`);
        assert.ok(answer.status < 500, `${caller} on ${operation}: ${answer.status}`);
      }
    });
  }
});
