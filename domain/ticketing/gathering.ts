import type { Actor } from '../actor.js';
import { left, right, type Either } from 'fp-ts/Either';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { GatheringEvent, type GatheringDetails, type TicketTypeDetails } from './gathering-events.js';
import { isPrice, normalizePrice } from '../money.js';

/**
 * A Gathering is what the SPEC calls an "event" (a concert, a meetup): named so it cannot be
 * confused with a domain event. Draft → published → cancelled (T-1); ticket types are added
 * to a published gathering (T-2) and their seats then live in their own inventory stream.
 */
export type GatheringStatus = 'none' | 'draft' | 'published' | 'cancelled';

export interface GatheringState {
  readonly status: GatheringStatus;
  readonly gatheringId?: string;
  readonly organizerId?: string;
  readonly details?: GatheringDetails;
  readonly ticketTypes: readonly TicketTypeDetails[];
}


export type GatheringCommand =
  | { readonly type: 'CreateGathering'; readonly gatheringId: string; readonly actor: Actor; readonly details: GatheringDetails; readonly now: Date }
  /** Replace every detail of a draft (PUT). */
  | { readonly type: 'EditGathering'; readonly actor: Actor; readonly details: GatheringDetails; readonly now: Date }
  /** Change only the details given, keeping the others (PATCH); the same rules as an edit. */
  | { readonly type: 'AmendGathering'; readonly actor: Actor; readonly changes: Partial<GatheringDetails>; readonly now: Date }
  | { readonly type: 'PublishGathering'; readonly actor: Actor; readonly now: Date }
  | { readonly type: 'CancelGathering'; readonly actor: Actor; readonly reason: string; readonly now: Date }
  | { readonly type: 'AddTicketType'; readonly actor: Actor; readonly ticketType: TicketTypeDetails; readonly now: Date };

export const streamOfGathering = (gatheringId: string): string => `Gathering-${gatheringId}`;
/** The gathering a `Gathering-<id>` stream holds; null for any other stream. */
export const gatheringOfStream = (streamName: string): string | null => (streamName.startsWith('Gathering-') ? streamName.slice('Gathering-'.length) : null);

export const MAX_TICKET_TYPES = 20;
const MAX_CAPACITY = 1_000_000;

const invalid = (field: string, message: string) => left(domainError('rule_violated', `gathering.invalid_${field}`, message, field));

/** The rules every version of a gathering's details obeys (create and edit). */
export function checkDetails(details: GatheringDetails, now: Date): Either<DomainError, GatheringDetails> {
  const title = details.title.trim();
  if (title.length < 3 || title.length > 200) return invalid('title', 'title must be 3 to 200 characters');
  if (details.description.length > 5000) return invalid('description', 'description must be at most 5000 characters');
  const venue = details.venue.trim();
  if (venue.length < 1 || venue.length > 300) return invalid('venue', 'venue must be 1 to 300 characters');
  const startsAt = new Date(details.startsAt);
  const endsAt = new Date(details.endsAt);
  if (!(startsAt.getTime() > now.getTime())) return invalid('starts_at', 'starts_at must be in the future');
  if (!(endsAt.getTime() > startsAt.getTime())) return invalid('ends_at', 'ends_at must be after starts_at');
  if (!Number.isInteger(details.capacity) || details.capacity < 1 || details.capacity > MAX_CAPACITY) {
    return invalid('capacity', `capacity must be a whole number from 1 to ${MAX_CAPACITY}`);
  }
  return right({ ...details, title, venue, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() });
}

function checkTicketType(state: GatheringState, ticketType: TicketTypeDetails): Either<DomainError, TicketTypeDetails> {
  const details = state.details!;
  if (state.ticketTypes.length >= MAX_TICKET_TYPES) {
    return left(domainError('rule_violated', 'ticket_type.too_many', `a gathering has at most ${MAX_TICKET_TYPES} ticket types`));
  }
  const allotted = state.ticketTypes.reduce((sum, existing) => sum + existing.quantity, 0);
  if (!Number.isInteger(ticketType.quantity) || ticketType.quantity < 1) {
    return left(domainError('rule_violated', 'ticket_type.invalid_quantity', 'quantity must be a whole number of at least 1', 'quantity'));
  }
  if (allotted + ticketType.quantity > details.capacity) {
    return left(
      domainError('rule_violated', 'ticket_type.over_capacity', `quantity exceeds the capacity left (${details.capacity - allotted} of ${details.capacity})`, 'quantity'),
    );
  }
  if (!isPrice(ticketType.price)) {
    return left(domainError('rule_violated', 'ticket_type.invalid_price', 'price must be a decimal with at most two decimals, e.g. "1500.00"', 'price'));
  }
  if (!/^[A-Z]{3}$/.test(ticketType.currency)) {
    return left(domainError('rule_violated', 'ticket_type.invalid_currency', 'currency must be an ISO 4217 code, e.g. RUB', 'currency'));
  }
  const salesStart = new Date(ticketType.salesStart);
  const salesEnd = new Date(ticketType.salesEnd);
  if (!(salesEnd.getTime() > salesStart.getTime())) {
    return left(domainError('rule_violated', 'ticket_type.invalid_sales_end', 'sales_end must be after sales_start', 'sales_end'));
  }
  if (salesEnd.getTime() > new Date(details.endsAt).getTime()) {
    return left(domainError('rule_violated', 'ticket_type.invalid_sales_end', 'sales_end must not be after the gathering ends', 'sales_end'));
  }
  return right({ ...ticketType, price: normalizePrice(ticketType.price), salesStart: salesStart.toISOString(), salesEnd: salesEnd.toISOString() });
}

/** The fields of `changes` that hold a value (an absent or undefined one keeps the current detail). */
function definedOnly(changes: Partial<GatheringDetails>): Partial<GatheringDetails> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<GatheringDetails>;
}

function mayChange(state: GatheringState, actor: Actor): Either<DomainError, true> {
  if (state.status === 'none') return left(domainError('not_found', 'gathering.not_found', 'no such event'));
  if (!actor.isAdmin && actor.id !== state.organizerId) {
    return left(domainError('forbidden', 'gathering.not_organizer', 'only the organizer of this event (or an admin) may change it'));
  }
  return right(true);
}

export const gatheringDecider: EventSourcedDecider<GatheringCommand, GatheringEvent, GatheringState> = {
  events: GatheringEvent,
  initialState: { status: 'none', ticketTypes: [] },
  decide(command, state) {
    if (command.type === 'CreateGathering') {
      if (state.status !== 'none') return left(domainError('conflict', 'gathering.exists', 'this event already exists'));
      const details = checkDetails(command.details, command.now);
      if (details._tag === 'Left') return details;
      return right([
        {
          type: 'GatheringCreated',
          data: { gatheringId: command.gatheringId, organizerId: command.actor.id, createdAt: command.now.toISOString(), ...details.right },
        },
      ]);
    }
    const allowed = mayChange(state, command.actor);
    if (allowed._tag === 'Left') return allowed;
    switch (command.type) {
      case 'EditGathering':
      case 'AmendGathering': {
        if (state.status !== 'draft') return left(domainError('conflict', 'gathering.not_draft', `a ${state.status} event can no longer be edited`));
        const changes = command.type === 'EditGathering' ? command.details : definedOnly(command.changes);
        if (command.type === 'AmendGathering' && Object.keys(changes).length === 0) return right([]);
        const details = checkDetails({ ...state.details!, ...changes }, command.now);
        if (details._tag === 'Left') return details;
        return right([{ type: 'GatheringEdited', data: { editedAt: command.now.toISOString(), ...details.right } }]);
      }
      case 'PublishGathering': {
        if (state.status === 'published') return right([]);
        if (state.status !== 'draft') return left(domainError('conflict', 'gathering.not_draft', `a ${state.status} event cannot be published`));
        if (new Date(state.details!.startsAt).getTime() <= command.now.getTime()) {
          return left(domainError('rule_violated', 'gathering.already_started', 'an event that has started cannot be published', 'starts_at'));
        }
        return right([{ type: 'GatheringPublished', data: { publishedAt: command.now.toISOString() } }]);
      }
      case 'CancelGathering': {
        if (state.status === 'cancelled') return right([]);
        const reason = command.reason.trim();
        if (reason.length > 500) return invalid('reason', 'reason must be at most 500 characters');
        return right([{ type: 'GatheringCancelled', data: { reason, cancelledAt: command.now.toISOString(), cancelledBy: command.actor.id } }]);
      }
      case 'AddTicketType': {
        if (state.ticketTypes.some((existing) => existing.ticketTypeId === command.ticketType.ticketTypeId)) return right([]);
        if (state.status !== 'published') {
          return left(domainError('conflict', 'gathering.not_published', `ticket types are added to a published event; this one is ${state.status}`));
        }
        const ticketType = checkTicketType(state, command.ticketType);
        if (ticketType._tag === 'Left') return ticketType;
        return right([{ type: 'TicketTypeAdded', data: { gatheringId: state.gatheringId!, addedAt: command.now.toISOString(), ...ticketType.right } }]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'GatheringCreated': {
        const { gatheringId, organizerId, createdAt: _createdAt, ...details } = event.data;
        return { status: 'draft', gatheringId, organizerId, details, ticketTypes: [] };
      }
      case 'GatheringEdited': {
        const { editedAt: _editedAt, ...details } = event.data;
        return { ...state, details };
      }
      case 'GatheringPublished':
        return { ...state, status: 'published' };
      case 'GatheringCancelled':
        return { ...state, status: 'cancelled' };
      case 'TicketTypeAdded': {
        const { gatheringId: _gatheringId, addedAt: _addedAt, ...ticketType } = event.data;
        return { ...state, ticketTypes: [...state.ticketTypes, ticketType] };
      }
    }
  },
};
