/**
 * The design a user would otherwise pick, as the on-sale bench's peer: a plain CRUD ticket shop
 * on the same HTTP stack (routes, auth, problem+json, metrics — it is a context module started by
 * the same `startSystem`) and the same database pool. One transaction per purchase: the guarded
 * `UPDATE … SET sold = sold + 1 WHERE id = $1 AND sold < quantity` (the row lock of classic
 * ticketing systems) and the ticket's `INSERT`. No log, no projection, no notification.
 *
 * Bench-only: registered by bench/onsale/server-process.ts, never by the product (so it is not
 * in the product's OpenAPI document).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { ContextFactory } from '../../adapters/app/context-module.js';
import { defineRoute } from '../../adapters/http/route.js';
import { domainError } from '../../domain/decider.js';

const TypeBody = t.type({ quantity: t.number, price: t.string });
const IdParams = t.type({ id: t.string });

export const crudTicketingModule: ContextFactory = (deps) => {
  const db = deps.database.db;
  const table = (name: string) => sql.table(`${deps.database.schema}.${name}`);
  return {
    name: 'crud-ticketing',
    migrations: [
      {
        'crud-ticketing-0001-tables': {
          async up(db) {
            await sql`create table ${table('crud_ticket_types')} (id text primary key, quantity integer not null, sold integer not null default 0, price numeric(14,2) not null, check (sold <= quantity))`.execute(db);
            await sql`create table ${table('crud_tickets')} (id text primary key, code text not null unique, ticket_type_id text not null references ${table('crud_ticket_types')}, buyer_id text not null, price numeric(14,2) not null, sold_at timestamptz not null default now())`.execute(db);
          },
        },
      },
    ],
    routes: [
      defineRoute({
        method: 'post',
        path: '/api/crud/ticket-types',
        summary: 'Bench peer: a ticket type of `quantity` seats',
        tags: ['bench'],
        auth: { roles: ['organizer'] },
        body: TypeBody,
        responses: { 201: { description: 'Created' } },
        handle: async ({ body }) => {
          const id = randomUUID();
          await sql`insert into ${table('crud_ticket_types')} (id, quantity, price) values (${id}, ${body.quantity}, ${body.price}::numeric)`.execute(db);
          return { status: 201, body: { ticket_type_id: id } };
        },
      }),
      defineRoute({
        method: 'post',
        path: '/api/crud/ticket-types/:id/tickets',
        summary: 'Bench peer: buy one ticket (guarded UPDATE + INSERT in one transaction)',
        tags: ['bench'],
        auth: {},
        params: IdParams,
        responses: { 201: { description: 'The ticket' }, 409: { description: 'Sold out' } },
        handle: async ({ params, principal }) => {
          const ticketId = randomUUID();
          const code = randomBytes(17).toString('base64url');
          const sold = await db.transaction().execute(async (trx) => {
            const { rows } = await sql<{ price: string }>`
              update ${table('crud_ticket_types')} set sold = sold + 1 where id = ${params.id} and sold < quantity returning price::text as price`.execute(trx);
            if (rows.length === 0) return undefined;
            await sql`insert into ${table('crud_tickets')} (id, code, ticket_type_id, buyer_id, price) values (${ticketId}, ${code}, ${params.id}, ${principal.id}, ${rows[0]!.price}::numeric)`.execute(trx);
            return rows[0]!.price;
          });
          if (sold === undefined) return left(domainError('conflict', 'tickets.sold_out', 'no seats left'));
          return { status: 201, body: { tickets: [{ id: ticketId, code, status: 'active', ticket_type_id: params.id, price: sold, currency: 'RUB' }] } };
        },
      }),
    ],
  };
};
