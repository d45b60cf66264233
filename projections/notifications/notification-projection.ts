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
    async apply(trx, events) {
      for (const recorded of events) {
        const event = recorded;
        switch (event.type) {
          case 'NotificationRecorded': {
            const d = event.data;
            await sql`
              insert into rm_notifications (id, user_id, kind, gathering_id, title, body, created_at)
              values (${d.notificationId}, ${d.userId}, ${d.kind}, ${d.gatheringId}, ${d.title}, ${d.body}, ${d.recordedAt}::timestamptz)
              on conflict (id) do nothing`.execute(trx);
            break;
          }
          case 'NotificationDelivered':
            await sql`update rm_notifications set delivered_at = ${event.data.deliveredAt}::timestamptz, channel = ${event.data.channel} where id = ${event.data.notificationId}`.execute(trx);
            break;
        }
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
