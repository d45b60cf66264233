import assert from 'node:assert/strict';
import request from 'supertest';
import type { RunningSystem } from '../../../adapters/app/system.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { LegacyTicketingNotify, notify, Notify } from '../../../commands/notifications/notifications-effect-kinds.js';
import { notificationEffectHandlers } from '../../../commands/notifications/notifications-effects.js';
import { notificationsModule } from '../../../commands/notifications/notifications-module.js';
import { ManualClock } from '../../../platform/clock.js';
import { enqueueEffect, listDeadLetters, type Effect } from '../../../sagas/outbox.js';
import { eventually } from '../../support/eventually.js';
import { openTestDatabase } from '../../support/test-database.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';
import { RecordingChannel } from './recording-channel.js';

/**
 * The notifications context alone (T-9): any context asks with one effect (`notifications.notify`:
 * template, recipient, parameters); it renders, records in the recipient's inbox, delivers
 * through the channel, and `GET /api/notifications` lists it.
 */
describe('notifications: one effect in, an inbox and a channel out', function () {
  this.timeout(60_000);
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let system: RunningSystem & { api: string };
  const clock = new ManualClock(new Date('2030-03-01T10:00:00Z'));
  const channel = new RecordingChannel();
  const token = (id: string) => signAccessToken({ kind: 'user', id, roles: ['user'], scopes: [] }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then((jwt) => `Bearer ${jwt}`);
  const inboxOf = async (user: string, query: Record<string, string> = {}) =>
    (await request(system.api).get('/api/notifications').query(query).set('Authorization', await token(user)).expect(200)).body as {
      items: { id: string; kind: string; event_id: string; title: string; body: string; created_at: string; delivered_at: string | null }[];
      next_cursor?: string | null;
    };
  const enqueue = (effect: Effect) => enqueueEffect(database.db, effect, clock.now());
  const deliveredOnce = (id: string) => channel.delivered.filter((n) => n.notificationId === id).length === 1;

  before(async () => {
    database = await openTestDatabase();
    system = await startTestSystem({ database, clock, contexts: [notificationsModule({ channel })] });
  });
  after(async () => {
    await system?.stop();
    await database?.dispose();
  });

  it('given a Notify effect, then the template is rendered, recorded, delivered once and listed newest first', async () => {
    await enqueue(notify('cancelled:g-1:alice', 'alice', 'event.cancelled', { gatheringId: 'g-1', eventTitle: 'Jazz', reason: 'storm warning' }));
    await eventually(async () => deliveredOnce('cancelled:g-1:alice'));
    clock.advance(1000);
    await enqueue(notify('reminder:g-2:alice:2030-03-02T18:00:00.000Z', 'alice', 'event.reminder', { gatheringId: 'g-2', eventTitle: 'Blues', startsAt: '2030-03-02T18:00:00.000Z' }));
    // the same request again (same notification id) is the same effect: nothing more
    await enqueue(notify('cancelled:g-1:alice', 'alice', 'event.cancelled', { gatheringId: 'g-1', eventTitle: 'Jazz', reason: 'storm warning' }));
    const inbox = await eventually(async () => {
      const page = await inboxOf('alice');
      return page.items.length === 2 && page.items.every((n) => n.delivered_at) ? page : undefined;
    });
    assert.deepEqual(
      inbox.items.map(({ id, kind, event_id, title, body }) => ({ id, kind, event_id, title, body })),
      [
        { id: 'reminder:g-2:alice:2030-03-02T18:00:00.000Z', kind: 'event.reminder', event_id: 'g-2', title: 'Reminder: Blues', body: 'Blues starts at 2030-03-02 18:00 UTC. Have your QR code ready at the door.' },
        { id: 'cancelled:g-1:alice', kind: 'event.cancelled', event_id: 'g-1', title: 'Cancelled: Jazz', body: 'The event was cancelled (storm warning). Your tickets are no longer valid.' },
      ],
    );
    assert.ok(deliveredOnce('cancelled:g-1:alice'));
    assert.deepEqual(channel.delivered.find((n) => n.notificationId === 'cancelled:g-1:alice'), {
      notificationId: 'cancelled:g-1:alice',
      userId: 'alice',
      kind: 'event.cancelled',
      title: 'Cancelled: Jazz',
      body: 'The event was cancelled (storm warning). Your tickets are no longer valid.',
    });
    const first = await inboxOf('alice', { limit: '1' });
    assert.equal(first.items[0]!.id, inbox.items[0]!.id, 'pages newest first');
    assert.deepEqual((await inboxOf('bob')).items, [], 'only the recipient sees it');
  });

  it('given ten notifications for one recipient performed at once, then the inbox writes race and still each is recorded and marked delivered exactly once', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `purchased:race-${i}`);
    for (const id of ids) await enqueue(notify(id, 'carol', 'ticket.purchased', { gatheringId: 'g-9', eventTitle: 'Race', count: '1', unitPrice: '10.00', currency: 'RUB' }));
    const inbox = await eventually(async () => {
      const page = await inboxOf('carol', { limit: '50' });
      return page.items.length === 10 && page.items.every((n) => n.delivered_at) ? page : undefined;
    });
    assert.deepEqual(inbox.items.map((n) => n.id).sort(), [...ids].sort());
    for (const id of ids) assert.ok(deliveredOnce(id), id);
    const events = await system.dependencies.store.readStream('Inbox-carol');
    assert.deepEqual(
      events.map((event) => event.type).sort(),
      [...Array(10).fill('NotificationDelivered'), ...Array(10).fill('NotificationRecorded')],
      'one recording and one delivery per notification in the inbox stream',
    );
  });

  it('given a recipient with earlier notifications, when a notification effect is performed twice (a retry after a crash), then it is recorded and marked delivered once each, without reading the inbox', async () => {
    for (let i = 0; i < 5; i++) await enqueue(notify(`purchased:earlier-${i}`, 'dora', 'ticket.purchased', { gatheringId: 'g-7', eventTitle: 'Earlier', count: '1', unitPrice: '10.00', currency: 'RUB' }));
    await eventually(async () => Array.from({ length: 5 }, (_, i) => `purchased:earlier-${i}`).every(deliveredOnce));
    const store = system.dependencies.store;
    let inboxReads = 0;
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'readStream') return (name: string, ...rest: unknown[]) => ((inboxReads += name.startsWith('Inbox-') ? 1 : 0), (target.readStream as (...a: unknown[]) => unknown).call(target, name, ...rest));
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const [perform] = notificationEffectHandlers({ store: counting, clock, channel }).filter((performer) => performer.kind.kind === Notify.kind);
    const payload = { notificationId: 'purchased:retried', recipient: 'dora', template: 'ticket.purchased', parameters: { gatheringId: 'g-7', eventTitle: 'Retried', count: '2', unitPrice: '10.00', currency: 'RUB' } };
    await perform!.perform(payload, { idempotencyKey: 'notify:purchased:retried', attempt: 1, correlationId: null });
    clock.advance(1000); // the retry decides at another time: the log keeps the first recording
    await perform!.perform(payload, { idempotencyKey: 'notify:purchased:retried', attempt: 2, correlationId: null });
    assert.equal(inboxReads, 0, 'the inbox was not read');
    const events = (await store.readStream('Inbox-dora')).filter((event) => (event.data as { notificationId: string }).notificationId === 'purchased:retried');
    assert.deepEqual(events.map((event) => event.type), ['NotificationRecorded', 'NotificationDelivered']);
    assert.equal(channel.delivered.filter((n) => n.notificationId === 'purchased:retried').length, 2, 'the channel is told again on a retry (it is idempotent by notification id)');
    const listed = await eventually(async () => (await inboxOf('dora', { limit: '50' })).items.find((n) => n.id === 'purchased:retried' && n.delivered_at));
    assert.equal(listed.title, 'Your 2 tickets for Retried');
  });

  it('given the channel is down, then the notification is retried through the outbox until delivered', async () => {
    channel.failures = 2;
    await enqueue(notify('purchased:sale-1', 'bob', 'ticket.purchased', { gatheringId: 'g-1', eventTitle: 'Jazz', count: '2', unitPrice: '1500.00', currency: 'RUB' }));
    await eventually(async () => {
      clock.advance(1000); // the outbox's backoff runs on the injected clock
      return deliveredOnce('purchased:sale-1');
    });
    assert.equal(channel.failures, 0);
    const found = await eventually(async () => (await inboxOf('bob')).items.find((n) => n.id === 'purchased:sale-1' && n.delivered_at));
    assert.deepEqual([found.kind, found.title, found.body], ['ticket.purchased', 'Your 2 tickets for Jazz', 'Purchase confirmed: 2 × 1500.00 RUB. Show the QR code at the door.']);
  });

  it('given a ticketing.notify effect queued before the move, then it is still recorded and delivered as it was written', async () => {
    const notification = { notificationId: 'purchased:old-sale', kind: 'ticket.purchased' as const, gatheringId: 'g-0', title: 'Your ticket for Old', body: 'Purchase confirmed: 1 × 1 RUB. Show the QR code at the door.' };
    await enqueue(LegacyTicketingNotify.effect('ticketing-notify:purchased:old-sale', { userId: 'carol', notification }));
    const found = await eventually(async () => (await inboxOf('carol')).items.find((n) => n.id === 'purchased:old-sale' && n.delivered_at));
    assert.deepEqual([found.kind, found.event_id, found.title, found.body], ['ticket.purchased', 'g-0', notification.title, notification.body]);
    assert.ok(deliveredOnce('purchased:old-sale'));
  });

  it('given parameters the template lacks, then the effect is a dead letter and nothing is recorded or sent', async () => {
    await enqueue(Notify.effect('notifications-notify:broken', { notificationId: 'broken', recipient: 'dave', template: 'event.reminder', parameters: { gatheringId: 'g-1' } }));
    const dead = await eventually(async () => (await listDeadLetters(database.db)).find((letter) => letter.idempotencyKey === 'notifications-notify:broken'));
    assert.match(dead.lastError ?? '', /eventTitle, startsAt/);
    assert.deepEqual((await inboxOf('dave')).items, []);
    assert.ok(!channel.delivered.some((n) => n.notificationId === 'broken'));
  });
});
