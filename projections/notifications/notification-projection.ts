import { pickEvents } from '../../domain/event-codec.js';
import { sql } from 'kysely';
import type { Migrations } from '../../adapters/database/migrations.js';
import { NotificationEvent } from '../../domain/notifications/inbox.js';
import { defineProjection } from '../projection.js';

/**
 * Named when it belonged to ticketing; the name (and its migration's key) stay, since existing
 * databases have its checkpoint and applied migration recorded under them.
 */
export const NOTIFICATIONS_PROJECTION = 'ticketing-notifications';

/** `rm_notifications`: every user's notifications (T-9), with when and how each was delivered. */
export function notificationProjection() {
  return defineProjection({
    name: NOTIFICATIONS_PROJECTION,
    events: pickEvents(NotificationEvent, ['NotificationRecorded', 'NotificationDelivered']),
    migrations: notificationMigrations,
    // Set-based (issue 16): a batch is at most two statements — the notifications recorded in it
    // (the first of an id wins, as `on conflict do nothing` one by one), then its deliveries (the
    // last of an id wins) — with the result of applying its events one by one
    // (tests/projections/notifications/notification-projection-batch.property.spec.ts).
    async apply(trx, events) {
      const recorded = new Map<string, Record<string, string | null>>();
      const delivered = new Map<string, { id: string; delivered_at: string; channel: string }>();
      for (const event of events) {
        if (event.type === 'NotificationRecorded') {
          const d = event.data;
          if (!recorded.has(d.notificationId))
            recorded.set(d.notificationId, { id: d.notificationId, user_id: d.userId, kind: d.kind, gathering_id: d.gatheringId, title: d.title, body: d.body, created_at: d.recordedAt });
        } else {
          const d = event.data;
          delivered.set(d.notificationId, { id: d.notificationId, delivered_at: d.deliveredAt, channel: d.channel });
        }
      }
      if (recorded.size > 0) {
        await sql`
          insert into rm_notifications (id, user_id, kind, gathering_id, title, body, created_at)
          select id, user_id, kind, gathering_id, title, body, created_at::timestamptz
          from jsonb_to_recordset(${JSON.stringify([...recorded.values()])}::jsonb)
            as r(id text, user_id text, kind text, gathering_id text, title text, body text, created_at text)
          on conflict (id) do nothing`.execute(trx);
      }
      if (delivered.size > 0) {
        await sql`
          update rm_notifications n set delivered_at = d.delivered_at::timestamptz, channel = d.channel
          from jsonb_to_recordset(${JSON.stringify([...delivered.values()])}::jsonb) as d(id text, delivered_at text, channel text)
          where n.id = d.id`.execute(trx);
      }
    },
  });
}

const notificationMigrations: Migrations = {
  'ticketing-notifications-0001-tables': {
    async up(db) {
      await sql`
        create table rm_notifications (
          id text primary key,
          user_id text not null,
          kind text not null,
          gathering_id text not null,
          title text not null,
          body text not null,
          created_at timestamptz not null,
          delivered_at timestamptz,
          channel text
        )`.execute(db);
      await sql`create index rm_notifications_user on rm_notifications (user_id, created_at desc, id desc)`.execute(db);
    },
  },
  /** Notifications about no gathering (a gift-certificate pool running out) record none. */
  'ticketing-notifications-0002-gathering-optional': {
    async up(db) {
      await sql`alter table rm_notifications alter column gathering_id drop not null`.execute(db);
    },
  },
};
