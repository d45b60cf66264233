import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';

/**
 * A user's badge of one type — the NFT service's NFTInstance (seeds 000 §3–4, 001 §7), one
 * stream `Badge-<userId>-<badgeType>`: the awards that made it (each once, by award id — the
 * reward action's id), the level it stands at (the highest awarded: an award at a level at or
 * below it is recorded and changes nothing), and, for a badge type that goes on chain, its
 * on-chain representation: each request to the gateway (a mint for the first on-chain level,
 * an upgrade — revoke the old SBT, mint the new — for a level-up of a badge confirmed on
 * chain), its confirmation with the item index (`onchain_token_id`) or its failure, and the
 * wait for a verified wallet when the user has none.
 *
 * One on-chain request is in flight at a time; a level reached meanwhile is requested once that
 * one has ended. A request is recorded (with its address and, for an upgrade, the token it
 * retires) before the gateway is asked, so asking again after a crash asks the same thing.
 *
 * Pure: time, the request id and the gateway's task stream come in the command. No personal
 * data: the user is their id, the wallet is a public address.
 */
export const BADGE_TYPE = /^[a-z0-9_]{1,64}$/;
export const MAX_BADGE_LEVEL = 1000;
export const MAX_ID_LENGTH = 200;

const OnchainKind = t.union([t.literal('mint'), t.literal('upgrade')]);
const instance = { instanceId: t.string, userId: t.string, badgeType: t.string };

export const BadgeEvent = t.union([
  /** An award; `onchain`: the badge type was configured as on-chain when it was awarded. */
  eventCodec('BadgeAwarded', t.type({ ...instance, awardId: t.string, level: t.number, onchain: t.boolean, awardedAt: t.string })),
  /** The badge should go on chain at `level`, but the user has no verified wallet: asked again once they verify one. */
  eventCodec('BadgeAwaitingWallet', t.type({ ...instance, level: t.number, at: t.string })),
  eventCodec(
    'BadgeOnchainRequested',
    t.type({ ...instance, requestId: t.string, kind: OnchainKind, level: t.number, toAddress: t.string, oldTokenId: t.union([t.string, t.null]), taskStream: t.string, requestedAt: t.string }),
  ),
  eventCodec(
    'BadgeOnchainConfirmed',
    t.type({ ...instance, requestId: t.string, level: t.number, onchainTokenId: t.string, retiredTokenId: t.union([t.string, t.null]), itemAddress: t.union([t.string, t.null]), confirmedAt: t.string }),
  ),
  /** The gateway refused the request (`error` is its code) or the task failed (permanently, or after its retries). */
  eventCodec('BadgeOnchainFailed', t.type({ ...instance, requestId: t.string, level: t.number, error: t.string, failedAt: t.string })),
]);
export type BadgeEvent = t.TypeOf<typeof BadgeEvent>;
export type BadgeAwardedEvent = Extract<BadgeEvent, { type: 'BadgeAwarded' }>;

export type OnchainStatus = 'none' | 'awaiting_wallet' | 'pending' | 'confirmed' | 'failed';
export type OnchainKind = t.TypeOf<typeof OnchainKind>;

export interface OnchainRequest {
  readonly requestId: string;
  readonly kind: OnchainKind;
  readonly level: number;
  readonly toAddress: string;
  readonly oldTokenId: string | null;
  readonly taskStream: string;
  readonly status: 'pending' | 'confirmed' | 'failed';
}

export interface BadgeState {
  readonly instanceId: string | null;
  readonly userId: string | null;
  readonly badgeType: string | null;
  /** 0 until the first award. */
  readonly level: number;
  /** Award id → the level it awarded. */
  readonly awards: ReadonlyMap<string, number>;
  readonly firstAwardedAt: string | null;
  /** As the latest award says: whether this badge type goes on chain. */
  readonly onchain: boolean;
  /** The last on-chain outcome (`none` before any): awaiting_wallet, pending (a request in flight), confirmed, failed. */
  readonly lastOnchain: OnchainStatus;
  /** The level `lastOnchain` is about. */
  readonly onchainLevel: number | null;
  /** The item index of the badge confirmed on chain now (an upgrade that failed leaves the old one). */
  readonly onchainTokenId: string | null;
  readonly confirmedLevel: number | null;
  readonly requests: ReadonlyMap<string, OnchainRequest>;
  /** The request in flight, if any. */
  readonly inFlight: string | null;
}

export type BadgeCommand =
  | { readonly type: 'AwardBadge'; readonly instanceId: string; readonly awardId: string; readonly userId: string; readonly badgeType: string; readonly level: number; readonly onchain: boolean; readonly now: Date }
  | { readonly type: 'AwaitWallet'; readonly level: number; readonly now: Date }
  | { readonly type: 'RequestOnchain'; readonly level: number; readonly requestId: string; readonly toAddress: string; readonly taskStream: string; readonly now: Date }
  | {
      readonly type: 'RecordOnchainOutcome';
      readonly requestId: string;
      readonly outcome: { readonly status: 'confirmed'; readonly onchainTokenId: string; readonly itemAddress: string | null } | { readonly status: 'failed'; readonly error: string };
      readonly now: Date;
    };

export const streamOfBadge = (userId: string, badgeType: string): string => `Badge-${userId}-${badgeType}`;

/**
 * The status shown for a badge: `none` off-chain; while the badge type goes on chain and its
 * chain representation is behind its level (not asked yet, an upgrade to come, a new mint after
 * a failed level), `pending`; otherwise the last on-chain outcome.
 */
export function onchainStatusOf(s: { readonly onchain: boolean; readonly level: number; readonly lastOnchain: OnchainStatus; readonly onchainLevel: number | null }): OnchainStatus {
  if (!s.onchain || s.level === 0) return s.lastOnchain;
  if (s.lastOnchain === 'none') return 'pending';
  if ((s.lastOnchain === 'confirmed' || s.lastOnchain === 'failed') && (s.onchainLevel ?? 0) < s.level) return 'pending';
  return s.lastOnchain;
}

/**
 * Whether the badge wants an on-chain request for its level now: it goes on chain, no request is
 * in flight, its level is not confirmed on chain, and its level has not failed for good.
 */
export function wantsOnchain(s: Pick<BadgeState, 'onchain' | 'level' | 'inFlight' | 'confirmedLevel' | 'lastOnchain' | 'onchainLevel'>): boolean {
  if (!s.onchain || s.level === 0 || s.inFlight !== null) return false;
  if (s.confirmedLevel !== null && s.confirmedLevel >= s.level) return false;
  if (s.lastOnchain === 'failed' && (s.onchainLevel ?? 0) >= s.level) return false;
  return true;
}

const refused = (kind: DomainError['kind'], code: string, message: string, field?: string): Either<DomainError, never> => left(domainError(kind, code, message, field));

function checkAward(command: Extract<BadgeCommand, { type: 'AwardBadge' }>): Either<DomainError, void> {
  const id = (value: string, field: string, what: string) =>
    value.length === 0 || value.length > MAX_ID_LENGTH ? refused('rule_violated', `badge.invalid_${field}`, `${what} must be 1 to ${MAX_ID_LENGTH} characters`, field) : undefined;
  return (
    id(command.awardId, 'award_id', 'an award id') ??
    id(command.userId, 'user_id', 'a user id') ??
    (BADGE_TYPE.test(command.badgeType) ? undefined : refused('rule_violated', 'badge.invalid_badge_type', 'a badge type is 1 to 64 of a-z, 0-9 and _', 'badge_type')) ??
    (Number.isInteger(command.level) && command.level >= 1 && command.level <= MAX_BADGE_LEVEL
      ? right(undefined)
      : refused('rule_violated', 'badge.invalid_level', `a level is a whole number from 1 to ${MAX_BADGE_LEVEL}`, 'level'))
  );
}

export const initialBadgeState: BadgeState = {
  instanceId: null,
  userId: null,
  badgeType: null,
  level: 0,
  awards: new Map(),
  firstAwardedAt: null,
  onchain: false,
  lastOnchain: 'none',
  onchainLevel: null,
  onchainTokenId: null,
  confirmedLevel: null,
  requests: new Map(),
  inFlight: null,
};

export const badgeDecider: EventSourcedDecider<BadgeCommand, BadgeEvent, BadgeState> = {
  events: BadgeEvent,
  initialState: initialBadgeState,
  decide(command, state) {
    if (command.type === 'AwardBadge') {
      const valid = checkAward(command);
      if (valid._tag === 'Left') return valid;
      if (state.instanceId !== null && (state.userId !== command.userId || state.badgeType !== command.badgeType || state.instanceId !== command.instanceId)) {
        return refused('conflict', 'badge.other_instance', `this badge is ${state.badgeType} of ${state.userId}`, 'badge_type');
      }
      const earlier = state.awards.get(command.awardId);
      if (earlier !== undefined) {
        return earlier === command.level ? right([]) : refused('conflict', 'badge.award_reused', `award ${command.awardId} was recorded at level ${earlier}`, 'award_id');
      }
      const { instanceId, userId, badgeType, awardId, level, onchain } = command;
      return right([{ type: 'BadgeAwarded', data: { instanceId, userId, badgeType, awardId, level, onchain, awardedAt: command.now.toISOString() } }]);
    }
    if (state.instanceId === null || state.userId === null || state.badgeType === null) return refused('not_found', 'badge.not_awarded', 'this badge was never awarded');
    const at = { instanceId: state.instanceId, userId: state.userId, badgeType: state.badgeType };
    switch (command.type) {
      case 'AwaitWallet': {
        // someone asked already, or the level is on chain, or the wait is recorded: nothing new
        if (state.inFlight !== null || (state.confirmedLevel ?? 0) >= command.level || !state.onchain) return right([]);
        if ([...state.requests.values()].some((r) => r.level === command.level)) return right([]);
        if (state.lastOnchain === 'awaiting_wallet' && (state.onchainLevel ?? 0) >= command.level) return right([]);
        return right([{ type: 'BadgeAwaitingWallet', data: { ...at, level: command.level, at: command.now.toISOString() } }]);
      }
      case 'RequestOnchain': {
        if (state.requests.has(command.requestId)) return right([]); // asked before: the caller asks the gateway again with what was recorded
        if (command.level < 1 || command.level > state.level) return refused('rule_violated', 'badge.level_not_awarded', `level ${command.level} was not awarded (the badge is at ${state.level})`, 'level');
        if (state.inFlight !== null) return refused('conflict', 'badge.onchain_in_flight', `request ${state.inFlight} is still in flight`);
        if ((state.confirmedLevel ?? 0) >= command.level) return refused('conflict', 'badge.onchain_already', `level ${state.confirmedLevel} is on chain already`, 'level');
        if (command.toAddress.length === 0) return refused('rule_violated', 'badge.no_address', 'an on-chain badge goes to a wallet address', 'toAddress');
        const upgrade = state.onchainTokenId !== null;
        return right([
          {
            type: 'BadgeOnchainRequested',
            data: {
              ...at,
              requestId: command.requestId,
              kind: upgrade ? 'upgrade' : 'mint',
              level: command.level,
              toAddress: command.toAddress,
              oldTokenId: state.onchainTokenId,
              taskStream: command.taskStream,
              requestedAt: command.now.toISOString(),
            },
          },
        ]);
      }
      case 'RecordOnchainOutcome': {
        const request = state.requests.get(command.requestId);
        if (!request) return refused('not_found', 'badge.unknown_request', `no on-chain request ${command.requestId} for this badge`, 'requestId');
        if (request.status !== 'pending') return right([]); // recorded before
        const o = command.outcome;
        if (o.status === 'confirmed') {
          return right([
            {
              type: 'BadgeOnchainConfirmed',
              data: { ...at, requestId: request.requestId, level: request.level, onchainTokenId: o.onchainTokenId, retiredTokenId: request.oldTokenId, itemAddress: o.itemAddress, confirmedAt: command.now.toISOString() },
            },
          ]);
        }
        return right([{ type: 'BadgeOnchainFailed', data: { ...at, requestId: request.requestId, level: request.level, error: o.error.slice(0, 500), failedAt: command.now.toISOString() } }]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'BadgeAwarded': {
        const d = event.data;
        return {
          ...state,
          instanceId: d.instanceId,
          userId: d.userId,
          badgeType: d.badgeType,
          level: Math.max(state.level, d.level),
          awards: new Map(state.awards).set(d.awardId, d.level),
          firstAwardedAt: state.firstAwardedAt ?? d.awardedAt,
          onchain: d.onchain,
        };
      }
      case 'BadgeAwaitingWallet':
        return { ...state, lastOnchain: 'awaiting_wallet', onchainLevel: event.data.level };
      case 'BadgeOnchainRequested': {
        const d = event.data;
        const request: OnchainRequest = { requestId: d.requestId, kind: d.kind, level: d.level, toAddress: d.toAddress, oldTokenId: d.oldTokenId, taskStream: d.taskStream, status: 'pending' };
        return { ...state, requests: new Map(state.requests).set(d.requestId, request), inFlight: d.requestId, lastOnchain: 'pending', onchainLevel: d.level };
      }
      case 'BadgeOnchainConfirmed': {
        const d = event.data;
        const request = state.requests.get(d.requestId);
        return {
          ...state,
          requests: request ? new Map(state.requests).set(d.requestId, { ...request, status: 'confirmed' }) : state.requests,
          inFlight: state.inFlight === d.requestId ? null : state.inFlight,
          lastOnchain: 'confirmed',
          onchainLevel: d.level,
          onchainTokenId: d.onchainTokenId,
          confirmedLevel: d.level,
        };
      }
      case 'BadgeOnchainFailed': {
        const d = event.data;
        const request = state.requests.get(d.requestId);
        return {
          ...state,
          requests: request ? new Map(state.requests).set(d.requestId, { ...request, status: 'failed' }) : state.requests,
          inFlight: state.inFlight === d.requestId ? null : state.inFlight,
          lastOnchain: 'failed',
          onchainLevel: d.level,
        };
      }
    }
  },
};
