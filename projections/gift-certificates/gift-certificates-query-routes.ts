import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { certificateQueries, certificateView, type CertificateRow } from './certificate-projection.js';

export const CertificateView = t.type({
  id: t.string,
  number: t.string,
  batch_id: t.string,
  nominal: t.string,
  currency: t.string,
  expires_at: t.string,
  status: t.string,
  channel: t.union([t.string, t.null]),
  reserved_until: t.union([t.string, t.null]),
  updated_at: t.string,
});

const ListKey = t.type({ updatedAt: CursorTimestamp, id: t.string });
const staff = (p: Principal) => p.roles.includes('admin') || p.roles.includes('gift_operator') || p.roles.includes('support');
const notFound = () => left(domainError('not_found', 'gcp.certificate_not_found', 'no such certificate'));

/**
 * Queries of gift certificates (G-1): operators and support see every certificate; a channel's
 * service principal (scope gcp:reserve) only those it reserved itself (404 for any other).
 */
export function giftCertificateQueryRoutes(database: Database): Route[] {
  const queries = certificateQueries(database.db);
  const visible = (principal: Principal, row: CertificateRow | undefined) => row !== undefined && (staff(principal) || (principal.scopes.includes('gcp:reserve') && row.request_id !== null && row.request_id.startsWith(`${principal.id}:`)));
  const auth = { roles: ['gift_operator', 'support'], scopes: ['gcp:reserve'] } as const;
  return [
    defineRoute({
      method: 'get',
      path: '/certificates',
      summary: 'Certificates by status and channel, oldest change first, cursor-paginated (G-1)',
      tags: ['gift-certificates'],
      auth: { roles: ['gift_operator', 'support'] },
      query: t.intersection([pageQuery, t.partial({ status: t.keyof({ AVAILABLE: null, RESERVED: null }), channel: t.string })]),
      responses: { 200: { description: 'A page of certificates', schema: pageCodec(CertificateView) }, 400: { description: 'A malformed filter or cursor' }, 403: { description: 'Neither operator nor support' } },
      handle: async ({ query }) => {
        const page = readPageRequest(query, ListKey, { defaultLimit: 50, maxLimit: 500 });
        const { rows } = await sql<CertificateRow>`
          select * from rm_gift_certificates
          where (${query.status ?? null}::text is null or status = ${query.status ?? null})
            and (${query.channel ?? null}::text is null or channel = ${query.channel ?? null})
            and (${page.after?.updatedAt ?? null}::timestamptz is null or (updated_at, id) > (${page.after?.updatedAt ?? null}::timestamptz, ${page.after?.id ?? ''}))
          order by updated_at, id limit ${page.limit + 1}`.execute(database.db);
        const items = pageOf(rows, page, (r) => ({ updatedAt: new Date(r.updated_at).toISOString(), id: r.id }), ListKey);
        return right({ status: 200, body: { items: items.items.map(certificateView), nextCursor: items.nextCursor } });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/certificates/by-number/:number',
      summary: 'A certificate by its number (G-1)',
      tags: ['gift-certificates'],
      auth,
      params: t.type({ number: t.string }),
      responses: { 200: { description: 'The certificate', schema: CertificateView }, 404: { description: 'No such certificate (or not this channel’s)' } },
      handle: async ({ params, principal }) => {
        const row = await queries.byNumber(params.number.toUpperCase());
        return visible(principal, row) ? right({ status: 200, body: certificateView(row!) }) : notFound();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/certificates/:id',
      summary: 'A certificate by id (G-1)',
      tags: ['gift-certificates'],
      auth,
      params: t.type({ id: t.string }),
      responses: { 200: { description: 'The certificate', schema: CertificateView }, 404: { description: 'No such certificate (or not this channel’s)' } },
      handle: async ({ params, principal }) => {
        const row = await queries.byId(params.id);
        return visible(principal, row) ? right({ status: 200, body: certificateView(row!) }) : notFound();
      },
    }),
  ];
}
