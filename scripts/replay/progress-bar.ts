/**
 * The progress of one replay as a person reads it (issue 16 item 5): a bar, events done of the
 * total, the share, the rate and the time left — redrawn in place on a terminal, a line every
 * few seconds elsewhere (CI logs).
 */

/** A replay's progress as GET /api/admin/replays/{id} gives it (servers before the total lack the last four fields). */
export interface ProgressView {
  readonly projection: string;
  readonly phase: string;
  readonly events: number;
  readonly position: string;
  readonly head: string;
  readonly total_events?: number | null;
  readonly estimated?: boolean;
  readonly events_per_second?: number;
  readonly eta_seconds?: number | null;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** `42s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One line: `tickets  building  [██████░░░░░░]  1,200 / 4,800 events  25.0%  3,000 events/s  ETA 1s`.
 * An estimated total reads `≈4,800`; an unknown one `?`, with an empty bar and no share.
 */
export function progressLine(progress: ProgressView, options: { readonly barWidth?: number } = {}): string {
  const width = options.barWidth ?? 24;
  const total = progress.total_events ?? null;
  const share = total === null ? null : total === 0 ? 1 : Math.min(1, progress.events / total);
  const filled = share === null ? 0 : Math.floor(share * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  const totalText = total === null ? '?' : `${progress.estimated ? '≈' : ''}${count(total)}`;
  const parts = [progress.projection, progress.phase.padEnd(9), bar, `${count(progress.events)} / ${totalText} events`];
  if (share !== null) parts.push(`${progress.estimated ? '≈' : ''}${(share * 100).toFixed(1)}%`);
  if (progress.events_per_second !== undefined) parts.push(`${count(progress.events_per_second)} events/s`);
  if (progress.phase !== 'done') {
    const eta = progress.eta_seconds ?? null;
    parts.push(`ETA ${eta === null ? '?' : `${progress.estimated ? '≈' : ''}${formatDuration(eta)}`}`);
  }
  return parts.join('  ');
}

export interface ProgressReporter {
  update(progress: ProgressView): void;
  /** Ends the bar's line (a terminal), before anything else is written to the stream. */
  finish(): void;
}

/**
 * Writes progress lines to `out` (stderr). On a terminal (`tty`) the line is redrawn in place
 * (`\r`, then erased to its end), cut to the terminal's width; elsewhere a line is written when
 * the phase changes and otherwise at most one per `intervalMs`, so a log stays readable.
 */
export function progressReporter(
  out: { write(text: string): unknown },
  options: { readonly tty: boolean; readonly columns?: number; readonly intervalMs?: number; readonly now?: () => number; readonly barWidth?: number },
): ProgressReporter {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 5000;
  let drawn = false;
  let lastPhase: string | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  return {
    update(progress) {
      const line = progressLine(progress, { barWidth: options.barWidth });
      if (options.tty) {
        const fitted = options.columns && line.length >= options.columns ? line.slice(0, options.columns - 1) : line;
        out.write(`\r${fitted}\x1b[K`);
        drawn = true;
        return;
      }
      const at = now();
      if (progress.phase === lastPhase && at - lastAt < intervalMs) return;
      out.write(`${line}\n`);
      lastPhase = progress.phase;
      lastAt = at;
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
