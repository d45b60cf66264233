import { left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { Database } from '../../adapters/database/database.js';
import { CursorSequence, pageCodec, pageOf, pageQuery, readPageRequest } from '../../adapters/http/pagination.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';

interface TaskRow {
  task_id: string;
  request_id: string;
  initiator: string;
  kind: string;
  operation: unknown;
  status: string;
  retry_count: number;
  last_error: string | null;
  retry_at: Date | string | null;
  message_hash: string | null;
  onchain_result: Record<string, string> | string | null;
  callback_url: string | null;
  callback_delivered_at: Date | string | null;
  callback_status: number | null;
  resubmitted_from: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const TaskView = t.type({
  task_id: t.string,
  request_id: t.string,
  kind: t.string,
  status: t.string,
  retry_count: t.number,
  last_error: t.union([t.string, t.null]),
  onchain_token_id: t.union([t.string, t.null]),
  message_hash: t.union([t.string, t.null]),
  callback: t.type({ url: t.union([t.string, t.null]), delivered_at: t.union([t.string, t.null]), http_status: t.union([t.number, t.null]) }),
});

const json = <T>(value: T | string | null): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function taskView(row: TaskRow) {
  const result = json<Record<string, string>>(row.onchain_result);
  return {
    task_id: row.task_id,
    request_id: row.request_id,
    kind: row.kind,
    operation: json(row.operation as string),
    status: row.status,
    retry_count: row.retry_count,
    last_error: row.last_error,
    retry_at: iso(row.retry_at),
    message_hash: row.message_hash,
    onchain_token_id: result?.onchainTokenId ?? null,
    onchain_result: result,
    resubmitted_from: row.resubmitted_from,
    callback: { url: row.callback_url, delivered_at: iso(row.callback_delivered_at), http_status: row.callback_status },
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

const AuditKey = t.type({ seq: CursorSequence });

export interface BadgeCatalog {
  readonly publicUrl: string;
}

/** Query routes of the gateway: task status (B-6), the audit log, TEP-64 badge metadata. */
export function gatewayQueryRoutes(database: Database, badges: BadgeCatalog): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/tasks/:id',
      summary: 'Status of a gateway task: pending, sent, confirmed or failed, with retry_count and last_error (B-6)',
      tags: ['blockchain'],
      auth: { scopes: [] },
      params: t.type({ id: t.string }),
      responses: { 200: { description: 'The task', schema: TaskView }, 404: { description: 'No such task of this caller' } },
      handle: async ({ params, principal }) => {
        const { rows } = await sql<TaskRow>`select * from rm_blockchain_tasks where task_id = ${params.id}`.execute(database.db);
        const row = rows[0];
        const staff = principal.roles.includes('support') || principal.roles.includes('admin');
        if (!row || (!staff && row.initiator !== `${principal.kind}:${principal.id}`)) {
          return left(domainError('not_found', 'task.not_found', `no task ${params.id}`, 'id'));
        }
        return { status: 200, body: taskView(row) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/audit',
      summary: 'GatewayAuditLog: requests, signatures, confirmations, retries, failures, limit refusals, wallet links',
      tags: ['blockchain'],
      auth: { roles: ['support', 'admin'] },
      query: t.intersection([pageQuery, t.partial({ task_id: t.string, user_id: t.string })]),
      responses: {
        200: {
          description: 'Oldest first',
          schema: pageCodec(t.type({ task_id: t.union([t.string, t.null]), user_id: t.union([t.string, t.null]), action: t.string, at: t.string })),
        },
      },
      handle: async ({ query }) => {
        const page = readPageRequest(query, AuditKey, { defaultLimit: 50, maxLimit: 500 });
        const { rows } = await sql<{ seq: string; task_id: string | null; user_id: string | null; action: string; detail: unknown; actor: string | null; correlation_id: string | null; at: Date | string }>`
          select seq::text, task_id, user_id, action, detail, actor, correlation_id, at from rm_gateway_audit
          where (${query.task_id ?? null}::text is null or task_id = ${query.task_id ?? null})
            and (${query.user_id ?? null}::text is null or user_id = ${query.user_id ?? null})
            and (${page.after?.seq ?? null}::bigint is null or seq > ${page.after?.seq ?? null}::bigint)
          order by rm_gateway_audit.seq limit ${page.limit + 1}`.execute(database.db);
        const items = rows.map((row) => ({ ...row, detail: json(row.detail as string), at: iso(row.at) }));
        return { status: 200, body: pageOf(items, page, (row) => ({ seq: row.seq }), AuditKey) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/nft/badges/:index',
      summary: 'TEP-64 metadata of a badge NFT item (the item content points here)',
      tags: ['blockchain'],
      auth: 'public',
      params: t.type({ index: t.string }),
      responses: { 200: { description: 'TEP-64 item metadata' }, 404: { description: 'No badge with that index' } },
      handle: async ({ params }) => {
        const index = params.index.replace(/\.json$/, '');
        const { rows } = await sql<{ operation: unknown; status: string }>`
          select operation, status from rm_blockchain_tasks
          where kind in ('nft_mint', 'nft_upgrade') and status in ('sent', 'confirmed')
            and (onchain_result->>'onchainTokenId' = ${index} or item_index = ${index})
          limit 1`.execute(database.db);
        const operation = rows[0] ? json<{ badge: string; level: number }>(rows[0].operation as string) : null;
        if (!operation) return left(domainError('not_found', 'badge.not_found', `no badge ${index}`, 'index'));
        return { status: 200, body: badgeMetadata(badges.publicUrl, index, operation.badge, operation.level) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/nft/collection',
      summary: 'TEP-64 metadata of the badge collection',
      tags: ['blockchain'],
      auth: 'public',
      responses: { 200: { description: 'TEP-64 collection metadata' } },
      handle: async () => ({
        status: 200,
        body: { name: 'Ledgerline badges', description: 'Achievement badges issued by Ledgerline', image: `${badges.publicUrl}/nft/badge.svg` },
      }),
    }),
  ];
}

/** TEP-64 off-chain item metadata: name, description, image, attributes. */
export function badgeMetadata(publicUrl: string, index: string, badge: string, level: number) {
  return {
    name: `${badge.replace(/_/g, ' ')} — level ${level}`,
    description: `Ledgerline badge ${badge}, level ${level}`,
    image: `${publicUrl}/nft/badge.svg`,
    attributes: [
      { trait_type: 'badge', value: badge },
      { trait_type: 'level', value: level },
      { trait_type: 'index', value: index },
    ],
  };
}
