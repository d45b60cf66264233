/**
 * The NFT service (seeds 000 §3–4 and 001 §7), as Connect's reward dispatcher needs it: award a
 * user a badge at a level. The service keeps the user's NFTInstance (off-chain), and for badges
 * configured as on-chain asks the Blockchain Gateway to mint it (B-4) — or, for a level-up of a
 * badge already on chain, to upgrade it (B-5) — recording `onchain_status` / `onchain_token_id`
 * from the gateway's confirmation. The award id (the reward action's id) is the idempotency key.
 *
 * Adapters: `adapters/nft/http-nft-service.ts` (NFT_SERVICE_URL); the embedded default is
 * Connect's own badge registry, which serves the same protocol.
 */
export interface BadgeAward {
  /** The idempotency key: the reward action's id. */
  readonly awardId: string;
  readonly userId: string;
  readonly badgeType: string;
  readonly level: number;
}

export interface BadgeAwarded {
  readonly awardId: string;
  /** The NFTInstance the badge is (one per user and badge type). */
  readonly instanceId: string;
  /** The instance's level after the award (a lower or equal level leaves it as it was). */
  readonly level: number;
  /**
   * `none`: off-chain only; `awaiting_wallet`: to go on chain once the user verifies a wallet;
   * `pending`: the gateway is minting (or upgrading) it, or is about to; `confirmed` / `failed`:
   * its last on-chain outcome.
   */
  readonly onchainStatus: 'none' | 'awaiting_wallet' | 'pending' | 'confirmed' | 'failed';
  readonly onchainTokenId: string | null;
}

export interface NftService {
  award(award: BadgeAward): Promise<BadgeAwarded>;
}

/** Refused for good (unknown badge type, bad level): the action fails. */
export class NftRefusal extends Error {
  override readonly name = 'NftRefusal';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** No answer / 5xx / 429: unknown outcome, ask again with the same key. */
export class NftUnavailable extends Error {
  override readonly name = 'NftUnavailable';
}
