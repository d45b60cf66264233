/**
 * What text and which shapes the edge lets in, decided once for every route (path parameters,
 * query values, JSON bodies — keys and values alike), so that nothing a database, a log or a
 * fingerprint cannot hold gets past the edge:
 *
 * - no U+0000 (PostgreSQL's `text` and `jsonb` cannot store it);
 * - no lone UTF-16 surrogate (U+D800…U+DFFF without its pair: it has no UTF-8 form; `jsonb`
 *   refuses its escape, `text` would silently store U+FFFD instead);
 * - a JSON body nests at most `MAX_JSON_DEPTH` levels of objects and arrays (walking a deeper
 *   one recursively — fingerprinting it for an Idempotency-Key — would overflow the stack).
 *
 * Every other character is allowed; a field's own codec narrows it further.
 */
export const MAX_JSON_DEPTH = 32;

/** The first thing at fault in `value`, by its path (`items.0.title`), or undefined. */
export interface TextFault {
  readonly field: string;
  readonly message: string;
}

const NUL_OR_LONE_SURROGATE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` is not allowed, or undefined when it is. */
export function textProblem(text: string): string | undefined {
  const match = NUL_OR_LONE_SURROGATE.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000'
    ? 'must not contain the NUL character (U+0000)'
    : 'must be valid Unicode text (it holds a lone UTF-16 surrogate)';
}

/**
 * Walk a parsed JSON value (or a record of strings) without recursion: the first string or
 * key that `textProblem` refuses, or the first place deeper than `maxDepth`.
 */
export function inputFault(value: unknown, root: string, maxDepth = MAX_JSON_DEPTH): TextFault | undefined {
  const stack: { readonly value: unknown; readonly path: string; readonly depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const field = item.path === '' ? root : item.path;
    if (typeof item.value === 'string') {
      const problem = textProblem(item.value);
      if (problem) return { field, message: problem };
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= maxDepth) return { field, message: `nests deeper than ${maxDepth} levels of objects and arrays` };
    const entries = Array.isArray(item.value) ? item.value.map((v, i) => [String(i), v] as const) : Object.entries(item.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      const path = item.path === '' ? key : `${item.path}.${key}`;
      const keyProblem = textProblem(key);
      if (keyProblem) return { field: item.path === '' ? root : item.path, message: `has a key that ${keyProblem}` };
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return undefined;
}
