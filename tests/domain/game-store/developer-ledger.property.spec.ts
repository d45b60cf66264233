import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  developerLedgerDecider as ledger,
  developerShareOf,
  entryOf,
  type DeveloperLedgerCommand,
  type DeveloperLedgerEvent,
  type DeveloperLedgerState,
} from '../../../domain/game-store/developer-ledger.js';

const AT = new Date('2030-01-01T00:00:00.000Z');

/** Few ids, so that sequences repeat entries, credit items twice, debit what was never credited … */
const entryId = fc.constantFrom('e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7');
const orderId = fc.constantFrom('o0', 'o1', 'o2');
const productId = fc.constantFrom('p0', 'p1');
const command: fc.Arbitrary<DeveloperLedgerCommand> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({
        entryId,
        orderId,
        productId,
        saleMinor: fc.oneof(fc.bigInt({ min: 1n, max: 10_000n }), fc.bigInt({ min: 1n, max: 99_999_999_999_999n })),
        shareBasisPoints: fc.oneof(fc.constantFrom(0, 7000, 10_000), fc.integer({ min: 0, max: 10_000 })),
        currency: fc.constantFrom('RUB', 'KZT'),
      })
      .map((c) => ({ type: 'CreditSale', developerId: 'dev-1', ...c, now: AT }) as DeveloperLedgerCommand),
  },
  {
    weight: 2,
    arbitrary: fc.record({ entryId, orderId, productId, refundId: fc.constantFrom('r0', 'r1') }).map((c) => ({ type: 'DebitRefund', developerId: 'dev-1', ...c, now: AT }) as DeveloperLedgerCommand),
  },
);
/** A step: a new command, or one applied earlier sent again (a retried effect). */
const step = fc.oneof({ weight: 4, arbitrary: command.map((c) => ({ kind: 'new' as const, command: c })) }, { weight: 1, arbitrary: fc.nat().map((n) => ({ kind: 'repeat' as const, index: n })) });

interface Run {
  readonly states: DeveloperLedgerState[];
  readonly events: DeveloperLedgerEvent[];
  readonly applied: DeveloperLedgerCommand[];
}

function run(steps: readonly ({ kind: 'new'; command: DeveloperLedgerCommand } | { kind: 'repeat'; index: number })[], from: DeveloperLedgerState = ledger.initialState): Run {
  let state = from;
  const states = [state];
  const events: DeveloperLedgerEvent[] = [];
  const applied: DeveloperLedgerCommand[] = [];
  for (const s of steps) {
    const c = s.kind === 'new' ? s.command : applied[s.index % Math.max(applied.length, 1)];
    if (!c) continue;
    const decided = ledger.decide(c, state);
    if (decided._tag === 'Left') continue;
    if (s.kind === 'repeat') assert.deepEqual(decided.right, [], 'a command applied before records nothing new');
    if (decided.right.length > 0) applied.push(c);
    for (const e of decided.right) {
      events.push(e);
      state = ledger.evolve(state, e);
      states.push(state);
    }
  }
  return { states, events, applied };
}

/** Σ credits − Σ debits per currency, from the recorded events alone. */
function sums(events: readonly DeveloperLedgerEvent[]): Map<string, bigint> {
  const total = new Map<string, bigint>();
  for (const e of events) total.set(e.data.currency, (total.get(e.data.currency) ?? 0n) + (e.type === 'DeveloperCredited' ? 1n : -1n) * BigInt(e.data.amountMinor));
  return total;
}

describe('game store: the developer ledger, for any sequence of credits, debits and repeats (property)', () => {
  it('given any sequence, then the balance is the sum of the recorded entries, never negative, and each event’s balanceAfterMinor is the running sum', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const { states, events } = run(steps);
        const final = states[states.length - 1]!;
        const running = new Map<string, bigint>();
        for (const e of events) {
          const signed = (e.type === 'DeveloperCredited' ? 1n : -1n) * BigInt(e.data.amountMinor);
          running.set(e.data.currency, (running.get(e.data.currency) ?? 0n) + signed);
          assert.equal(e.data.balanceAfterMinor, running.get(e.data.currency)!.toString(), 'balanceAfterMinor is the running sum');
          assert.ok(BigInt(e.data.balanceAfterMinor) >= 0n, 'never negative');
        }
        assert.deepEqual(new Map([...final.balances].filter(([, v]) => v !== 0n)), new Map([...sums(events)].filter(([, v]) => v !== 0n)));
        for (const balance of final.balances.values()) assert.ok(balance >= 0n);
      }),
      { numRuns: 500 },
    );
  });

  it('given any sequence, then each item is credited at most once with floor(sale × share), debited at most once by exactly its credit, and only after it; entry ids are never reused', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const { events } = run(steps);
        const credits = new Map<string, Extract<DeveloperLedgerEvent, { type: 'DeveloperCredited' }>>();
        const debits = new Set<string>();
        const ids = new Set<string>();
        for (const e of events) {
          assert.ok(!ids.has(e.data.entryId), `entry ${e.data.entryId} recorded twice`);
          ids.add(e.data.entryId);
          const item = `${e.data.orderId}/${e.data.productId}`;
          if (e.type === 'DeveloperCredited') {
            assert.ok(!credits.has(item), `${item} credited twice`);
            assert.equal(e.data.amountMinor, developerShareOf(BigInt(e.data.saleMinor), e.data.shareBasisPoints).toString());
            credits.set(item, e);
          } else {
            const credit = credits.get(item);
            assert.ok(credit, `${item} debited without a credit`);
            assert.ok(!debits.has(item), `${item} debited twice`);
            assert.equal(e.data.amountMinor, credit.data.amountMinor);
            assert.equal(e.data.currency, credit.data.currency);
            debits.add(item);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('given any history, when another sequence is decided from one of its earlier states (a batch decided again after a conflict), then the history’s states answer as before', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.array(step, { maxLength: 40 }), fc.nat(), (first, second, at) => {
        const original = run(first);
        const final = original.states[original.states.length - 1]!;
        const before = { balances: [...final.balances], entries: original.events.map((e) => entryOf(final, e.data.entryId)) };
        const branchPoint = original.states[at % original.states.length]!;
        const branch = run(second, branchPoint);
        assert.deepEqual([...final.balances], before.balances);
        assert.deepEqual(original.events.map((e) => entryOf(final, e.data.entryId)), before.entries);
        // the branch sees the history up to its branch point and its own entries, and balances as their sum
        const branchFinal = branch.states[branch.states.length - 1]!;
        const seen = [...original.events.slice(0, original.states.indexOf(branchPoint)), ...branch.events];
        for (const e of seen) assert.deepEqual(entryOf(branchFinal, e.data.entryId), e);
        assert.deepEqual(new Map([...branchFinal.balances].filter(([, v]) => v !== 0n)), new Map([...sums(seen)].filter(([, v]) => v !== 0n)));
      }),
      { numRuns: 300 },
    );
  });
});
