import type { BatchConfirmation, GatewayChain, SentBatch, SignedBatch, TaskOperation } from '../../commands/blockchain/ports/gateway-chain.js';

type Step = 'sign' | 'submit' | 'findConfirmation';

/**
 * A real chain with failures injected in front of it, to show how the gateway treats each kind
 * (B-6): a queued error is thrown by the next call of that step, otherwise the call goes
 * through to the wrapped chain unchanged.
 */
export class FaultInjectingChain implements GatewayChain {
  private readonly faults: Record<Step, Error[]> = { sign: [], submit: [], findConfirmation: [] };
  private readonly holds: Record<Step, { readonly gate: Promise<void>; readonly arrived: () => void } | null> = { sign: null, submit: null, findConfirmation: null };

  constructor(private readonly inner: GatewayChain) {}

  failNext(step: Step, error: Error, times = 1): void {
    for (let i = 0; i < times; i++) this.faults[step].push(error);
  }

  /**
   * Calls of `step` wait until `release()` (then go through); `reached` resolves once a call is
   * waiting. E.g. hold `findConfirmation` while a message is on its way: once reached, the
   * dispatcher signs nothing new until released, so tasks created meanwhile share one message.
   */
  hold(step: Step): { readonly reached: Promise<void>; release(): void } {
    let release!: () => void;
    let arrived!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const held = { gate, arrived };
    this.holds[step] = held;
    return {
      reached,
      release: () => {
        if (this.holds[step] === held) this.holds[step] = null;
        release();
      },
    };
  }

  private async check(step: Step): Promise<void> {
    const held = this.holds[step];
    if (held) {
      held.arrived();
      await held.gate;
    }
    const fault = this.faults[step].shift();
    if (fault) throw fault;
  }

  chainTime(): Promise<number> {
    return this.inner.chainTime();
  }

  async sign(operations: readonly TaskOperation[], validForSeconds: number): Promise<SignedBatch> {
    await this.check('sign');
    return this.inner.sign(operations, validForSeconds);
  }

  async submit(messageBoc: string): Promise<void> {
    await this.check('submit');
    return this.inner.submit(messageBoc);
  }

  async findConfirmation(batch: SentBatch): Promise<BatchConfirmation | null> {
    await this.check('findConfirmation');
    return this.inner.findConfirmation(batch);
  }
}
