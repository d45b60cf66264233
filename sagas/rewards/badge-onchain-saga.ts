import * as t from 'io-ts';
import { RecordBadgeOnchainOutcome, RequestBadgeOnchain } from '../../commands/rewards/badge-effect-kinds.js';
import { BlockchainTaskEvent } from '../../domain/blockchain/blockchain-task-events.js';
import { streamOfWalletLink, WalletLinkEvent } from '../../domain/blockchain/wallet-link.js';
import { pickEvents } from '../../domain/event-codec.js';
import { BadgeEvent, wantsOnchain, type OnchainStatus } from '../../domain/rewards/badge.js';
import type { Effect } from '../outbox.js';
import { defineSaga, type SagaReaction } from '../saga.js';

export const BADGE_ONCHAIN = 'rewards-badge-onchain';

export const BadgeOnchainEvents = pickEvents(t.union([BadgeEvent, BlockchainTaskEvent, WalletLinkEvent]), [
  'BadgeAwarded',
  'BadgeAwaitingWallet',
  'BadgeOnchainRequested',
  'BadgeOnchainConfirmed',
  'BadgeOnchainFailed',
  'BlockchainTaskConfirmed',
  'BlockchainTaskFailed',
  'WalletLinkVerified',
]);
type BadgeOnchainEvent = t.TypeOf<typeof BadgeOnchainEvents>;

/** One badge of the user as the saga keeps it (what `wantsOnchain` needs). */
interface SagaBadge {
  readonly instanceId: string;
  readonly level: number;
  readonly onchain: boolean;
  readonly inFlight: string | null;
  readonly confirmedLevel: number | null;
  readonly lastOnchain: OnchainStatus;
  readonly onchainLevel: number | null;
}

/** One user's on-chain badges (the flow is the user: their wallet verifications concern all of them). */
export interface BadgeOnchainState {
  readonly userId?: string;
  /** By badge type. */
  readonly badges: Readonly<Record<string, SagaBadge>>;
  /** The user's `WalletLink-<userId>` stream is linked to this flow (from their first on-chain badge on). */
  readonly walletLinked: boolean;
  /** Wallets verified since then: each one asks again for the badges that wait for a wallet. */
  readonly walletsVerified: number;
  /** The gateway's task streams (linked) → which badge's request they carry. */
  readonly tasks: Readonly<Record<string, { readonly badgeType: string; readonly requestId: string }>>;
  readonly emitted: readonly string[];
}

export const initialBadgeOnchainState: BadgeOnchainState = { badges: {}, walletLinked: false, walletsVerified: 0, tasks: {}, emitted: [] };

function fold(state: BadgeOnchainState, event: BadgeOnchainEvent, streamName: string, decidedAt: string): { readonly state: BadgeOnchainState; readonly links: readonly string[]; readonly effects: readonly Effect[] } {
  const none = { state, links: [] as string[], effects: [] as Effect[] };
  const badge = (badgeType: string, change: (b: SagaBadge) => SagaBadge): BadgeOnchainState => {
    const current = state.badges[badgeType];
    return current ? { ...state, badges: { ...state.badges, [badgeType]: change(current) } } : state;
  };
  switch (event.type) {
    case 'BadgeAwarded': {
      const d = event.data;
      const current = state.badges[d.badgeType];
      const next: SagaBadge = current
        ? { ...current, level: Math.max(current.level, d.level), onchain: d.onchain }
        : { instanceId: d.instanceId, level: d.level, onchain: d.onchain, inFlight: null, confirmedLevel: null, lastOnchain: 'none', onchainLevel: null };
      const link = d.onchain && !state.walletLinked;
      return {
        state: { ...state, userId: d.userId, badges: { ...state.badges, [d.badgeType]: next }, walletLinked: state.walletLinked || link },
        links: link ? [streamOfWalletLink(d.userId)] : [],
        effects: [],
      };
    }
    case 'BadgeAwaitingWallet':
      return { ...none, state: badge(event.data.badgeType, (b) => ({ ...b, lastOnchain: 'awaiting_wallet', onchainLevel: event.data.level })) };
    case 'BadgeOnchainRequested': {
      const d = event.data;
      return {
        state: { ...badge(d.badgeType, (b) => ({ ...b, inFlight: d.requestId, lastOnchain: 'pending', onchainLevel: d.level })), tasks: { ...state.tasks, [d.taskStream]: { badgeType: d.badgeType, requestId: d.requestId } } },
        links: [d.taskStream],
        effects: [],
      };
    }
    case 'BadgeOnchainConfirmed': {
      const d = event.data;
      return { ...none, state: badge(d.badgeType, (b) => ({ ...b, inFlight: b.inFlight === d.requestId ? null : b.inFlight, lastOnchain: 'confirmed', onchainLevel: d.level, confirmedLevel: d.level })) };
    }
    case 'BadgeOnchainFailed': {
      const d = event.data;
      return { ...none, state: badge(d.badgeType, (b) => ({ ...b, inFlight: b.inFlight === d.requestId ? null : b.inFlight, lastOnchain: 'failed', onchainLevel: d.level })) };
    }
    case 'WalletLinkVerified':
      return { ...none, state: { ...state, walletsVerified: state.walletsVerified + 1 } };
    case 'BlockchainTaskConfirmed':
    case 'BlockchainTaskFailed': {
      const task = state.tasks[streamName];
      if (!task || state.userId === undefined) return none;
      const outcome =
        event.type === 'BlockchainTaskConfirmed'
          ? { status: 'confirmed' as const, onchainTokenId: event.data.result.onchainTokenId ?? null, itemAddress: event.data.result.itemAddress ?? null }
          : { status: 'failed' as const, error: event.data.error };
      const effect = RecordBadgeOnchainOutcome.effect(
        `badge-onchain-outcome:${task.requestId}`,
        { userId: state.userId, badgeType: task.badgeType, requestId: task.requestId, outcome, decidedAt },
        { correlationId: `badge:${state.userId}:${task.badgeType}` },
      );
      return { ...none, effects: [effect] };
    }
  }
}

/** The requests the user's badges want now (keys seen before are filtered out by the caller). */
function wanted(state: BadgeOnchainState, decidedAt: string): Effect[] {
  if (state.userId === undefined) return [];
  const userId = state.userId;
  return Object.entries(state.badges)
    .filter(([, b]) => wantsOnchain(b))
    .map(([badgeType, b]) =>
      RequestBadgeOnchain.effect(`badge-onchain:${b.instanceId}:${b.level}:${state.walletsVerified}`, { userId, badgeType, level: b.level, decidedAt }, { correlationId: `badge:${userId}:${badgeType}` }),
    );
}

/**
 * On-chain badges (seed 000 §3–4, SPEC B-4/B-5): one flow per user. A badge whose type goes on
 * chain and whose level is not on chain yet is asked for — a mint for its first on-chain level,
 * an upgrade (revoke + mint, one gateway task) once a badge is confirmed — one request at a time
 * per badge; a level reached meanwhile follows when that one ends. The gateway's task stream of
 * each request is linked to the flow and its confirmation (the item index: `onchain_token_id`)
 * or failure is recorded on the badge. Without a verified wallet the badge waits: the user's
 * `WalletLink-<userId>` stream is linked to the flow with their first on-chain badge, and every
 * wallet they verify afterwards asks again (the request key carries the count of wallets
 * verified, so a verification that crossed the first look is never missed).
 */
export function badgeOnchainSaga() {
  return defineSaga({
    name: BADGE_ONCHAIN,
    events: BadgeOnchainEvents,
    linksStreams: true,
    initialState: initialBadgeOnchainState,
    flowId: (event) => {
      switch (event.type) {
        case 'BlockchainTaskConfirmed':
        case 'BlockchainTaskFailed':
        case 'WalletLinkVerified':
          return null; // linked streams
        default:
          return event.data.userId;
      }
    },
    react(state, event, now): SagaReaction<BadgeOnchainState> {
      const decidedAt = now.toISOString();
      const folded = fold({ ...initialBadgeOnchainState, ...state }, event, event.streamName, decidedAt);
      const effects = [...folded.effects, ...wanted(folded.state, decidedAt)].filter((e) => !folded.state.emitted.includes(e.idempotencyKey));
      return {
        state: effects.length === 0 ? folded.state : { ...folded.state, emitted: [...folded.state.emitted, ...effects.map((e) => e.idempotencyKey)] },
        ...(effects.length ? { effects } : {}),
        ...(folded.links.length ? { linkStreams: folded.links } : {}),
      };
    },
  });
}
