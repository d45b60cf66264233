import assert from 'node:assert/strict';

/**
 * Polls `probe` every 25 ms until it answers something truthy, and returns that; fails the test
 * ("condition not reached in time") when `timeoutMs` passes first. For what happens after the
 * answer: projections, sagas, outbox deliveries, a batch loading in the background.
 */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
