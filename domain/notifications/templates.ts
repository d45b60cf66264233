import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import { domainError, type DomainError } from '../decider.js';

/**
 * The notifications a context may ask for, by template: each names the parameters it needs
 * (all strings) and renders title and body from them. The notifications context renders; the
 * asking context only says which template, for whom, with what.
 *
 * A template about a gathering takes its id as `gatheringId`: the recorded notification keeps
 * it (`rm_notifications.gathering_id`, `event_id` in the API); others record null there.
 */
interface Template<P extends string> {
  readonly parameters: readonly P[];
  /** The parameter at fault and why, when one is malformed. */
  check?(parameters: Readonly<Record<P, string>>): { readonly parameter: P; readonly problem: string } | undefined;
  render(parameters: Readonly<Record<P, string>>): { readonly title: string; readonly body: string };
}
const template = <P extends string>(parameters: readonly P[], render: Template<P>['render'], check?: Template<P>['check']): Template<P> =>
  check ? { parameters, render, check } : { parameters, render };

/** `2030-03-05T10:00:00.000Z` → `2030-03-05 10:00` (UTC). */
const minuteOf = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16);

export const notificationTemplates = {
  'ticket.purchased': template(['gatheringId', 'eventTitle', 'count', 'unitPrice', 'currency'], (p) => {
    const count = Number(p.count);
    return {
      title: `Your ${count === 1 ? 'ticket' : `${count} tickets`} for ${p.eventTitle || 'the event'}`,
      body: `Purchase confirmed: ${count} × ${p.unitPrice} ${p.currency}. Show the QR code at the door.`,
    };
  }, (p) => (/^[1-9][0-9]*$/.test(p.count) ? undefined : { parameter: 'count', problem: 'is not a positive integer' })),
  'event.cancelled': template(['gatheringId', 'eventTitle', 'reason'], (p) => ({
    title: `Cancelled: ${p.eventTitle}`,
    body: p.reason ? `The event was cancelled (${p.reason}). Your tickets are no longer valid.` : 'The event was cancelled. Your tickets are no longer valid.',
  })),
  'event.reminder': template(['gatheringId', 'eventTitle', 'startsAt'], (p) => ({
    title: `Reminder: ${p.eventTitle}`,
    body: `${p.eventTitle} starts at ${minuteOf(p.startsAt)} UTC. Have your QR code ready at the door.`,
  }), (p) => (Number.isNaN(new Date(p.startsAt).getTime()) ? { parameter: 'startsAt', problem: 'is not a date' } : undefined)),
  /** To the gift-certificate operators: ISSUE_BLOCKED, a pool ran out (G-2). */
  'gcp.pool_exhausted': template(['nominal', 'currency', 'channel'], (p) => ({
    title: `Gift certificates of ${p.nominal} ${p.currency} ran out`,
    body: `Channel ${p.channel} asked for a ${p.nominal} ${p.currency} certificate and none is left in the pool: issuing is blocked until a batch is loaded.`,
  })),
  /** To a game buyer: the order is paid and its games are in the library (P-5). */
  'game-store.order_confirmed': template(['orderId', 'games', 'total', 'currency'], (p) => ({
    title: 'Your games are in your library',
    body: `Order ${p.orderId} is paid (${p.total} ${p.currency}): ${p.games}. Find them in your library.`,
  })),
  /** To a game buyer: the fiscal receipt (54-FZ) of a sale or a refund is registered, with the attributes to check it at the tax service. */
  'game-store.receipt_registered': template(
    ['orderId', 'operation', 'total', 'currency', 'fiscalDocumentNumber', 'fiscalSign', 'fiscalDriveNumber', 'registeredAt', 'receiptUrl'],
    (p) => ({
      title: p.operation === 'sell_refund' ? `Refund receipt for order ${p.orderId}` : `Receipt for order ${p.orderId}`,
      body:
        `${p.operation === 'sell_refund' ? 'Refund' : 'Sale'} of ${p.total} ${p.currency}, registered ${minuteOf(p.registeredAt)} UTC: ` +
        `ФД ${p.fiscalDocumentNumber}, ФП ${p.fiscalSign}, ФН ${p.fiscalDriveNumber}.${p.receiptUrl ? ` ${p.receiptUrl}` : ''}`,
    }),
    (p) => (Number.isNaN(new Date(p.registeredAt).getTime()) ? { parameter: 'registeredAt', problem: 'is not a date' } : undefined),
  ),
  /** To a game buyer: a refund is paid back and its games left the library. */
  'game-store.refund_completed': template(['orderId', 'games', 'total', 'currency'], (p) => ({
    title: `Refund for order ${p.orderId}`,
    body: `${p.total} ${p.currency} is on its way back to you for: ${p.games}. These games are no longer in your library.`,
  })),
} as const;

type Templates = typeof notificationTemplates;
export type NotificationTemplate = keyof Templates;
export const NotificationTemplate = t.keyof(
  Object.fromEntries(Object.keys(notificationTemplates).map((name) => [name, null])) as Record<NotificationTemplate, null>,
  'NotificationTemplate',
);
/** The parameters template `T` needs, by name. */
export type TemplateParameters<T extends NotificationTemplate> = Readonly<Record<Templates[T]['parameters'][number], string>>;

export interface RenderedNotification {
  readonly kind: NotificationTemplate;
  readonly gatheringId: string | null;
  readonly title: string;
  readonly body: string;
}

/** Title and body of a notification; refused when a parameter the template needs is missing or malformed. */
export function renderNotification(name: NotificationTemplate, parameters: Readonly<Record<string, string>>): Either<DomainError, RenderedNotification> {
  const chosen: Template<string> = notificationTemplates[name];
  const missing = chosen.parameters.filter((parameter) => typeof parameters[parameter] !== 'string');
  if (missing.length) return left(domainError('rule_violated', 'notification.parameters_missing', `template ${name} needs ${missing.join(', ')}`, 'parameters'));
  const malformed = chosen.check?.(parameters);
  if (malformed) return left(domainError('rule_violated', 'notification.parameter_malformed', `${malformed.parameter} ${malformed.problem}`, `parameters.${malformed.parameter}`));
  return right({ kind: name, gatheringId: parameters.gatheringId ?? null, ...chosen.render(parameters) });
}
