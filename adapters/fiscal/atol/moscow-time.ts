/**
 * ATOL's times (`timestamp`, `receipt_datetime`) are `dd.mm.yyyy HH:MM:SS` in Moscow local time,
 * without a zone. Moscow has kept UTC+3 all year since 26 October 2014, so a fixed offset is
 * exact for every receipt this system writes or reads.
 */
const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;

const two = (n: number) => String(n).padStart(2, '0');

/** 2026-05-12T11:03:00Z → "12.05.2026 14:03:00" (the seconds' fraction dropped). */
export function atolTimestamp(instant: Date): string {
  const moscow = new Date(instant.getTime() + MOSCOW_OFFSET_MS);
  return `${two(moscow.getUTCDate())}.${two(moscow.getUTCMonth() + 1)}.${moscow.getUTCFullYear()} ${two(moscow.getUTCHours())}:${two(moscow.getUTCMinutes())}:${two(moscow.getUTCSeconds())}`;
}

/** "12.04.2017 20:16:00" (Moscow) → 2017-04-12T17:16:00.000Z; undefined unless a real date and time in that form. */
export function instantFromAtolTimestamp(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [day, month, year, hours, minutes, seconds] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const asIfUtc = Date.UTC(year, month - 1, day, hours, minutes, seconds);
  const check = new Date(asIfUtc);
  // Date.UTC rolls 31.02 over into March: a rolled-over value is not a date.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || check.getUTCHours() !== hours || check.getUTCMinutes() !== minutes || check.getUTCSeconds() !== seconds) {
    return undefined;
  }
  return new Date(asIfUtc - MOSCOW_OFFSET_MS);
}
