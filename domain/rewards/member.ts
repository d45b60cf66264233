import { left, right, type Either } from 'fp-ts/Either';
import * as t from 'io-ts';
import type { EventSourcedDecider } from '../decider.js';
import { domainError, type DomainError } from '../decider.js';
import { eventCodec } from '../event-codec.js';
import type { LockCondition, Tier } from './reward-facts.js';

/**
 * A Connect member's locks (SPEC R-4, issue 14 item 5), one stream `ConnectMember-<userId>`: the
 * tier their upgrades raised them to, and the locked rewards that wait for them to satisfy a
 * condition (`locked_until_condition`, today only `vip_or_pro`).
 *
 * One stream per member, so a locked reward held and an upgrade arriving at the same moment are
 * decided one after the other (optimistic concurrency on the stream), never side by side:
 * - holding a reward is idempotent by its action id; a member who already satisfies the
 *   condition has it released in the same decision (`already_qualified`);
 * - raising the tier is idempotent by the upgrade's event id; a raise that satisfies a held
 *   reward's condition releases every held, unreleased one (`upgrade`);
 * - each action id is released exactly once, ever — the reward-actions saga unlocks each action
 *   of a `MemberLockedRewardsReleased`.
 *
 * The tier only rises (basic < vip < pro): a VIP upgrade reported after PRO changes nothing. Pure:
 * the time comes in the command. No personal data: the member is their id.
 */
const TierRaised = t.keyof({ vip: null, pro: null });
const Condition = t.literal('vip_or_pro');

export const MemberEvent = t.union([
  eventCodec('MemberTierRaised', t.type({ userId: t.string, tier: TierRaised, eventId: t.string, raisedAt: t.string })),
  eventCodec('MemberLockedRewardHeld', t.type({ userId: t.string, actionId: t.string, condition: Condition, eventId: t.string, heldAt: t.string })),
  eventCodec(
    'MemberLockedRewardsReleased',
    t.type({
      userId: t.string,
      /** The actions unlocked by this decision, in the order they were held. */
      actionIds: t.array(t.string),
      /** The member's tier when released. */
      tier: t.keyof({ basic: null, vip: null, pro: null }),
      /** `upgrade`: a tier raise released them; `already_qualified`: held when the member already satisfied the condition. */
      cause: t.keyof({ upgrade: null, already_qualified: null }),
      releasedAt: t.string,
    }),
  ),
]);
export type MemberEvent = t.TypeOf<typeof MemberEvent>;
export type MemberLockedRewardsReleased = Extract<MemberEvent, { type: 'MemberLockedRewardsReleased' }>;

export type MemberCommand =
  | {
      readonly type: 'HoldLockedReward';
      readonly userId: string;
      readonly actionId: string;
      readonly condition: LockCondition;
      /** The EconomicEvent whose evaluation created the locked action. */
      readonly eventId: string;
      readonly now: Date;
    }
  | {
      readonly type: 'RaiseTier';
      readonly userId: string;
      readonly tier: Exclude<Tier, 'basic'>;
      /** The upgrade's EconomicEvent (`referral.user_upgraded_to_vip`, `user.upgraded_to_pro`). */
      readonly eventId: string;
      readonly now: Date;
    };

export interface HeldReward {
  readonly actionId: string;
  readonly condition: LockCondition;
  readonly eventId: string;
  /** Null while it waits. */
  readonly releasedBy: 'upgrade' | 'already_qualified' | null;
}

export interface MemberState {
  readonly tier: Tier;
  /** The upgrade events that raised the tier. */
  readonly raisedBy: ReadonlySet<string>;
  /** Every reward ever held for this member, by action id, in the order held. */
  readonly held: ReadonlyMap<string, HeldReward>;
}

/** The upgrade report types and the tier each raises a member to. */
export const UPGRADE_EVENT_TYPES: Readonly<Record<string, Exclude<Tier, 'basic'>>> = {
  'referral.user_upgraded_to_vip': 'vip',
  'user.upgraded_to_pro': 'pro',
};
export const tierOfUpgrade = (eventType: string): Exclude<Tier, 'basic'> | undefined =>
  Object.prototype.hasOwnProperty.call(UPGRADE_EVENT_TYPES, eventType) ? UPGRADE_EVENT_TYPES[eventType] : undefined;

/** The report types that link a new member (the actor) to the member whose link they used (the primary subject: their direct sponsor). */
export const REFERRAL_JOIN_EVENT_TYPES: readonly string[] = ['referral.joined', 'referral.subjoined'];

const RANK: Readonly<Record<Tier, number>> = { basic: 0, vip: 1, pro: 2 };
export const tierRank = (tier: Tier): number => RANK[tier];
/** The higher of two tiers. */
export const higherTier = (a: Tier, b: Tier): Tier => (RANK[a] >= RANK[b] ? a : b);

/** Whether a member of `tier` satisfies a lock condition. */
export function satisfies(tier: Tier, condition: LockCondition): boolean {
  switch (condition) {
    case 'vip_or_pro':
      return tier === 'vip' || tier === 'pro';
  }
}

/** The rewards still waiting for this member, in the order held. */
export const waitingRewards = (state: MemberState): readonly HeldReward[] => [...state.held.values()].filter((h) => h.releasedBy === null);

export const streamOfMember = (userId: string): string => `ConnectMember-${userId}`;
export const memberOfStream = (stream: string): string | undefined => (stream.startsWith('ConnectMember-') ? stream.slice('ConnectMember-'.length) : undefined);

const invalid = (code: string, message: string, field: string): Either<DomainError, never> => left(domainError('rule_violated', code, message, field));

export const memberDecider: EventSourcedDecider<MemberCommand, MemberEvent, MemberState> = {
  events: MemberEvent,
  initialState: { tier: 'basic', raisedBy: new Set(), held: new Map() },
  decide(command, state) {
    if (command.userId.length === 0) return invalid('connect.member_required', 'a member id is required', 'userId');
    if (command.eventId.length === 0) return invalid('connect.event_required', 'the economic event is required', 'eventId');
    const at = command.now.toISOString();
    switch (command.type) {
      case 'HoldLockedReward': {
        if (command.actionId.length === 0) return invalid('connect.action_required', 'a reward action id is required', 'actionId');
        if (state.held.has(command.actionId)) return right([]);
        const held: MemberEvent = {
          type: 'MemberLockedRewardHeld',
          data: { userId: command.userId, actionId: command.actionId, condition: command.condition, eventId: command.eventId, heldAt: at },
        };
        if (!satisfies(state.tier, command.condition)) return right([held]);
        return right([
          held,
          { type: 'MemberLockedRewardsReleased', data: { userId: command.userId, actionIds: [command.actionId], tier: state.tier, cause: 'already_qualified', releasedAt: at } },
        ]);
      }
      case 'RaiseTier': {
        if (state.raisedBy.has(command.eventId)) return right([]);
        if (RANK[command.tier] <= RANK[state.tier]) return right([]); // the tier only rises
        const raised: MemberEvent = { type: 'MemberTierRaised', data: { userId: command.userId, tier: command.tier, eventId: command.eventId, raisedAt: at } };
        const released = waitingRewards(state).filter((h) => satisfies(command.tier, h.condition));
        if (released.length === 0) return right([raised]);
        return right([
          raised,
          { type: 'MemberLockedRewardsReleased', data: { userId: command.userId, actionIds: released.map((h) => h.actionId), tier: command.tier, cause: 'upgrade', releasedAt: at } },
        ]);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'MemberTierRaised':
        return { ...state, tier: higherTier(state.tier, event.data.tier), raisedBy: new Set(state.raisedBy).add(event.data.eventId) };
      case 'MemberLockedRewardHeld': {
        const d = event.data;
        if (state.held.has(d.actionId)) return state;
        return { ...state, held: new Map(state.held).set(d.actionId, { actionId: d.actionId, condition: d.condition, eventId: d.eventId, releasedBy: null }) };
      }
      case 'MemberLockedRewardsReleased': {
        const held = new Map(state.held);
        for (const actionId of event.data.actionIds) {
          const h = held.get(actionId);
          if (h && h.releasedBy === null) held.set(actionId, { ...h, releasedBy: event.data.cause });
        }
        return { ...state, held };
      }
    }
  },
};
