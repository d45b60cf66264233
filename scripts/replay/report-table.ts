/**
 * The final report of `npm run replay` as tables on stdout: one row per projection replayed,
 * and for a verify the comparison of each table it owns.
 */

/** A replay's report as GET /api/admin/replays/{id} gives it when done. */
export interface ReportView {
  readonly projection: string;
  readonly mode: 'rebuild' | 'verify';
  readonly events: number;
  readonly seconds: number;
  readonly position: string;
  readonly equal: boolean;
  readonly tables: readonly { readonly table: string; readonly liveRows: number; readonly rebuiltRows: number; readonly onlyLive: number; readonly onlyRebuilt: number }[];
}

/** One projection's outcome: its report, or why it failed. */
export type ReplayOutcome = { readonly projection: string; readonly mode: 'rebuild' | 'verify'; readonly report: ReportView } | { readonly projection: string; readonly mode: 'rebuild' | 'verify'; readonly error: string };

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Columns padded to their widest cell, two spaces apart, a rule under the header; the columns
 * named in `right` (numbers) aligned right. Trailing spaces are trimmed.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (right.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** The result column: rebuilt, equal, DIFFERENT (a verify that found differences) or FAILED. */
export function resultOf(outcome: ReplayOutcome): string {
  if (!('report' in outcome)) return 'FAILED';
  if (outcome.report.mode === 'rebuild') return 'rebuilt';
  return outcome.report.equal ? 'equal' : 'DIFFERENT';
}

/** projection, mode, events, seconds, events/s, position, result — one row per replay. */
export function reportTable(outcomes: readonly ReplayOutcome[]): string {
  const rows = outcomes.map((outcome) => {
    if (!('report' in outcome)) return [outcome.projection, outcome.mode, '-', '-', '-', '-', resultOf(outcome)];
    const { report } = outcome;
    const rate = report.seconds > 0 ? count(report.events / report.seconds) : '-';
    return [report.projection, report.mode, count(report.events), report.seconds.toFixed(2), rate, report.position, resultOf(outcome)];
  });
  return textTable(['projection', 'mode', 'events', 'seconds', 'events/s', 'position', 'result'], rows, [2, 3, 4]);
}

/** A verify's comparison: table, live rows, rebuilt rows, only live, only rebuilt; a table that differs is marked. */
export function comparisonTable(report: ReportView): string {
  const rows = report.tables.map((table) => [
    table.table,
    count(table.liveRows),
    count(table.rebuiltRows),
    count(table.onlyLive),
    count(table.onlyRebuilt),
    table.onlyLive === 0 && table.onlyRebuilt === 0 ? 'equal' : 'DIFFERENT',
  ]);
  return textTable(['table', 'live rows', 'rebuilt rows', 'only live', 'only rebuilt', 'result'], rows, [1, 2, 3, 4]);
}
