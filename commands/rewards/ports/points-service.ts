/**
 * The Points service (seed 001: "отправляет команду в Points Service"), as Connect's reward
 * dispatcher needs it. One credit per reward action; the action id is the idempotency key, so
 * a credit asked again (a retry after a crash or a lost answer) is the same credit, never a
 * second one.
 *
 * Adapters: `adapters/points/http-points-service.ts` speaks the Points protocol over HTTP
 * (POINTS_SERVICE_URL); the embedded default is Connect's own points ledger, which serves the
 * same protocol (see docs/architecture.md "Rewards", the points protocol).
 */
export interface PointsCredit {
  /** The idempotency key: the reward action's id. */
  readonly creditId: string;
  readonly userId: string;
  /** Whole points, > 0. */
  readonly amount: bigint;
  /** Why, for the user's statement (e.g. the rule id and event type). */
  readonly reason: string;
}

export interface PointsCredited {
  readonly creditId: string;
  /** The Points service's own id of the entry. */
  readonly entryId: string;
  /** The user's balance right after this credit (as the service reports it). */
  readonly balanceAfter: bigint;
}

export interface PointsService {
  credit(credit: PointsCredit): Promise<PointsCredited>;
}

/** The service refused the credit for good (unknown user, invalid amount): the action fails. */
export class PointsRefusal extends Error {
  override readonly name = 'PointsRefusal';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The service did not answer or answered 5xx / 429: the outcome is unknown, ask again with the same key. */
export class PointsUnavailable extends Error {
  override readonly name = 'PointsUnavailable';
}
