import assert from 'node:assert/strict';
import { Notify } from '../../../commands/notifications/notifications-effect-kinds.js';
import { streamOfInventory } from '../../../domain/ticketing/ticket-inventory.js';
import type { Effect } from '../../../sagas/outbox.js';
import { gatheringFollowupSaga, reminderTimerId, type GatheringFollowupState } from '../../../sagas/ticketing/gathering-followup-saga.js';

/** The gathering saga is pure: its reactions to a late sale, without a database (issue 10). */
describe('gathering follow-up saga: a sale after the reminder moment', () => {
  const saga = gatheringFollowupSaga(24);
  const startsAt = '2030-03-03T18:00:00.000Z';
  const published: GatheringFollowupState = { title: 'Jazz', startsAt, status: 'published' };
  let position = 0n;
  const sold = (buyerId: string) => ({
    streamName: streamOfInventory('tt-1'),
    revision: 0n,
    position: { commit: ++position, prepare: position },
    eventId: `e-${position}`,
    metadata: {},
    createdAt: new Date(),
    type: 'TicketsSold' as const,
    data: { saleId: `sale-${position}`, gatheringId: 'g-1', ticketTypeId: 'tt-1', buyerId, tickets: [{ ticketId: 't-1', code: 'C' }], unitPrice: '10.00', currency: 'RUB', soldAt: '2030-03-01T00:00:00Z' },
  });
  const notices = (effects: readonly Effect[] | undefined) =>
    (effects ?? []).filter((effect) => effect.kind === Notify.kind).map((effect) => effect.payload as { notificationId: string; recipient: string; template: string });
  const before = new Date('2030-03-01T12:00:00Z');
  const after = new Date('2030-03-02T19:00:00Z');

  it('given the reminder moment is still ahead, then a sale tells the buyer of the purchase only', () => {
    assert.deepEqual(notices(saga.react(published, sold('bob'), before).effects).map((n) => n.template), ['ticket.purchased']);
  });

  it('given the timer fired for this start, then a later buyer is reminded with the purchase, under the id the holders’ reminder uses', () => {
    const fired = saga.onTimer!(published, { id: reminderTimerId('g-1'), kind: 'saga:ticketing-gathering-followup', dueAt: after, payload: { flowId: 'g-1' } }, after);
    assert.equal(fired.state.remindedFor, startsAt);
    const reaction = saga.react(fired.state, sold('bob'), before); // even on a clock that lags
    assert.deepEqual(
      notices(reaction.effects).map(({ template, recipient, notificationId }) => ({ template, recipient, notificationId })),
      [
        { template: 'ticket.purchased', recipient: 'bob', notificationId: 'purchased:sale-2' },
        { template: 'event.reminder', recipient: 'bob', notificationId: `reminder:g-1:bob:${startsAt}` },
      ],
    );
    const reminders = (reaction.effects ?? []).filter((effect) => (effect.payload as { template?: string }).template === 'event.reminder');
    assert.equal(reminders[0]!.idempotencyKey, `notifications-notify:reminder:g-1:bob:${startsAt}`, 'one effect per (gathering, holder, start)');
  });

  it('given the moment passed but the timer has not fired (or fired while a draft), then the buyer is reminded too', () => {
    assert.deepEqual(notices(saga.react(published, sold('carol'), after).effects).map((n) => n.template), ['ticket.purchased', 'event.reminder']);
  });

  it('given the start moved later after the reminder, or the event is cancelled, then a sale reminds nobody yet', () => {
    const moved: GatheringFollowupState = { ...published, startsAt: '2030-03-10T18:00:00.000Z', remindedFor: startsAt };
    assert.deepEqual(notices(saga.react(moved, sold('dave'), after).effects).map((n) => n.template), ['ticket.purchased']);
    assert.deepEqual(notices(saga.react({ ...published, status: 'cancelled' }, sold('erin'), after).effects).map((n) => n.template), ['ticket.purchased', 'event.cancelled']);
  });

  it('given the event is cancelled, when a sale that raced the cancellation appears, then each of its tickets is voided and the buyer told of the cancellation', () => {
    const reaction = saga.react({ ...published, status: 'cancelled' }, sold('frank'), after);
    const voids = (reaction.effects ?? []).filter((effect) => effect.kind === 'ticketing.void-ticket');
    assert.deepEqual(
      voids.map((effect) => ({ key: effect.idempotencyKey, payload: effect.payload })),
      [{ key: 'ticketing-void:t-1', payload: { ticketId: 't-1', gatheringId: 'g-1', ticketTypeId: 'tt-1' } }],
    );
    assert.deepEqual(notices(reaction.effects).find((n) => n.template === 'event.cancelled')?.notificationId, 'cancelled:g-1:frank');
    assert.equal((saga.react(published, sold('gina'), after).effects ?? []).filter((effect) => effect.kind === 'ticketing.void-ticket').length, 0, 'nothing voided while on sale');
  });
});
