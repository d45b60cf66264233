/**
 * The register's clock face: ATOL writes `dd.mm.yyyy HH:MM:SS` in Moscow time. The local
 * register asks the time-zone database (Europe/Moscow) rather than assuming an offset.
 */
const MOSCOW = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Moscow',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export function moscowTimestamp(instant: Date): string {
  const part = Object.fromEntries(MOSCOW.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${part.day}.${part.month}.${part.year} ${part.hour}:${part.minute}:${part.second}`;
}

/** Whether a request's `timestamp` is a real date and time written the ATOL way. */
export function isAtolTimestamp(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)$/.exec(value);
  if (!match) return false;
  const [day, month, year, hour, minute, second] = match.slice(1).map((part) => parseInt(part, 10)) as [number, number, number, number, number, number];
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  return year >= 2000 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
}
