/**
 * What a benchmark is to the dispatcher (bench/run.ts): a name, and a `run` that measures
 * cases and hands each measured case to `ctx.record`. The dispatcher prints the table, the
 * JSON lines and writes bench/results/latest.json.
 */
import type { BenchTarget } from './target.js';

/** One measured case: printed as one JSON line. `bench`, `case` and `impl` identify it. */
export interface BenchResult {
  readonly bench: string;
  readonly case: string;
  readonly impl: string;
  readonly [field: string]: string | number | boolean | null | undefined | Readonly<Record<string, number>>;
}

export interface BenchContext {
  /** Small, fast run (tests, CI): numbers are indicative only. */
  readonly quick: boolean;
  readonly target: BenchTarget;
  /** Free-form options after the bench name, e.g. `--events=50000`. */
  readonly options: ReadonlyMap<string, string>;
  record(result: BenchResult): void;
  /** Progress and notes (stderr, so stdout stays table + JSON). */
  log(message: string): void;
  /** Something the reader of the results must know (printed with the table, stored in latest.json). */
  note(message: string): void;
}

export interface Bench {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<void>;
}

export function numberOption(ctx: BenchContext, name: string, fallback: number): number {
  const text = ctx.options.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${text}`);
  return value;
}
