import type { BatchConfirmation, GatewayChain, SentBatch, SignedBatch, TaskOperation } from '../../commands/blockchain/gateway-chain.js';

type Step = 'sign' | 'submit' | 'findConfirmation';

/**
 * A real chain with failures injected in front of it, to show how the gateway treats each kind
 * (B-6): a queued error is thrown by the next call of that step, otherwise the call goes
 * through to the wrapped chain unchanged.
 */
export class FaultInjectingChain implements GatewayChain {
  private readonly faults: Record<Step, Error[]> = { sign: [], submit: [], findConfirmation: [] };

  constructor(private readonly inner: GatewayChain) {}

  failNext(step: Step, error: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.faults[step].push(error);
  }

  private check(step: Step): void {
    const fault = this.faults[step].shift();
    if (fault) throw fault;
  }

  chainTime(): Promise<number> {
    return this.inner.chainTime();
  }

  async sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch> {
    this.check('sign');
    return this.inner.sign(operations, validForSeconds);
  }

  async submit(messageBoc: string): Promise<void> {
    this.check('submit');
    return this.inner.submit(messageBoc);
  }

  async findConfirmation(batch: SentBatch): Promise<BatchConfirmation | null> {
    this.check('findConfirmation');
    return this.inner.findConfirmation(batch);
  }
}
