import { inboxDecider, type NotificationContent, type NotificationEvent } from '../../../domain/notifications/inbox.js';
import { given } from '../../support/decider-spec.js';

const NOW = new Date('2030-01-01T12:00:00Z');
const notification: NotificationContent = { notificationId: 'n-1', kind: 'event.reminder', gatheringId: 'g-1', title: 'Reminder: Jazz', body: '…' };
const recorded: NotificationEvent = { type: 'NotificationRecorded', data: { ...notification, userId: 'alice', recordedAt: NOW.toISOString() } };
const delivered: NotificationEvent = { type: 'NotificationDelivered', data: { notificationId: 'n-1', channel: 'log', deliveredAt: NOW.toISOString() } };

describe('Inbox decider (T-9)', () => {
  it('given nothing, when a notification is recorded, then it is; recording it again changes nothing', () => {
    given(inboxDecider).when({ type: 'RecordNotification', userId: 'alice', notification, now: NOW }).then([recorded]);
    given(inboxDecider, [recorded]).when({ type: 'RecordNotification', userId: 'alice', notification, now: NOW }).then([]);
  });

  it('given a recorded notification, then its delivery is recorded once; an unknown one is not', () => {
    given(inboxDecider, [recorded]).when({ type: 'MarkDelivered', notificationId: 'n-1', channel: 'log', now: NOW }).then([delivered]);
    given(inboxDecider, [recorded, delivered]).when({ type: 'MarkDelivered', notificationId: 'n-1', channel: 'log', now: NOW }).then([]);
    given(inboxDecider).when({ type: 'MarkDelivered', notificationId: 'n-1', channel: 'log', now: NOW }).then([]);
  });
});
