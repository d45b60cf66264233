import { randomUUID } from 'node:crypto';
import { left, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventStore, Position } from '../../adapters/eventstore/event-store.js';
import type { Principal } from '../../adapters/http/principal.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { IsoDateTime, Uuid } from '../../adapters/http/text-codecs.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { TicketKind, type GatheringDetails } from '../../domain/ticketing/gathering-events.js';
import type { Actor } from '../../domain/actor.js';
import { gatheringDecider, streamOfGathering, type GatheringCommand, type GatheringState } from '../../domain/ticketing/gathering.js';
import { deciderOfTicket, mayKeepTheDoor, notYourDoor, streamOfTicket, ticketValidity, type TicketOfSale } from '../../domain/ticketing/ticket.js';
import type { Clock } from '../../platform/clock.js';
import { handleCommand, type CommandOutcome } from '../command-handler.js';
import { loadAggregate } from '../load-aggregate.js';
import type { GatheringsOnSale } from './gatherings-on-sale.js';
import { purchaseTickets } from './purchase-tickets.js';
import { TICKET_CODE_PATTERN } from './ticket-codes.js';
import type { TicketSeller } from './ticket-seller.js';

export interface TicketingCommandDependencies {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly seller: TicketSeller;
  /** The published gatherings purchases check, from memory; told of every gathering command run here. */
  readonly gatherings: GatheringsOnSale;
  /** Read-your-writes: resolves when the catalog read model has caught up with `position` (bounded). */
  readonly catalogReached: (position: Position) => Promise<unknown>;
  /** The same for the tickets read model (GET /api/tickets right after a purchase). */
  readonly ticketsReached: (position: Position) => Promise<unknown>;
  /** The ticket a QR code names, as its sale made it (from the tickets read model), if any. */
  readonly ticketOfCode: (code: string) => Promise<TicketOfSale | undefined>;
}

/** Text of `min` (not counting surrounding blanks) to `max` characters, said so in a 400 and in the OpenAPI document. */
const Text = (name: string, min: number, max: number) =>
  withJsonSchema(
    t.refinement(t.string, (s) => s.trim().length >= min && s.length <= max, name),
    { type: 'string', ...(min > 0 ? { minLength: min } : {}), maxLength: max },
    { expected: min > 0 ? `text of ${min} to ${max} characters` : `text of at most ${max} characters` },
  );
const GatheringFields = { title: Text('Title', 3, 200), venue: Text('Venue', 1, 300), starts_at: IsoDateTime, ends_at: IsoDateTime, capacity: t.number };
const GatheringBody = t.intersection([t.type(GatheringFields), t.partial({ description: Text('Description', 0, 5000) })]);
/** PATCH: any of the fields; those left out keep their value. */
const GatheringChanges = t.partial({ ...GatheringFields, description: Text('Description', 0, 5000) });
const TicketTypeBody = t.intersection([
  t.type({ kind: TicketKind, quantity: t.number, price: t.string, sales_start: IsoDateTime, sales_end: IsoDateTime }),
  t.partial({ currency: t.string }),
]);
const PurchaseBody = t.intersection([t.type({ ticket_type_id: Uuid }), t.partial({ quantity: t.number })]);
const DoorBody = t.union([t.undefined, t.partial({ event_id: Uuid })]);
const IdParams = t.type({ id: Uuid });
/** Any text: a code that is not one at all (wrong length or alphabet) is an unknown code, not a 400. */
const CodeParams = t.type({ code: t.string });
const isTicketCode = (code: string) => TICKET_CODE_PATTERN.test(code.toUpperCase());

export const GatheringView = t.type({
  id: t.string,
  organizer_id: t.string,
  status: t.string,
  title: t.string,
  description: t.string,
  venue: t.string,
  starts_at: t.string,
  ends_at: t.string,
  capacity: t.number,
  ticket_types: t.array(t.type({ id: t.string, kind: t.string, quantity: t.number, price: t.string, currency: t.string, sales_start: t.string, sales_end: t.string })),
});
const TicketView = t.type({ id: t.string, code: t.string, status: t.string, event_id: t.string, ticket_type_id: t.string, price: t.string, currency: t.string });
const TicketTypeAdded = t.intersection([GatheringView, t.type({ ticket_type_id: t.string })]);
const PurchaseView = t.type({ sale_id: t.string, event_id: t.string, ticket_type_id: t.string, quantity: t.number, unit_price: t.string, currency: t.string, tickets: t.array(TicketView) });
const Validity = t.intersection([t.type({ valid: t.boolean }), t.partial({ reason: t.string, ticket: t.type({ id: t.string, event_id: t.string, ticket_type_id: t.string, status: t.string }) })]);

const actorOf = (principal: Principal): Actor => ({ id: principal.id, isAdmin: principal.roles.includes('admin') });
/** Door staff (scanner) and admins work every door; an organizer only her own events' (mayKeepTheDoor). */
const doorKeeperOf = (principal: Principal) => ({ id: principal.id, staff: principal.roles.includes('scanner') || principal.roles.includes('admin') });
const changesOf = (body: t.TypeOf<typeof GatheringChanges>): Partial<GatheringDetails> => ({
  ...(body.title === undefined ? {} : { title: body.title }),
  ...(body.description === undefined ? {} : { description: body.description }),
  ...(body.venue === undefined ? {} : { venue: body.venue }),
  ...(body.starts_at === undefined ? {} : { startsAt: body.starts_at }),
  ...(body.ends_at === undefined ? {} : { endsAt: body.ends_at }),
  ...(body.capacity === undefined ? {} : { capacity: body.capacity }),
});
const detailsOf = (body: t.TypeOf<typeof GatheringBody>): GatheringDetails => ({
  title: body.title,
  description: body.description ?? '',
  venue: body.venue,
  startsAt: body.starts_at,
  endsAt: body.ends_at,
  capacity: body.capacity,
});

export function gatheringView(gatheringId: string, state: GatheringState) {
  const d = state.details!;
  return {
    id: gatheringId,
    organizer_id: state.organizerId!,
    status: state.status,
    title: d.title,
    description: d.description,
    venue: d.venue,
    starts_at: d.startsAt,
    ends_at: d.endsAt,
    capacity: d.capacity,
    ticket_types: state.ticketTypes.map((tt) => ({
      id: tt.ticketTypeId,
      kind: tt.kind,
      quantity: tt.quantity,
      price: tt.price,
      currency: tt.currency,
      sales_start: tt.salesStart,
      sales_end: tt.salesEnd,
    })),
  };
}

const errors = {
  400: { description: 'A field is missing or malformed (problem+json names it)' },
  403: { description: 'Not the organizer of this event (nor an admin)' },
  404: { description: 'No such event' },
  409: { description: 'Not allowed in the event’s current status' },
  422: { description: 'A business rule refused it (the field is named)' },
};

/** Command routes of ticketing "Сбор" (T-1 … T-6): organizers manage events, users buy, scanners check in. */
export function ticketingCommandRoutes(deps: TicketingCommandDependencies): Route[] {
  const onGathering = async (
    gatheringId: string,
    command: GatheringCommand,
    principal: Principal,
    correlationId: string,
    status: number,
  ): Promise<Either<DomainError, { status: number; body: unknown; headers?: Record<string, string> }>> => {
    deps.gatherings.forget(gatheringId);
    const outcome: Either<DomainError, CommandOutcome<unknown, GatheringState>> = await handleCommand(deps.store, gatheringDecider, streamOfGathering(gatheringId), command, {
      correlationId,
      actor: `user:${principal.id}`,
      now: deps.clock.now(),
    });
    deps.gatherings.forget(gatheringId);
    if (outcome._tag === 'Left') return outcome;
    if (outcome.right.position) await deps.catalogReached(outcome.right.position);
    return { _tag: 'Right', right: { status, body: gatheringView(gatheringId, outcome.right.state), headers: { Location: `/api/events/${gatheringId}` } } };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/events',
      summary: 'Create an event as a draft (T-1)',
      description: 'Organizers (and admins). starts_at must be in the future, ends_at after it, capacity ≥ 1.',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      body: GatheringBody,
      responses: { 201: { description: 'The draft event', schema: GatheringView }, ...errors },
      handle: async ({ body, principal, correlationId }) => {
        const gatheringId = randomUUID();
        return onGathering(gatheringId, { type: 'CreateGathering', gatheringId, actor: actorOf(principal), details: detailsOf(body), now: deps.clock.now() }, principal, correlationId, 201);
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/events/:id',
      summary: 'Edit a draft event (T-1)',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      params: IdParams,
      body: GatheringBody,
      responses: { 200: { description: 'The edited draft', schema: GatheringView }, ...errors },
      handle: async ({ params, body, principal, correlationId }) =>
        onGathering(params.id, { type: 'EditGathering', actor: actorOf(principal), details: detailsOf(body), now: deps.clock.now() }, principal, correlationId, 200),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/events/:id',
      summary: 'Change some details of a draft event; the fields left out keep their value (T-1)',
      description: 'The same rules as PUT: the organizer or an admin, drafts only, starts_at in the future and ends_at after it (checked on the result). An empty object changes nothing.',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      params: IdParams,
      body: GatheringChanges,
      responses: { 200: { description: 'The draft with the changes', schema: GatheringView }, ...errors },
      handle: async ({ params, body, principal, correlationId }) =>
        onGathering(params.id, { type: 'AmendGathering', actor: actorOf(principal), changes: changesOf(body), now: deps.clock.now() }, principal, correlationId, 200),
    }),
    defineRoute({
      method: 'post',
      path: '/api/events/:id/publish',
      summary: 'Publish a draft event (T-1)',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      params: IdParams,
      responses: { 200: { description: 'The published event', schema: GatheringView }, ...errors },
      handle: async ({ params, principal, correlationId }) =>
        onGathering(params.id, { type: 'PublishGathering', actor: actorOf(principal), now: deps.clock.now() }, principal, correlationId, 200),
    }),
    defineRoute({
      method: 'post',
      path: '/api/events/:id/cancel',
      summary: 'Cancel an event: its tickets stop validating and every holder is notified (T-7)',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      params: IdParams,
      body: t.union([t.undefined, t.partial({ reason: t.string })]),
      responses: { 200: { description: 'The cancelled event', schema: GatheringView }, ...errors },
      handle: async ({ params, body, principal, correlationId }) =>
        onGathering(params.id, { type: 'CancelGathering', actor: actorOf(principal), reason: body?.reason ?? '', now: deps.clock.now() }, principal, correlationId, 200),
    }),
    defineRoute({
      method: 'post',
      path: '/api/events/:id/ticket-types',
      summary: 'Add a ticket type to a published event (T-2)',
      description: 'kind standard | vip | early_bird; price a decimal string in major units ("1500.00"); currency defaults to RUB. Quantities of all types together stay within the capacity.',
      tags: ['ticketing'],
      auth: { roles: ['organizer'] },
      params: IdParams,
      body: TicketTypeBody,
      responses: { 201: { description: 'The event with the new ticket type; ticket_type_id is the one added', schema: TicketTypeAdded }, ...errors },
      handle: async ({ params, body, principal, correlationId }) => {
        const ticketTypeId = randomUUID();
        const result = await onGathering(
          params.id,
          {
            type: 'AddTicketType',
            actor: actorOf(principal),
            ticketType: { ticketTypeId, kind: body.kind, quantity: body.quantity, price: body.price, currency: body.currency ?? 'RUB', salesStart: body.sales_start, salesEnd: body.sales_end },
            now: deps.clock.now(),
          },
          principal,
          correlationId,
          201,
        );
        if (result._tag === 'Left') return result;
        return { status: 201, body: { ...(result.right.body as object), ticket_type_id: ticketTypeId }, headers: { Location: `/api/events/${params.id}` } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/events/:id/tickets',
      summary: 'Buy tickets of one type (T-3): never oversold; the price is the ticket type’s',
      description:
        'quantity 1–10 (default 1). 409 tickets.sold_out when not enough seats are left; 422 outside the sales window; 429 tickets.busy if the seat inventory stayed contended (retry). Send an Idempotency-Key to make a retry safe.',
      tags: ['ticketing'],
      auth: {},
      params: IdParams,
      body: PurchaseBody,
      responses: {
        201: { description: 'The tickets, active, with their QR codes', schema: PurchaseView },
        ...errors,
        409: { description: 'Sold out, or the event was cancelled' },
        429: { description: 'The ticket type is contended: retry' },
      },
      handle: async ({ params, body, principal, correlationId, idempotencyKey }) => {
        if (principal.kind !== 'user') return left(domainError('forbidden', 'tickets.users_only', 'tickets are bought by users'));
        const purchase = await purchaseTickets(deps.gatherings, deps.seller, {
          gatheringId: params.id,
          ticketTypeId: body.ticket_type_id,
          quantity: body.quantity ?? 1,
          buyerId: principal.id,
          now: deps.clock.now(),
          correlationId,
          ...(idempotencyKey ? { idempotencyKey } : {}),
        });
        if (purchase._tag === 'Left') return purchase;
        const { sale, position } = purchase.right;
        if (position) await deps.ticketsReached(position);
        return {
          status: 201,
          body: {
            sale_id: sale.saleId,
            event_id: sale.gatheringId,
            ticket_type_id: sale.ticketTypeId,
            quantity: sale.tickets.length,
            unit_price: sale.unitPrice,
            currency: sale.currency,
            tickets: sale.tickets.map((ticket) => ({
              id: ticket.ticketId,
              code: ticket.code,
              status: 'active',
              event_id: sale.gatheringId,
              ticket_type_id: sale.ticketTypeId,
              price: sale.unitPrice,
              currency: sale.currency,
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tickets/:code/validate',
      summary: 'Would this ticket open the door? (T-5) valid, or invalid with a reason',
      description:
        'Reasons: unknown_code (also for text that is no ticket code at all), already_used, event_cancelled, wrong_event (when event_id names the door’s event). Changes nothing. Door staff (scanner) for every event; an organizer for her own events (403 ticket.not_your_event for another’s). The answer agrees with GET /api/tickets.',
      tags: ['ticketing'],
      auth: { roles: ['scanner', 'organizer'] },
      idempotency: 'off',
      params: CodeParams,
      body: DoorBody,
      responses: { 200: { description: 'The verdict', schema: Validity }, 400: errors[400], 403: { description: 'An organizer asking about a ticket of another’s event' } },
      handle: async ({ params, body, principal }) => {
        const unknown = { status: 200, body: { valid: false, reason: 'unknown_code' } };
        if (!isTicketCode(params.code)) return unknown;
        const born = await deps.ticketOfCode(params.code);
        if (!born) return unknown;
        const ticketId = born.ticketId;
        const { state, recorded } = await loadAggregate(deps.store, deciderOfTicket(born), streamOfTicket(ticketId));
        if (state.status === 'none') return unknown;
        const gathering = await loadAggregate(deps.store, gatheringDecider, streamOfGathering(state.ticket!.gatheringId));
        if (!mayKeepTheDoor(doorKeeperOf(principal), gathering.state.organizerId)) return left(notYourDoor());
        const verdict = ticketValidity(state, { gatheringCancelled: gathering.state.status === 'cancelled', ...(body?.event_id ? { gatheringId: body.event_id } : {}) });
        const ticket = { id: ticketId, event_id: state.ticket!.gatheringId, ticket_type_id: state.ticket!.ticketTypeId, status: state.status };
        // A check-in another door just made is in the tickets read model too before the verdict says so.
        const last = recorded[recorded.length - 1];
        if (last) await deps.ticketsReached(last.position);
        return { status: 200, body: verdict.valid ? { valid: true, ticket } : { valid: false, reason: verdict.reason, ticket } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tickets/:code/checkin',
      summary: 'Let the holder in: active → used, exactly once (T-6)',
      description:
        'Two doors scanning the same code at the same instant: one 200, one 409 ticket.already_used. Door staff (scanner) for every event; an organizer for her own events (403 ticket.not_your_event for another’s). Answers once GET /api/tickets shows the ticket used.',
      tags: ['ticketing'],
      auth: { roles: ['scanner', 'organizer'] },
      params: CodeParams,
      body: DoorBody,
      responses: {
        200: { description: 'Checked in', schema: t.type({ ticket_id: t.string, event_id: t.string, status: t.string, checked_in_at: t.string }) },
        400: errors[400],
        403: { description: 'An organizer at the door of another’s event' },
        404: { description: 'Unknown code (also text that is no ticket code at all)' },
        409: { description: 'Already used, or the event was cancelled' },
        422: { description: 'The ticket is for another event' },
      },
      handle: async ({ params, body, principal, correlationId }) => {
        const born = isTicketCode(params.code) ? await deps.ticketOfCode(params.code) : undefined;
        if (!born) return left(domainError('not_found', 'ticket.unknown_code', 'no ticket has this code', 'code'));
        const ticketId = born.ticketId;
        const gatheringId = born.gatheringId;
        const gathering = await loadAggregate(deps.store, gatheringDecider, streamOfGathering(gatheringId));
        const now = deps.clock.now();
        const outcome = await handleCommand(
          deps.store,
          deciderOfTicket(born),
          streamOfTicket(ticketId),
          {
            type: 'CheckIn',
            scannerId: principal.id,
            staff: doorKeeperOf(principal).staff,
            ...(gathering.state.organizerId ? { organizerId: gathering.state.organizerId } : {}),
            gatheringCancelled: gathering.state.status === 'cancelled',
            now,
            ...(body?.event_id ? { gatheringId: body.event_id } : {}),
          },
          { correlationId, actor: `user:${principal.id}`, now },
        );
        if (outcome._tag === 'Left') return outcome;
        if (outcome.right.position) await deps.ticketsReached(outcome.right.position);
        return { status: 200, body: { ticket_id: ticketId, event_id: gatheringId, status: 'used', checked_in_at: outcome.right.state.checkedInAt! } };
      },
    }),
  ];
}
