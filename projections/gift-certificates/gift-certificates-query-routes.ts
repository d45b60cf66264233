import { left, right } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { CursorSequence, CursorTimestamp, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import type { Principal } from '../../adapters/http/principal.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';
import { CERTIFICATE_STATUSES } from '../../domain/gift-certificates/gift-certificate.js';
import { certificateQueries, certificateView, type CertificateRow } from './certificate-projection.js';

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.null]);

export const CertificateView = t.type({
  id: t.string,
  number: t.string,
  batch_id: nullable(t.string),
  nominal: t.string,
  currency: t.string,
  expires_at: t.string,
  status: t.string,
  channel: nullable(t.string),
  reserved_until: nullable(t.string),
  remaining_balance: nullable(t.string),
  pending_amount: t.string,
  notification_channel: nullable(t.string),
  correlation_id: nullable(t.string),
  lock_reason: nullable(t.string),
  issue_problem: nullable(t.string),
  order_id: nullable(t.string),
  client_id: nullable(t.string),
  version: t.number,
  updated_at: t.string,
  updated_by: nullable(t.string),
});

export const AuditEntryView = t.type({
  seq: t.number,
  at: t.string,
  type: t.string,
  status_after: nullable(t.string),
  by: t.string,
  reason: nullable(t.string),
  amount: nullable(t.string),
  remaining_balance: nullable(t.string),
  order_id: nullable(t.string),
  hold_id: nullable(t.string),
  channel: nullable(t.string),
});

/** Every status a certificate has in the read model: the pool's two, then the certificate's own. */
export const LISTED_STATUSES = ['AVAILABLE', 'RESERVED', ...CERTIFICATE_STATUSES] as const;
const ListedStatus = t.keyof(Object.fromEntries(LISTED_STATUSES.map((s) => [s, null])) as Record<(typeof LISTED_STATUSES)[number], null>);

const ListKey = t.type({ updatedAt: CursorTimestamp, id: t.string });
const AuditKey = t.type({ seq: CursorSequence });
const STAFF_ROLES = ['gift_operator', 'gift_support'] as const;
const staff = (p: Principal) => p.roles.includes('admin') || STAFF_ROLES.some((role) => p.roles.includes(role));
const notFound = () => left(domainError('not_found', 'gcp.certificate_not_found', 'no such certificate'));
/** What a channel's reservations are keyed by: `<principal id>:<request id>`. */
const reservationPrefix = (principal: Principal) => `${principal.id}:`;

interface AuditRow {
  seq: number;
  at: Date | string;
  type: string;
  status_after: string | null;
  actor: string;
  reason: string | null;
  amount: string | null;
  remaining_balance: string | null;
  order_id: string | null;
  hold_id: string | null;
  channel: string | null;
}

/**
 * Queries of gift certificates (G-1, G-7, G-8): admins, operators and support see every
 * certificate; a channel's service principal (scope gcp:reserve) only those it reserved itself
 * (404 for any other). The audit of a certificate is for support and operators.
 */
export function giftCertificateQueryRoutes(database: Database): Route[] {
  const queries = certificateQueries(database.db);
  const visible = (principal: Principal, row: CertificateRow | undefined) =>
    row !== undefined && (staff(principal) || (principal.scopes.includes('gcp:reserve') && row.request_id !== null && row.request_id.startsWith(reservationPrefix(principal))));
  const auth = { roles: [...STAFF_ROLES], scopes: ['gcp:reserve'] } as const;
  return [
    defineRoute({
      method: 'get',
      path: '/certificates',
      summary: 'Certificates by status and channel, oldest change first, cursor-paginated (G-1); a channel sees only the ones it reserved',
      tags: ['gift-certificates'],
      auth,
      query: t.intersection([pageQuery, t.partial({ status: ListedStatus, channel: t.string })]),
      responses: {
        200: { description: 'A page of certificates', schema: pageCodec(CertificateView) },
        400: { description: 'A malformed filter or cursor' },
        403: { description: 'Neither operator, support nor a reserving channel' },
      },
      handle: async ({ query, principal }) => {
        const page = readPageRequest(query, ListKey, { defaultLimit: 50, maxLimit: 500 });
        const own = staff(principal) ? null : reservationPrefix(principal);
        const { rows } = await sql<CertificateRow>`
          select * from rm_gift_certificates
          where (${query.status ?? null}::text is null or status = ${query.status ?? null})
            and (${query.channel ?? null}::text is null or channel = ${query.channel ?? null})
            and (${own}::text is null or left(request_id, ${own?.length ?? 0}) = ${own})
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
    defineRoute({
      method: 'get',
      path: '/certificates/:id/audit',
      summary: 'Every event of one certificate, oldest first: its reservation, release and issue in the pool and every event of its own stream, with who, why and the status after (G-7)',
      tags: ['gift-certificates'],
      auth: { roles: [...STAFF_ROLES] },
      params: t.type({ id: t.string }),
      query: pageQuery,
      responses: {
        200: { description: 'A page of audit entries (never a CVC or its hash, never bank details)', schema: pageCodec(AuditEntryView) },
        400: { description: 'A malformed cursor or limit' },
        403: { description: 'Neither support, operator nor admin' },
        404: { description: 'No such certificate' },
      },
      handle: async ({ params, query }) => {
        const page = readPageRequest(query, AuditKey, { defaultLimit: 100, maxLimit: 500 });
        const { rows } = await sql<AuditRow>`
          select seq, at, type, status_after, actor, reason, amount, remaining_balance, order_id, hold_id, channel from rm_gift_certificate_audit
          where certificate_id = ${params.id} and seq > ${Number(page.after?.seq ?? 0)}
          order by seq limit ${page.limit + 1}`.execute(database.db);
        if (rows.length === 0 && !(await queries.byId(params.id))) {
          const { rows: any } = await sql`select 1 from rm_gift_certificate_audit where certificate_id = ${params.id} limit 1`.execute(database.db);
          if (any.length === 0) return notFound();
        }
        const items = pageOf(rows, page, (r) => ({ seq: String(r.seq) }), AuditKey);
        return right({
          status: 200,
          body: {
            items: items.items.map((r) => ({
              seq: Number(r.seq),
              at: new Date(r.at).toISOString(),
              type: r.type,
              status_after: r.status_after,
              by: r.actor,
              reason: r.reason,
              amount: r.amount,
              remaining_balance: r.remaining_balance,
              order_id: r.order_id,
              hold_id: r.hold_id,
              channel: r.channel,
            })),
            nextCursor: items.nextCursor,
          },
        });
      },
    }),
  ];
}
