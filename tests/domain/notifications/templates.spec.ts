import assert from 'node:assert/strict';
import { isLeft, isRight } from 'fp-ts/Either';
import { renderNotification } from '../../../domain/notifications/templates.js';

/** The notifications context renders what ticketing used to write itself: the texts are the same. */
describe('notification templates', () => {
  const rendered = (...args: Parameters<typeof renderNotification>) => {
    const result = renderNotification(...args);
    if (isLeft(result)) assert.fail(result.left.message);
    return result.right;
  };

  it('given a purchase of one or several tickets, then the confirmation reads as before', () => {
    assert.deepEqual(rendered('ticket.purchased', { gatheringId: 'g-1', eventTitle: 'Jazz in the Park', count: '1', unitPrice: '1500.00', currency: 'RUB' }), {
      kind: 'ticket.purchased',
      gatheringId: 'g-1',
      title: 'Your ticket for Jazz in the Park',
      body: 'Purchase confirmed: 1 × 1500.00 RUB. Show the QR code at the door.',
    });
    assert.equal(rendered('ticket.purchased', { gatheringId: 'g-1', eventTitle: 'Jazz', count: '3', unitPrice: '10', currency: 'RUB' }).title, 'Your 3 tickets for Jazz');
    assert.equal(rendered('ticket.purchased', { gatheringId: 'g-1', eventTitle: '', count: '1', unitPrice: '10', currency: 'RUB' }).title, 'Your ticket for the event');
  });

  it('given a cancellation with and without a reason, then the notice reads as before', () => {
    assert.deepEqual(rendered('event.cancelled', { gatheringId: 'g-1', eventTitle: 'Jazz', reason: 'storm warning' }), {
      kind: 'event.cancelled',
      gatheringId: 'g-1',
      title: 'Cancelled: Jazz',
      body: 'The event was cancelled (storm warning). Your tickets are no longer valid.',
    });
    assert.equal(rendered('event.cancelled', { gatheringId: 'g-1', eventTitle: 'Jazz', reason: '' }).body, 'The event was cancelled. Your tickets are no longer valid.');
  });

  it('given a reminder, then it names the start to the minute, in UTC', () => {
    assert.deepEqual(rendered('event.reminder', { gatheringId: 'g-1', eventTitle: 'Jazz', startsAt: '2030-03-05T18:30:00.000Z' }), {
      kind: 'event.reminder',
      gatheringId: 'g-1',
      title: 'Reminder: Jazz',
      body: 'Jazz starts at 2030-03-05 18:30 UTC. Have your QR code ready at the door.',
    });
  });

  it('given a missing or malformed parameter, then it is refused naming it; extra parameters are ignored', () => {
    const missing = renderNotification('event.cancelled', { gatheringId: 'g-1', eventTitle: 'Jazz' });
    assert.ok(isLeft(missing) && missing.left.code === 'notification.parameters_missing' && /reason/.test(missing.left.message));
    const count = renderNotification('ticket.purchased', { gatheringId: 'g-1', eventTitle: 'Jazz', count: 'two', unitPrice: '10', currency: 'RUB' });
    assert.ok(isLeft(count) && count.left.field === 'parameters.count');
    const when = renderNotification('event.reminder', { gatheringId: 'g-1', eventTitle: 'Jazz', startsAt: 'soon' });
    assert.ok(isLeft(when) && when.left.field === 'parameters.startsAt');
    assert.ok(isRight(renderNotification('event.cancelled', { gatheringId: 'g-1', eventTitle: 'Jazz', reason: '', extra: 'x' })));
  });
});
