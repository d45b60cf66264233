import assert from 'node:assert/strict';
import fc from 'fast-check';
import { atolTimestamp, instantFromAtolTimestamp } from '../../../../adapters/fiscal/atol/moscow-time.js';

/** The time-zone database's view of Moscow (the adapter uses a fixed +03:00: this checks it against the real zone). */
const moscowByTimeZoneDatabase = (instant: Date) => {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}:${parts.second}`;
};

/** Since 26 October 2014 Moscow is UTC+3 all year. */
const SINCE = new Date('2014-10-26T00:00:00Z').getTime();
const UNTIL = new Date('2100-01-01T00:00:00Z').getTime();

describe('ATOL times: dd.mm.yyyy HH:MM:SS in Moscow', () => {
  it('given 11:03 UTC on 12 May 2026, then "12.05.2026 14:03:00"; and 21:30 UTC on 31 December is already the next day and year in Moscow', () => {
    assert.equal(atolTimestamp(new Date('2026-05-12T11:03:00.750Z')), '12.05.2026 14:03:00');
    assert.equal(atolTimestamp(new Date('2026-12-31T21:30:05Z')), '01.01.2027 00:30:05');
  });

  it('given the report fixture\'s receipt_datetime "12.04.2017 20:16:00", then 2017-04-12T17:16:00.000Z', () => {
    assert.equal(instantFromAtolTimestamp('12.04.2017 20:16:00')?.toISOString(), '2017-04-12T17:16:00.000Z');
  });

  it('given any instant since October 2014, then the timestamp is what the time-zone database says for Europe/Moscow, and reads back to the same second', () => {
    fc.assert(
      fc.property(fc.integer({ min: SINCE, max: UNTIL }), (ms) => {
        const instant = new Date(ms);
        const text = atolTimestamp(instant);
        assert.equal(text, moscowByTimeZoneDatabase(instant));
        assert.equal(instantFromAtolTimestamp(text)?.getTime(), Math.floor(ms / 1000) * 1000);
      }),
      { numRuns: 1000 },
    );
  });

  it('given text that is not a real date and time in that form, then none', () => {
    for (const bad of ['31.02.2026 10:00:00', '12.13.2026 10:00:00', '12.05.2026 24:00:00', '12.05.2026 10:60:00', '2026-05-12 10:00:00', '12.05.2026T10:00:00', '1.05.2026 10:00:00', '', 42, null]) {
      assert.equal(instantFromAtolTimestamp(bad), undefined, String(bad));
    }
  });
});
