import assert from 'node:assert/strict';
import { formatDuration, progressLine, progressReporter, type ProgressView } from '../../../scripts/replay/progress-bar.js';

const building: ProgressView = {
  projection: 'ticketing-tickets',
  phase: 'building',
  events: 1200,
  position: '812/1200',
  head: '950/4800',
  total_events: 4800,
  estimated: false,
  events_per_second: 3000,
  eta_seconds: 1.2,
};

/** Issue 16 item 5: `npm run replay` shows each replay's progress as a bar on stderr. */
describe('the replay progress bar (scripts/replay/progress-bar.ts)', () => {
  it('given a counted total, then the line reads the bar, events done of the total, the share, the rate and the ETA', () => {
    assert.equal(
      progressLine(building, { barWidth: 12 }),
      'ticketing-tickets  building   [███░░░░░░░░░]  1,200 / 4,800 events  25.0%  3,000 events/s  ETA 1s',
    );
  });

  it('given an estimated total, then the total, share and ETA read "≈"', () => {
    const line = progressLine({ ...building, total_events: 4000, estimated: true, eta_seconds: 200 }, { barWidth: 10 });
    assert.equal(line, 'ticketing-tickets  building   [███░░░░░░░]  1,200 / ≈4,000 events  ≈30.0%  3,000 events/s  ETA ≈3m20s');
  });

  it('given no total yet, then the bar is empty, the total and the ETA read "?" and no share is claimed', () => {
    const line = progressLine({ ...building, events: 0, total_events: null, estimated: true, events_per_second: 0, eta_seconds: null }, { barWidth: 4 });
    assert.equal(line, 'ticketing-tickets  building   [░░░░]  0 / ? events  0 events/s  ETA ?');
  });

  it('given a finished replay, then the bar is full and no ETA is shown', () => {
    const line = progressLine({ ...building, phase: 'done', events: 4800, eta_seconds: 0 }, { barWidth: 4 });
    assert.equal(line, 'ticketing-tickets  done       [████]  4,800 / 4,800 events  100.0%  3,000 events/s');
  });

  it('given more events read than counted (appended meanwhile), then the bar stops full', () => {
    assert.match(progressLine({ ...building, events: 5000 }, { barWidth: 4 }), /\[████\]  5,000 \/ 4,800 events  100\.0%/);
  });

  it('given a progress from a server without totals, then the line still shows the events and phase', () => {
    const { total_events: _t, estimated: _e, events_per_second: _r, eta_seconds: _s, ...old } = building;
    assert.equal(progressLine(old, { barWidth: 4 }), 'ticketing-tickets  building   [░░░░]  1,200 / ? events  ETA ?');
  });

  it('given durations, then seconds, minutes and hours read 42s, 3m05s, 1h02m', () => {
    assert.deepEqual([formatDuration(42.4), formatDuration(185), formatDuration(3725)], ['42s', '3m05s', '1h02m']);
  });

  it('given a terminal, then each update redraws the line in place and finish ends it', () => {
    const written: string[] = [];
    const reporter = progressReporter({ write: (text: string) => written.push(text) }, { tty: true, barWidth: 4 });
    reporter.update(building);
    reporter.update({ ...building, events: 2400 });
    reporter.finish();
    assert.equal(written.length, 3);
    assert.ok(written[0]!.startsWith('\rticketing-tickets  building') && written[0]!.endsWith('\x1b[K'));
    assert.match(written[1]!, /^\r.*2,400 \/ 4,800 events.*\x1b\[K$/);
    assert.equal(written[2], '\n');
  });

  it('given a narrow terminal, then the line is cut to its width', () => {
    const written: string[] = [];
    progressReporter({ write: (text: string) => written.push(text) }, { tty: true, columns: 30 }).update(building);
    assert.equal(written[0], `\r${progressLine(building).slice(0, 29)}\x1b[K`);
  });

  it('given a log (not a terminal), then a line is written per phase change and otherwise at most one per interval', () => {
    const written: string[] = [];
    let now = 0;
    const reporter = progressReporter({ write: (text: string) => written.push(text) }, { tty: false, intervalMs: 5000, now: () => now, barWidth: 4 });
    reporter.update(building); // first: written
    now = 1000;
    reporter.update({ ...building, events: 1500 }); // same phase, 1 s later: not written
    now = 5000;
    reporter.update({ ...building, events: 2000 }); // 5 s after the last line: written
    now = 5500;
    reporter.update({ ...building, phase: 'swapping', events: 4800 }); // a new phase: written
    reporter.update({ ...building, phase: 'done', events: 4800 }); // done: written
    reporter.finish();
    assert.deepEqual(written, [
      'ticketing-tickets  building   [█░░░]  1,200 / 4,800 events  25.0%  3,000 events/s  ETA 1s\n',
      'ticketing-tickets  building   [█░░░]  2,000 / 4,800 events  41.7%  3,000 events/s  ETA 1s\n',
      'ticketing-tickets  swapping   [████]  4,800 / 4,800 events  100.0%  3,000 events/s  ETA 1s\n',
      'ticketing-tickets  done       [████]  4,800 / 4,800 events  100.0%  3,000 events/s\n',
    ]);
  });
});
