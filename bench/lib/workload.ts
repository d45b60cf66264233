/** Payloads and the timed, concurrent driver shared by the benchmarks. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { EventToAppend } from '../../adapters/eventstore/event-store.js';

const SEATS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

/** A ticketing event whose JSON `data` is ~300 bytes (the size EVENTLOG.md measured with). */
export function ticketEvent(type = 'TicketReserved', index = 0): EventToAppend {
  const eventId = randomUUID();
  const data = {
    ticketId: randomUUID(),
    performanceId: `perf-${(index % 97).toString().padStart(4, '0')}`,
    venue: 'Grand Hall, 12 Riverside Walk',
    seat: { section: 'Stalls', row: SEATS[index % SEATS.length], number: (index % 40) + 1 },
    price: { amount: 4250 + (index % 13) * 125, currency: 'EUR' },
    buyerId: randomUUID(),
    channel: 'web',
    reservedUntil: '2026-11-23T01:15:00.000Z',
  };
  return {
    eventId,
    type,
    data,
    metadata: {
      correlationId: eventId,
      causationId: eventId,
      actor: 'bench',
      schemaVersion: 1,
      occurredAt: new Date().toISOString(),
    },
  };
}

export function ticketEvents(count: number, type = 'TicketReserved'): EventToAppend[] {
  return Array.from({ length: count }, (_, i) => ticketEvent(type, i));
}

export interface TimedRun {
  /** Events completed inside the measured window. */
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSec: number;
  /** Latency of each unit of work completed in the window (ms). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Units of work (appends) completed in the window. */
  readonly operations: number;
  /** Conflicts the work reported for the units completed in the window (each one retried). */
  readonly conflicts: number;
  /** Units of work in the window that met at least one conflict. */
  readonly operationsWithConflicts: number;
  /**
   * CPU time of this process per event in the window, µs: what the append path costs the
   * caller. With PGlite the database runs in this process, so its work is included.
   */
  readonly clientCpuUsPerEvent: number;
}

/** What one unit of work did: a count of events, or events and the conflicts met on the way. */
export type WorkDone = number | { readonly events: number; readonly conflicts: number };

/**
 * Runs `writers` concurrent loops of `work` (which returns the events it completed) for
 * `warmupMs` unmeasured, then `measureMs` measured; counts only work that completes inside
 * the measured window. Loops stop at the end of the window; work in flight is awaited.
 *
 * The window's edges are noticed by the loops themselves, not by timers: with PGlite a loop
 * can run for seconds on promise continuations alone, without ever letting a timer fire.
 */
export async function timedConcurrent(
  writers: number,
  warmupMs: number,
  measureMs: number,
  work: (writer: number) => Promise<WorkDone>,
): Promise<TimedRun> {
  const start = performance.now();
  const from = start + warmupMs;
  const until = from + measureMs;
  let events = 0;
  let conflicts = 0;
  let operationsWithConflicts = 0;
  const latencies: number[] = [];
  let cpuAtFrom: NodeJS.CpuUsage | undefined;
  let cpuInWindow: NodeJS.CpuUsage | undefined;
  let windowStart: number | undefined;
  let windowEnd: number | undefined;
  const loop = async (writer: number) => {
    for (;;) {
      const begun = performance.now();
      if (begun >= from && cpuAtFrom === undefined) {
        cpuAtFrom = process.cpuUsage();
        windowStart = begun;
      }
      if (begun >= until) {
        if (cpuInWindow === undefined) {
          cpuInWindow = process.cpuUsage(cpuAtFrom);
          windowEnd = begun;
        }
        return;
      }
      const done = await work(writer);
      const now = performance.now();
      if (now >= from && now < until) {
        const n = typeof done === 'number' ? done : done.events;
        const c = typeof done === 'number' ? 0 : done.conflicts;
        events += n;
        conflicts += c;
        if (c > 0) operationsWithConflicts++;
        latencies.push(now - begun);
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => loop(w)));
  const cpu = cpuInWindow ?? process.cpuUsage(cpuAtFrom);
  const seconds = measureMs / 1000;
  latencies.sort((a, b) => a - b);
  // CPU is sampled between the first loop turn after the window opens and the first after it
  // closes (a few ms off the nominal window at most); scale it to the window's length.
  const sampledMs = windowStart !== undefined && windowEnd !== undefined ? windowEnd - windowStart : measureMs;
  const cpuUs = ((cpu.user + cpu.system) * measureMs) / Math.max(sampledMs, 1);
  return {
    events,
    seconds,
    eventsPerSec: events / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    operations: latencies.length,
    conflicts,
    operationsWithConflicts,
    clientCpuUsPerEvent: events > 0 ? cpuUs / events : NaN,
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index]!;
}

export function round(value: number, digits = 0): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Starts `issue(i)` `rate` times a second for `seconds` (i counts from 1), noticing the time in
 * 2 ms steps; resolves once every issued promise has settled.
 */
export async function atSteadyRate(rate: number, seconds: number, issue: (i: number) => Promise<unknown>): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  const end = started + seconds * 1000;
  let issued = 0;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - issued;
    for (let i = 0; i < due; i++) {
      const tracked: Promise<unknown> = issue(++issued).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(inFlight);
}

/** What a lag measurement found: appends acknowledged, how many were seen in the read model, lag and append percentiles (ms). */
export interface LagMeasure {
  readonly appended: number;
  readonly samples: number;
  readonly notSeen: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly appendP99: number;
}

/** The JSON fields of a lag case: rate asked and achieved, samples, lag and append percentiles. */
export function lagFields(lag: LagMeasure, rate: number, seconds: number) {
  return {
    targetEventsPerSec: rate,
    achievedEventsPerSec: round(lag.appended / seconds),
    seconds,
    samples: lag.samples,
    notSeen: lag.notSeen,
    lagP50Ms: round(lag.p50, 1),
    lagP99Ms: round(lag.p99, 1),
    lagMaxMs: round(lag.max, 1),
    appendP99Ms: round(lag.appendP99, 1),
  };
}
