import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import type { Database } from '../../../adapters/database/database.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { giftCertificatesModule } from '../../../commands/gift-certificates/gift-certificates-module.js';
import type { Clock } from '../../../platform/clock.js';
import { eventually } from '../../support/eventually.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';

export const operator = (id = 'op-1', roles = ['gift_operator']) => signAccessToken({ kind: 'user', id, roles, scopes: [] }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then((t) => `Bearer ${t}`);
export const channel = (id: string, scopes = ['gcp:reserve']) => signAccessToken({ kind: 'service', id, roles: [], scopes }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then((t) => `Bearer ${t}`);

export function startGcp(options: { database: Database; clock: Clock; role?: 'all' | 'api' | 'worker'; env?: Record<string, string> }): Promise<RunningSystem & { api: string }> {
  return startTestSystem({ ...options, contexts: [giftCertificatesModule()] });
}

export { eventually };

/** Given a batch loaded to the end: its progress. */
export async function loadedBatch(api: string, token: string, body: Record<string, unknown>) {
  await request(api).post('/certificates/batches').set('Authorization', token).send(body).expect(202);
  return eventually(async () => {
    const progress = await request(api).get(`/certificates/batches/${body.batch_id}`).set('Authorization', token).expect(200);
    return progress.body.status === 'completed' ? progress.body : undefined;
  }, 60_000);
}
