import type { BenchContext } from './bench.js';
import { DEFAULT_SERVER_URL, targetFor, type BenchTarget, type DatabaseName } from './target.js';

/** `--rates 10,20,40`: the steady offered rates (events or purchases per second); a quick run 10 only. */
export function steadyRates(ctx: BenchContext): number[] {
  const rates = (ctx.options.get('rates') ?? (ctx.quick ? '10' : '10,20,40')).split(',').map(Number);
  if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`--rates: positive numbers, got ${ctx.options.get('rates')}`);
  return rates;
}

/**
 * Runs a bench on each database of `--database pglite,postgres` (a full run both, a quick run —
 * the smoke test — the one it was given), each on a fresh target closed after; an unreachable
 * PostgreSQL server is noted and skipped.
 */
export async function onEachDatabase(ctx: BenchContext, bench: string, run: (target: BenchTarget, database: DatabaseName) => Promise<void>, describe: (target: BenchTarget) => string = (t) => t.description): Promise<void> {
  const defaultDatabases = ctx.quick ? (ctx.target.kind === 'pg' ? 'postgres' : 'pglite') : 'pglite,postgres';
  const databases = (ctx.options.get('database') ?? defaultDatabases).split(',') as DatabaseName[];
  const bad = databases.find((d) => d !== 'pglite' && d !== 'postgres');
  if (bad) throw new Error(`--database: pglite and/or postgres, got ${bad}`);
  for (const database of databases) {
    let opened: Awaited<ReturnType<typeof targetFor>>;
    try {
      opened = await targetFor(ctx.target, database, { inMemory: ctx.quick });
    } catch (error) {
      if (database !== 'postgres') throw error;
      ctx.note(`${bench}: the PostgreSQL server (${process.env.DATABASE_URL ?? DEFAULT_SERVER_URL}) is unreachable (${error instanceof Error ? error.message : String(error)}): not measured`);
      continue;
    }
    try {
      ctx.log(`${bench} on ${opened.target.description}`);
      ctx.note(`${database} = ${describe(opened.target)}`);
      await run(opened.target, database);
    } finally {
      await opened.close();
    }
  }
}
