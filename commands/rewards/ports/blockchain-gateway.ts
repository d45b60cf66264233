/**
 * Our Blockchain Gateway (SPEC B) as Connect uses it, in process: mint G2A for a reward (B-1),
 * send a withdrawal to a verified wallet (B-3), mint or upgrade a badge (B-4, B-5). Every request
 * is idempotent by `requestId` (the gateway derives the task id from its initiator and the
 * request id), so asking again after a crash finds the same task.
 *
 * Outcomes are not polled: the gateway's `BlockchainTask-<taskId>` stream is followed by the
 * saga that asked (it links the stream `taskStream` to its flow and reacts to
 * `BlockchainTaskConfirmed` / `BlockchainTaskFailed` with `permanent` or after the retries).
 *
 * Implemented by `commands/blockchain/in-process-gateway.ts`, wired in `bin/contexts.ts`.
 */
export interface GatewayTaskAccepted {
  readonly taskId: string;
  /** The gateway's stream of the task, to link to the asking saga's flow. */
  readonly taskStream: string;
  /** The task's status now (`pending`, `sent`, `confirmed`, `failed`). */
  readonly status: string;
}

/** A gateway refusal (DomainError-shaped): `wallet.not_verified`, a transfer limit, `request_id.reused` … */
export interface GatewayRefusal {
  readonly kind: 'refused';
  readonly code: string;
  readonly message: string;
}

export type GatewayAnswer = GatewayTaskAccepted | GatewayRefusal;

export interface BlockchainGateway {
  /** The user's verified wallet addresses (B-2), most recently verified first. */
  verifiedWallets(userId: string): Promise<readonly string[]>;
  /** The gateway's task id for one of Connect's request ids (to link before asking, or to look it up). */
  taskStreamOf(requestId: string): string;
  mintG2a(request: { readonly requestId: string; readonly userId: string; readonly toAddress: string; readonly amount: bigint; readonly correlationId?: string }): Promise<GatewayAnswer>;
  transferG2a(request: { readonly requestId: string; readonly userId: string; readonly toAddress: string; readonly amount: bigint; readonly correlationId?: string }): Promise<GatewayAnswer>;
  mintBadge(request: { readonly requestId: string; readonly userId: string; readonly toAddress: string; readonly badge: string; readonly level: number; readonly correlationId?: string }): Promise<GatewayAnswer>;
  upgradeBadge(request: {
    readonly requestId: string;
    readonly userId: string;
    readonly toAddress: string;
    readonly oldTokenId: string;
    readonly badge: string;
    readonly level: number;
    readonly correlationId?: string;
  }): Promise<GatewayAnswer>;
}
