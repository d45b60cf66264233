import type { OnchainResult, Operation } from '../../../domain/blockchain/operation.js';

/**
 * What the gateway's dispatcher needs from TON: the hot wallet as a sequential pipe that signs
 * several tasks' operations into one message per seqno, and a way to find that message on
 * chain. `adapters/ton` implements it on the emulator and on a real network.
 */
export interface GatewayChain {
  /** Chain time, unix seconds (the emulator's clock, or the last block's). */
  chainTime(): Promise<number>;
  /**
   * Sign one external message for the hot wallet's current seqno carrying these operations.
   * Each operation is built on its own: one that can never succeed (an unparsable address, an
   * amount no message can carry, an operation that cannot be encoded …) comes back in `refused`,
   * one whose own lookup failed for now in `deferred`; neither is in the message, and the others
   * are. An operation in none of `actions`, `refused`, `deferred` was left for a later message
   * (the message was full). Throws ChainError when nothing could be signed (the wallet's reads).
   */
  sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch>;
  /** Hand a signed message to the network. Re-submitting the same message is harmless. */
  submit(messageBoc: string): Promise<void>;
  /** Look for the message on chain; null while not (yet) there. Judges each operation. */
  findConfirmation(batch: SentBatch): Promise<BatchConfirmation | null>;
}

export interface TaskOperation {
  readonly taskId: string;
  readonly operation: Operation;
}

export interface SignedBatch {
  /** Normalized external-message hash (TEP-467), hex: how the message is found on chain. */
  readonly messageHash: string;
  readonly seqno: string;
  readonly validUntil: number;
  /** Base64 BOC of the signed external message (public: it is broadcast as is); empty when no operation could be carried. */
  readonly messageBoc: string;
  /** Task id → NFT item index assigned in this message. */
  readonly itemIndexes: Readonly<Record<string, string>>;
  /** Task id → positions of its actions in the message (how outcomes are judged per task). */
  readonly actions: Readonly<Record<string, readonly number[]>>;
  /** Task id → why its operation can never be signed: a permanent failure of that task alone. */
  readonly refused: Readonly<Record<string, string>>;
  /** Task id → why its operation could not be built this time: a transient failure of that task alone. */
  readonly deferred?: Readonly<Record<string, string>>;
}

export interface SentBatch {
  readonly messageHash: string;
  readonly validUntil: number;
  readonly tasks: readonly (TaskOperation & { readonly itemIndex?: string; readonly actions: readonly number[] })[];
}

export type OperationOutcome =
  | { readonly ok: true; readonly result: OnchainResult }
  | { readonly ok: false; readonly error: string; readonly permanent: boolean };

export interface BatchConfirmation {
  readonly txHash: string;
  readonly lt: string;
  readonly outcomes: Readonly<Record<string, OperationOutcome>>;
}

/** A failure talking to the chain: transient ones are retried, permanent ones fail the task. */
export class ChainError extends Error {
  override readonly name = 'ChainError';
  constructor(
    readonly kind: 'transient' | 'permanent',
    message: string,
  ) {
    super(message);
  }
}
