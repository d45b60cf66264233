import type { Database } from '../database/database.js';
import type { EventStore } from '../eventstore/event-store.js';

/** One dependency GET /readyz asks about; `check` throws when it is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export const databaseReadiness = (database: Database): ReadinessCheck => ({ name: 'database', check: () => database.ping() });

export const eventStoreReadiness = (store: EventStore): ReadinessCheck => ({
  name: 'eventstore',
  check: async () => {
    await store.headPosition();
  },
});

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly error?: string }[];
}

/** Run every check at once, each bounded by `timeoutMs`. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { name, ok: true };
      } catch (error) {
        return { name, ok: false, error: error instanceof Error ? error.message : String(error) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}
