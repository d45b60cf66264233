import { sql } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { ChannelMessageEvent } from '../../domain/gift-certificates/channel-messages.js';
import { defineProjection, type Projection } from '../projection.js';

export const CHANNEL_MESSAGES_PROJECTION = 'gcp-channel-messages';

/**
 * BI's copy of the channels' messages as they arrived (G-8: `All_SalesOrder`, `All_Payments`,
 * `All_Clients`), one row per (source, message id), WITHOUT personal data: a refund's bank
 * details, a client's name, e-mail and phone never reach these tables — only whether they were
 * given. The log keeps them sealed (forgettable); BI needs none of them to count and join.
 */
export function channelMessageProjection(biSchema = 'bi'): Projection<ChannelMessageEvent> {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return defineProjection({
    name: CHANNEL_MESSAGES_PROJECTION,
    events: ChannelMessageEvent,
    migrations: channelMessageMigrations(biSchema),
    rebind: (other) => channelMessageProjection(other),
    async apply(trx, events) {
      const orders: unknown[] = [];
      const payments: unknown[] = [];
      const clients: unknown[] = [];
      for (const event of events) {
        const common = { source: event.data.source, message_id: event.data.messageId, received_at: event.data.receivedAt, occurred_at: event.data.occurredAt, event_position: formatPosition(event.position) };
        switch (event.type) {
          case 'SalesOrderReceived': {
            const d = event.data;
            orders.push({
              ...common,
              order_id: d.orderId,
              kind: d.kind,
              certificate_id: d.certificateId,
              certificate_number: d.certificateNumber,
              amount: d.amount,
              currency: d.currency,
              channel: d.channel,
              notification_channel: d.notificationChannel,
              client_id: d.clientId,
              bank_details_given: d.bankDetails !== null,
            });
            break;
          }
          case 'PaymentReceived': {
            const d = event.data;
            payments.push({ ...common, payment_id: d.paymentId, order_id: d.orderId, kind: d.kind, amount: d.amount, currency: d.currency, method: d.method });
            break;
          }
          case 'ClientReceived': {
            const d = event.data;
            clients.push({ ...common, client_id: d.clientId, consent: d.consent, name_given: d.name !== null, email_given: d.email !== null, phone_given: d.phone !== null });
            break;
          }
        }
      }
      if (orders.length > 0) {
        await sql`
          insert into ${bi('gift_sales_orders')} (source, message_id, order_id, kind, certificate_id, certificate_number, amount, currency, channel, notification_channel, client_id,
                                                bank_details_given, received_at, occurred_at, event_position)
          select x.source, x.message_id, x.order_id, x.kind, x.certificate_id, x.certificate_number, (case when x.amount ~ '^-?[0-9]{1,14}([.][0-9]{1,2})?$' then x.amount::numeric end), x.currency, x.channel, x.notification_channel, x.client_id,
                 x.bank_details_given, x.received_at::timestamptz, x.occurred_at::timestamptz, x.event_position
          from jsonb_to_recordset(${JSON.stringify(orders)}::jsonb) as x(source text, message_id text, order_id text, kind text, certificate_id text, certificate_number text, amount text,
            currency text, channel text, notification_channel text, client_id text, bank_details_given boolean, received_at text, occurred_at text, event_position text)
          on conflict do nothing`.execute(trx);
      }
      if (payments.length > 0) {
        await sql`
          insert into ${bi('gift_payments')} (source, message_id, payment_id, order_id, kind, amount, currency, method, received_at, occurred_at, event_position)
          select x.source, x.message_id, x.payment_id, x.order_id, x.kind, (case when x.amount ~ '^-?[0-9]{1,14}([.][0-9]{1,2})?$' then x.amount::numeric end), x.currency, x.method, x.received_at::timestamptz, x.occurred_at::timestamptz, x.event_position
          from jsonb_to_recordset(${JSON.stringify(payments)}::jsonb) as x(source text, message_id text, payment_id text, order_id text, kind text, amount text, currency text, method text,
            received_at text, occurred_at text, event_position text)
          on conflict do nothing`.execute(trx);
      }
      if (clients.length > 0) {
        await sql`
          insert into ${bi('gift_clients')} (source, message_id, client_id, consent, name_given, email_given, phone_given, received_at, occurred_at, event_position)
          select x.source, x.message_id, x.client_id, x.consent, x.name_given, x.email_given, x.phone_given, x.received_at::timestamptz, x.occurred_at::timestamptz, x.event_position
          from jsonb_to_recordset(${JSON.stringify(clients)}::jsonb) as x(source text, message_id text, client_id text, consent boolean, name_given boolean, email_given boolean,
            phone_given boolean, received_at text, occurred_at text, event_position text)
          on conflict do nothing`.execute(trx);
      }
    },
  });
}

function channelMessageMigrations(biSchema: string): Migrations {
  const bi = (table: string) => sql.table(`${biSchema}.${table}`);
  return {
    'gcp-channel-messages-0001-bi': {
      async up(db) {
        await sql`create schema if not exists ${sql.id(biSchema)}`.execute(db);
        await sql`
          create table ${bi('gift_sales_orders')} (
            source text not null, message_id text not null, order_id text not null, kind text not null, certificate_id text not null, certificate_number text not null,
            amount numeric(16, 2), currency text not null, channel text not null, notification_channel text, client_id text, bank_details_given boolean not null,
            received_at timestamptz not null, occurred_at timestamptz not null, event_position text not null,
            primary key (source, message_id)
          )`.execute(db);
        await sql`
          create table ${bi('gift_payments')} (
            source text not null, message_id text not null, payment_id text not null, order_id text not null, kind text not null,
            amount numeric(16, 2), currency text not null, method text,
            received_at timestamptz not null, occurred_at timestamptz not null, event_position text not null,
            primary key (source, message_id)
          )`.execute(db);
        await sql`
          create table ${bi('gift_clients')} (
            source text not null, message_id text not null, client_id text not null, consent boolean,
            name_given boolean not null, email_given boolean not null, phone_given boolean not null,
            received_at timestamptz not null, occurred_at timestamptz not null, event_position text not null,
            primary key (source, message_id)
          )`.execute(db);
        await sql`comment on table ${bi('gift_sales_orders')} is 'One row per All_SalesOrder message as it arrived (purchase, redemption, refund of a gift certificate); bank details never, only whether they were given'`.execute(db);
        await sql`comment on table ${bi('gift_payments')} is 'One row per All_Payments message as it arrived (authorization, capture, void, refund)'`.execute(db);
        await sql`comment on table ${bi('gift_clients')} is 'One row per All_Clients message as it arrived: the client id and consent; name, e-mail and phone never, only whether each was given'`.execute(db);
      },
    },
  };
}
