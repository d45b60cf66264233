import assert from 'node:assert/strict';
import { comparisonTable, reportTable, textTable, type ReportView } from '../../../scripts/replay/report-table.js';

const rebuilt: ReportView = { projection: 'ticketing-tickets', mode: 'rebuild', events: 48_000, seconds: 4, position: '9120/48211', equal: true, tables: [] };
const damaged: ReportView = {
  projection: 'ticketing-tickets',
  mode: 'verify',
  events: 1234,
  seconds: 0.5,
  position: '880/1301',
  equal: false,
  tables: [
    { table: 'bi.ticket_sales', liveRows: 5, rebuiltRows: 6, onlyLive: 0, onlyRebuilt: 1 },
    { table: 'rm_tickets', liveRows: 12_000, rebuiltRows: 12_000, onlyLive: 0, onlyRebuilt: 0 },
  ],
};

/** Issue 16 item 5: `npm run replay` ends with its report as tables on stdout. */
describe('the replay report tables (scripts/replay/report-table.ts)', () => {
  it('given rows, then columns are padded to the widest cell, numbers aligned right, a rule under the header', () => {
    assert.equal(textTable(['name', 'n'], [['a', '1'], ['bb', '100']], [1]), ['name    n', '----  ---', 'a       1', 'bb    100'].join('\n'));
  });

  it('given a rebuild, a verify that found differences and a failed replay, then one row each with events/s and the result rebuilt, DIFFERENT, FAILED', () => {
    const table = reportTable([
      { projection: rebuilt.projection, mode: 'rebuild', report: rebuilt },
      { projection: damaged.projection, mode: 'verify', report: damaged },
      { projection: 'catalog', mode: 'rebuild', error: 'connection lost' },
    ]);
    assert.equal(
      table,
      [
        'projection         mode     events  seconds  events/s  position    result',
        '-----------------  -------  ------  -------  --------  ----------  ---------',
        'ticketing-tickets  rebuild  48,000     4.00    12,000  9120/48211  rebuilt',
        'ticketing-tickets  verify    1,234     0.50     2,468  880/1301    DIFFERENT',
        'catalog            rebuild       -        -         -  -           FAILED',
      ].join('\n'),
    );
  });

  it('given a verify that found the live state equal, then its result reads equal', () => {
    const equal = { ...damaged, equal: true, tables: [damaged.tables[1]!] };
    assert.match(reportTable([{ projection: equal.projection, mode: 'verify', report: equal }]), /880\/1301  equal$/);
  });

  it('given a verify, then the comparison has a row per table: live rows, rebuilt rows, only live, only rebuilt, and which differ', () => {
    assert.equal(
      comparisonTable(damaged),
      [
        'table            live rows  rebuilt rows  only live  only rebuilt  result',
        '---------------  ---------  ------------  ---------  ------------  ---------',
        'bi.ticket_sales          5             6          0             1  DIFFERENT',
        'rm_tickets          12,000        12,000          0             0  equal',
      ].join('\n'),
    );
  });
});
