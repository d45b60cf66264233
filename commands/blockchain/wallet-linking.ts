import { randomBytes } from 'node:crypto';
import { left, right, isLeft, type Either } from 'fp-ts/Either';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { streamOfWalletLink, walletLinkDecider } from '../../domain/blockchain/wallet-link.js';
import { domainError, type DomainError } from '../../domain/decider.js';
import { handleCommand } from '../command-handler.js';
import { rawAddress } from './ton-address.js';

import type { TonProof, TonProofVerifier } from './ports/ton-proof-verifier.js';

export type { ProofVerdict, TonProof, TonProofVerifier } from './ports/ton-proof-verifier.js';

export interface WalletLinkSettings {
  readonly domain: string;
  readonly challengeTtlSeconds: number;
}

/** B-2, step 1: a single-use random payload with a short expiry, for the user's wallet to sign. */
export async function requestWalletLink(store: EventStore, userId: string, settings: WalletLinkSettings, now: Date, correlationId?: string) {
  const payload = randomBytes(32).toString('hex');
  const outcome = await handleCommand(
    store,
    walletLinkDecider,
    streamOfWalletLink(userId),
    { type: 'IssueChallenge', userId, payload, ttlSeconds: settings.challengeTtlSeconds, now },
    { correlationId, actor: userId, now },
  );
  if (isLeft(outcome)) return outcome;
  return right({ payload, expiresAt: new Date(now.getTime() + settings.challengeTtlSeconds * 1000).toISOString(), domain: settings.domain });
}

/**
 * B-2, step 2: the proof must be signed by the wallet's own key over this domain, a recent
 * timestamp and an outstanding payload issued to this user. A refused proof spends the payload.
 */
export async function confirmWalletLink(
  store: EventStore,
  verifier: TonProofVerifier,
  input: { readonly userId: string; readonly address: string; readonly proof: TonProof; readonly now: Date; readonly correlationId?: string },
  settings: WalletLinkSettings,
): Promise<Either<DomainError, { readonly address: string; readonly status: 'verified' }>> {
  const verdict = await verifier.verify({
    address: input.address,
    proof: input.proof,
    expectedDomain: settings.domain,
    maxAgeSeconds: settings.challengeTtlSeconds,
    now: input.now,
  });
  const address = rawAddress(input.address);
  const outcome = await handleCommand(
    store,
    walletLinkDecider,
    streamOfWalletLink(input.userId),
    {
      type: 'ConfirmLink',
      userId: input.userId,
      payload: input.proof.payload,
      address,
      publicKey: verdict.ok ? verdict.publicKey : '',
      proofProblem: verdict.ok ? null : verdict.reason,
      now: input.now,
    },
    { correlationId: input.correlationId, actor: input.userId, now: input.now },
  );
  if (isLeft(outcome)) return outcome;
  if (!verdict.ok) {
    return left(domainError('rule_violated', `ton_proof.${verdict.reason}`, `the wallet proof was refused: ${verdict.reason.replace(/_/g, ' ')}`, fieldOf(verdict.reason)));
  }
  return right({ address, status: 'verified' });
}

function fieldOf(reason: string): string {
  if (reason.includes('domain')) return 'proof.domain';
  if (reason.includes('timestamp') || reason.includes('expired')) return 'proof.timestamp';
  if (reason.includes('payload')) return 'proof.payload';
  if (reason.includes('address') || reason.includes('state_init')) return 'address';
  return 'proof.signature';
}
