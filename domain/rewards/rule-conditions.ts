/**
 * Conditions of a reward rule (issue 14 item 2), in json-rules-engine's JSON format, evaluated
 * synchronously and deterministically: no clock, no I/O, no randomness, never a throw. The
 * facts are a plain snapshot (RewardFacts) passed in. json-rules-engine itself cannot run here:
 * its `engine.run()` is a Promise (DOMAIN-FACTS part B §5), and a decider cannot wait.
 *
 * ```json
 * { "all": [ { "fact": "context", "path": "$.level", "operator": "equal", "value": 1 },
 *            { "any": [ { "fact": "subject", "path": "$.tier", "operator": "in", "value": ["vip", "pro"] },
 *                       { "not": { "fact": "context", "path": "$.total_quests_completed", "operator": "lessThan", "value": 10 } } ] },
 *            { "fact": "context", "path": "$.amount_minor", "operator": "greaterThanInclusive", "value": { "fact": "context", "path": "$.threshold_minor" } } ] }
 * ```
 *
 * Where it differs from json-rules-engine (on purpose, and the same everywhere):
 * - numbers and decimal strings are compared exactly, as decimals (`"10"` equals `10`, and
 *   `"12345678901234567890" > "12345678901234567889"`): amounts travel as decimal strings, and a
 *   float would round them (two strings are equal only as the same text: `"007"` is not `"7"`);
 * - a fact or path that is missing makes its condition false, whatever the operator
 *   (json-rules-engine throws, or passes `undefined` on with `allowUndefinedFacts`) — so
 *   `not` of it is true; this is how "absent" is written;
 * - no decorators (`not:equal`, `someFact` …), no `{condition: name}` references, no custom
 *   operators: the validator (rule-document.ts) refuses them by path.
 */

export const OPERATORS = ['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface FactReference {
  readonly fact: string;
  readonly path?: string;
}

export interface Comparison extends FactReference {
  readonly operator: Operator;
  readonly value: unknown;
}

export type Condition = { readonly all: readonly Condition[] } | { readonly any: readonly Condition[] } | { readonly not: Condition } | Comparison;

/** A JSONPath of the supported subset: `$`, then `.name` or `[index]` steps (`$.a.b`, `$.list[0].id`). */
const PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d{1,6}\])*$/;
const STEP = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d{1,6})\]/g;

export const isSupportedPath = (path: string): boolean => PATH.test(path);

const MISSING: unique symbol = Symbol('missing');
type Resolved = unknown | typeof MISSING;

const own = (value: unknown, key: string): Resolved =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : MISSING;

/** The value at `path` inside `value` (own properties and array indexes only), or MISSING. */
function atPath(value: unknown, path: string | undefined): Resolved {
  if (path === undefined || path === '$') return value === undefined ? MISSING : value;
  if (!PATH.test(path)) return MISSING;
  let current: unknown = value;
  for (const step of path.slice(1).matchAll(STEP)) {
    if (step[1] !== undefined) {
      const next = own(current, step[1]);
      if (next === MISSING) return MISSING;
      current = next;
    } else {
      const index = Number(step[2]);
      if (!Array.isArray(current) || index >= current.length) return MISSING;
      current = current[index];
    }
    if (current === undefined) return MISSING;
  }
  return current;
}

/** The value a fact reference names in the facts, or MISSING. */
export function resolveFact(facts: Readonly<Record<string, unknown>>, reference: FactReference): Resolved {
  const fact = own(facts, reference.fact);
  return fact === MISSING ? MISSING : atPath(fact, reference.path);
}

export const isMissing = (value: Resolved): value is typeof MISSING => value === MISSING;

/* ---------- exact decimals ---------- */

/** A decimal as `digits × 10^-scale`, exactly. */
export interface Decimal {
  readonly digits: bigint;
  readonly scale: number;
}

const DECIMAL = /^-?\d{1,40}(?:\.\d{1,40})?$/;

/** A number or decimal string as an exact decimal; undefined when it is neither (or NaN, ±Infinity, an exponent form). */
export function decimalOf(value: unknown): Decimal | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = Number.isInteger(value) ? BigInt(value).toString() : String(value);
  } else if (typeof value === 'string') text = value;
  else return undefined;
  if (!DECIMAL.test(text)) return undefined;
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.') as [string, string?];
  const digits = BigInt(whole + fraction);
  return { digits: negative ? -digits : digits, scale: fraction.length };
}

const TEN = 10n;
/** -1, 0 or 1. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.digits * TEN ** BigInt(scale - a.scale);
  const y = b.digits * TEN ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** JSON equality; a number equals a number or decimal string of the same value (two strings compare as text: ids like "007"). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') {
    const x = decimalOf(a);
    const y = decimalOf(b);
    return x !== undefined && y !== undefined && compareDecimals(x, y) === 0;
  }
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

function ordered(a: unknown, b: unknown, test: (order: number) => boolean): boolean {
  const x = decimalOf(a);
  const y = decimalOf(b);
  return x !== undefined && y !== undefined && test(compareDecimals(x, y));
}

function apply(operator: Operator, fact: unknown, value: unknown): boolean {
  switch (operator) {
    case 'equal':
      return same(fact, value);
    case 'notEqual':
      return !same(fact, value);
    case 'in':
      return Array.isArray(value) && value.some((v) => same(fact, v));
    case 'notIn':
      return Array.isArray(value) && !value.some((v) => same(fact, v));
    case 'contains':
      return Array.isArray(fact) && fact.some((v) => same(v, value));
    case 'doesNotContain':
      return Array.isArray(fact) && !fact.some((v) => same(v, value));
    case 'lessThan':
      return ordered(fact, value, (o) => o < 0);
    case 'lessThanInclusive':
      return ordered(fact, value, (o) => o <= 0);
    case 'greaterThan':
      return ordered(fact, value, (o) => o > 0);
    case 'greaterThanInclusive':
      return ordered(fact, value, (o) => o >= 0);
    default:
      return false;
  }
}

/** `{fact, path?}` and nothing else: a value that names another fact (json-rules-engine's form). */
export const isFactReference = (value: unknown): value is FactReference =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  typeof (value as { fact?: unknown }).fact === 'string' &&
  Object.keys(value).every((k) => k === 'fact' || k === 'path') &&
  ((value as { path?: unknown }).path === undefined || typeof (value as { path?: unknown }).path === 'string');

/** Deepest nesting evaluated; a deeper (unvalidated) condition is false. */
const MAX_DEPTH = 32;

/**
 * Whether `condition` holds for `facts`. Total: anything malformed (an unknown operator, a
 * non-array `all`, a too-deep tree) is false rather than an exception.
 */
export function conditionHolds(condition: unknown, facts: Readonly<Record<string, unknown>>, depth = 0): boolean {
  if (depth > MAX_DEPTH || typeof condition !== 'object' || condition === null || Array.isArray(condition)) return false;
  const c = condition as Record<string, unknown>;
  if ('all' in c) return Array.isArray(c.all) && c.all.every((inner) => conditionHolds(inner, facts, depth + 1));
  if ('any' in c) return Array.isArray(c.any) && c.any.some((inner) => conditionHolds(inner, facts, depth + 1));
  if ('not' in c) return typeof c.not === 'object' && c.not !== null && !conditionHolds(c.not, facts, depth + 1);
  if (typeof c.fact !== 'string' || typeof c.operator !== 'string' || !(OPERATORS as readonly string[]).includes(c.operator)) return false;
  if (c.path !== undefined && typeof c.path !== 'string') return false;
  const fact = resolveFact(facts, { fact: c.fact, ...(typeof c.path === 'string' ? { path: c.path } : {}) });
  if (fact === MISSING) return false;
  const value = isFactReference(c.value) ? resolveFact(facts, c.value) : c.value;
  if (value === MISSING || value === undefined) return false;
  return apply(c.operator as Operator, fact, value);
}
