import { isLeft } from 'fp-ts/Either';
import type { Database } from '../../adapters/database/database.js';
import { runWhileLeader } from '../../adapters/database/leader-loop.js';
import type { EventStore } from '../../adapters/eventstore/event-store.js';
import { delay } from '../../platform/delay.js';
import type { Logger } from '../../adapters/observability/logger.js';
import { blockchainTaskDecider, streamOfTask, type BlockchainTaskCommand } from '../../domain/blockchain/blockchain-task.js';
import type { Clock } from '../../platform/clock.js';
import type { DispatchQueries } from '../../projections/blockchain/task-projection.js';
import { handleCommand } from '../../commands/command-handler.js';
import { loadAggregate } from '../../commands/load-aggregate.js';
import { ChainError, type GatewayChain, type SentBatch } from '../../commands/blockchain/ports/gateway-chain.js';

export interface DispatcherSettings {
  readonly batchSize: number;
  readonly pollMs: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  /** How long a signed message stays valid on chain. */
  readonly validForSeconds: number;
  /** Re-submit a sent, unconfirmed message after this long (while still valid). */
  readonly resubmitAfterMs: number;
}

/**
 * The hot wallet's single writer (B-1…B-6). One dispatcher runs across all processes (an
 * advisory-lock leadership). Each round it first settles what is already on its way — a sent
 * message found on chain confirms its tasks; one whose valid_until has passed unseen has
 * definitely failed (its tasks retry with a new seqno); one still valid is re-submitted as
 * the same signed message — then signs the due pending tasks into one message, records every
 * task as sent with that message's hash *before* submitting it, and submits.
 * After a crash the next leader starts with the same settling, so no task goes on chain twice.
 */
export class TonDispatcher {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly lastSubmitted = new Map<string, number>();

  constructor(
    private readonly database: Database,
    /** The task read model's queries the dispatcher works from (projections/blockchain/task-projection.ts). */
    private readonly tasks: DispatchQueries,
    private readonly store: EventStore,
    private readonly chain: GatewayChain,
    private readonly clock: Clock,
    private readonly settings: DispatcherSettings,
    private readonly logger?: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** One round: settle sent messages, then dispatch due tasks. Returns tasks sent. */
  async round(): Promise<number> {
    await this.settleSent();
    return this.dispatchDue();
  }

  private run(): Promise<void> {
    const signal = this.abort.signal;
    return runWhileLeader(
      this.database,
      'ton-dispatcher',
      signal,
      async (leadership) => {
        while (!signal.aborted && leadership.isHeld()) {
          const sent = await this.round();
          if (sent === 0) await delay(this.settings.pollMs, signal);
        }
      },
      { errorBackoffMs: this.settings.pollMs * 3, onError: (error) => this.logger?.error({ err: error }, 'ton dispatcher round failed; retrying') },
    );
  }

  private async settleSent(): Promise<void> {
    const rows = await this.tasks.sentTasks(1000);
    const batches = new Map<string, SentBatch & { tasks: (SentBatch['tasks'][number])[] }>();
    const retryCounts = new Map(rows.map((row) => [row.taskId, row.retryCount]));
    for (const row of rows) {
      const batch = batches.get(row.messageHash) ?? { messageHash: row.messageHash, validUntil: row.validUntil, tasks: [] };
      batch.tasks.push({ taskId: row.taskId, operation: row.operation, ...(row.itemIndex ? { itemIndex: row.itemIndex } : {}), actions: row.actions });
      batches.set(row.messageHash, batch);
    }
    let inFlight = 0;
    for (const batch of batches.values()) if (await this.settle(batch, retryCounts)) inFlight++;
    this.inFlight = inFlight;
  }

  /** Sent messages not yet settled at the last look: no new message is signed meanwhile (one seqno at a time). */
  private inFlight = 0;

  /** Settle one sent message; true while it is still on its way. */
  private async settle(batch: SentBatch, retryCounts: ReadonlyMap<string, number>): Promise<boolean> {
    let confirmation;
    try {
      confirmation = await this.chain.findConfirmation(batch);
    } catch (error) {
      this.logger?.warn({ err: error, messageHash: batch.messageHash }, 'could not look for a sent message; will look again');
      return true;
    }
    const now = this.clock.now();
    if (confirmation) {
      await inParallel(batch.tasks, async (task) => {
        const outcome = confirmation.outcomes[task.taskId];
        if (!outcome) return;
        await this.command(
          task.taskId,
          outcome.ok
            ? { type: 'Confirm', messageHash: batch.messageHash, result: { txHash: confirmation.txHash, lt: confirmation.lt, ...outcome.result }, now }
            : outcome.permanent
              ? { type: 'RecordPermanentFailure', error: outcome.error, now }
              : this.transientFailure(retryCounts.get(task.taskId) ?? 0, outcome.error, now),
        );
      });
      this.lastSubmitted.delete(batch.messageHash);
      return false;
    }
    if ((await this.chain.chainTime()) > batch.validUntil) {
      // Past valid_until and not on chain: it can never land. Safe to sign again with a new seqno.
      for (const task of batch.tasks) {
        await this.command(task.taskId, this.transientFailure(retryCounts.get(task.taskId) ?? 0, 'message expired before it was confirmed', now));
      }
      this.lastSubmitted.delete(batch.messageHash);
      return false;
    }
    const last = this.lastSubmitted.get(batch.messageHash);
    if (last === undefined || now.getTime() - last >= this.settings.resubmitAfterMs) {
      // Still valid and not seen (perhaps never submitted: a crash after recording "sent"):
      // hand the same signed message over again; the wallet executes it at most once.
      const state = await loadAggregate(this.store, blockchainTaskDecider, streamOfTask(batch.tasks[0]!.taskId));
      if (state.state.status === 'sent' && state.state.messageHash === batch.messageHash) {
        await this.chain.submit(state.state.messageBoc).catch((error: unknown) => this.logger?.warn({ err: error }, 're-submit failed; will retry'));
      }
      this.lastSubmitted.set(batch.messageHash, now.getTime());
    }
    return true;
  }

  private async dispatchDue(): Promise<number> {
    if (this.inFlight > 0) return 0;
    const rows = await this.tasks.dueTaskIds(this.settings.batchSize);
    if (rows.length === 0) return 0;
    // The read model may trail: act only on tasks the aggregate says are pending and due.
    // A task whose stream cannot be read (a malformed event) is left out and logged, not the round.
    const states = await inParallel(rows, async (row) => {
      try {
        return (await loadAggregate(this.store, blockchainTaskDecider, streamOfTask(row))).state;
      } catch (error) {
        this.logger?.error({ err: error, taskId: row }, 'cannot load a pending task; it is left out of the batch');
        return null;
      }
    });
    const tasks = [];
    for (const state of states) {
      if (state?.status === 'pending' && state.due) tasks.push({ taskId: state.taskId, operation: state.operation, retryCount: state.retryCount });
    }
    if (tasks.length === 0) return 0;
    const now = this.clock.now();
    let signed;
    try {
      signed = await this.chain.sign(tasks.map(({ taskId, operation }) => ({ taskId, operation })), this.settings.validForSeconds);
    } catch (error) {
      const chainError = error instanceof ChainError ? error : new ChainError('transient', error instanceof Error ? error.message : String(error));
      for (const task of tasks) {
        await this.command(
          task.taskId,
          chainError.kind === 'permanent' ? { type: 'RecordPermanentFailure', error: chainError.message, now } : this.transientFailure(task.retryCount, chainError.message, now),
        );
      }
      return 0;
    }
    // Each task's operation was built on its own: the ones that could not be fail alone, the message carries the rest.
    const refused = new Map(Object.entries(signed.refused));
    const deferred = new Map(Object.entries(signed.deferred ?? {}));
    const carried = tasks.filter((task) => signed.actions[task.taskId] !== undefined && !refused.has(task.taskId) && !deferred.has(task.taskId));
    await inParallel(tasks, async (task) => {
      const permanent = refused.get(task.taskId);
      const transient = deferred.get(task.taskId);
      if (permanent !== undefined) await this.command(task.taskId, { type: 'RecordPermanentFailure', error: permanent, now });
      else if (transient !== undefined) await this.command(task.taskId, this.transientFailure(task.retryCount, transient, now));
    });
    if (carried.length === 0) return 0;
    // every task is recorded as sent (with the message) before the message leaves: the recovery rule
    await inParallel(carried, (task) =>
      this.command(task.taskId, {
        type: 'RecordSent',
        messageHash: signed.messageHash,
        seqno: signed.seqno,
        validUntil: signed.validUntil,
        messageBoc: signed.messageBoc,
        ...(signed.itemIndexes[task.taskId] !== undefined ? { itemIndex: signed.itemIndexes[task.taskId] } : {}),
        actions: signed.actions[task.taskId] ?? [],
        now,
      }),
    );
    try {
      await this.chain.submit(signed.messageBoc);
      this.lastSubmitted.set(signed.messageHash, now.getTime());
    } catch (error) {
      // Recorded as sent: the next rounds re-submit it while valid, or retry after it expires.
      this.logger?.warn({ err: error, messageHash: signed.messageHash }, 'submit failed; the message will be re-submitted or expire');
    }
    return carried.length;
  }

  /** Backoff doubles with the task's retry count, with jitter over the upper half. */
  private transientFailure(retryCount: number, error: string, now: Date): BlockchainTaskCommand {
    const ceiling = this.settings.retryBaseMs * 2 ** Math.min(retryCount, 10);
    const retryAt = new Date(now.getTime() + ceiling / 2 + Math.random() * (ceiling / 2));
    return { type: 'RecordTransientFailure', error, maxRetries: this.settings.maxRetries, retryAt, now };
  }

  private async command(taskId: string, command: BlockchainTaskCommand): Promise<void> {
    const result = await handleCommand(this.store, blockchainTaskDecider, streamOfTask(taskId), command, { actor: 'ton-dispatcher', now: this.clock.now() });
    if (isLeft(result)) this.logger?.warn({ taskId, command: command.type, code: result.left.code }, 'task refused a dispatcher command');
  }
}

/** Each task of a batch is its own stream: their commands run side by side, a few at a time. */
async function inParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>, width = 16): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}
