import * as t from 'io-ts';

/**
 * One environment variable: how its text becomes a typed value (an io-ts codec from
 * `string | undefined`), and what `.env.example` says about it.
 */
export interface EnvironmentVariable<A> {
  readonly codec: t.Type<A, string | undefined, unknown>;
  readonly description: string;
  /** Shown in `.env.example`; the default when there is one. */
  readonly example?: string;
  /** Its value is never repeated in an error message. */
  readonly secret?: boolean;
}

interface VariableOptions<A> {
  readonly description: string;
  readonly default?: A;
  readonly example?: string;
  readonly secret?: boolean;
}

type Parse<A> = (text: string) => { ok: true; value: A } | { ok: false; message: string };

function variable<A>(name: string, parse: Parse<A>, options: VariableOptions<A>, required: boolean): EnvironmentVariable<A> {
  const codec = new t.Type<A, string | undefined, unknown>(
    name,
    (u): u is A => u !== undefined,
    (u, context) => {
      if (u === undefined || (typeof u === 'string' && u.trim() === '')) {
        if (options.default !== undefined) return t.success(options.default);
        return required ? t.failure(u, context, 'is required') : t.success(undefined as A);
      }
      if (typeof u !== 'string') return t.failure(u, context, 'must be text');
      const parsed = parse(u.trim());
      return parsed.ok ? t.success(parsed.value) : t.failure(u, context, parsed.message);
    },
    (a) => (a === undefined ? undefined : String(a)),
  );
  const example = options.example ?? (options.default === undefined ? undefined : String(options.default));
  return {
    codec,
    description: options.description,
    ...(example === undefined ? {} : { example }),
    ...(options.secret ? { secret: true } : {}),
  };
}

type Presence<A, O> = O extends { default: A } ? A : O extends { required: true } ? A : A | undefined;

/** Any text. Optional unless `required: true` or a default is given. */
export function envText<O extends VariableOptions<string> & { required?: boolean; minLength?: number }>(
  options: O,
): EnvironmentVariable<Presence<string, O>> {
  const minLength = options.minLength ?? 0;
  return variable<string>(
    'text',
    (text) => (text.length >= minLength ? { ok: true, value: text } : { ok: false, message: `must be at least ${minLength} characters` }),
    options,
    options.required === true,
  ) as unknown as EnvironmentVariable<Presence<string, O>>;
}

/** A whole number within bounds. */
export function envInteger<O extends VariableOptions<number> & { required?: boolean; min?: number; max?: number }>(
  options: O,
): EnvironmentVariable<Presence<number, O>> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  return variable<number>(
    'integer',
    (text) => {
      if (!/^-?\d+$/.test(text)) return { ok: false, message: 'must be a whole number' };
      const value = Number(text);
      return value < min || value > max ? { ok: false, message: `must be between ${min} and ${max}` } : { ok: true, value };
    },
    options,
    options.required === true,
  ) as unknown as EnvironmentVariable<Presence<number, O>>;
}

/** A URL whose scheme is one of `protocols` (without the colon: `postgres`, `esdb`). */
export function envUrl<O extends VariableOptions<string> & { required?: boolean; protocols: readonly string[] }>(
  options: O,
): EnvironmentVariable<Presence<string, O>> {
  return variable<string>(
    'url',
    (text) => {
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return { ok: false, message: `must be a URL (${options.protocols.map((p) => `${p}://…`).join(' or ')})` };
      }
      const scheme = url.protocol.replace(/:$/, '');
      return options.protocols.includes(scheme)
        ? { ok: true, value: text }
        : { ok: false, message: `must start with ${options.protocols.map((p) => `${p}://`).join(' or ')}` };
    },
    options,
    options.required === true,
  ) as unknown as EnvironmentVariable<Presence<string, O>>;
}

/** One of a fixed set of words. */
export function envChoice<const W extends string, O extends VariableOptions<W> & { required?: boolean }>(
  words: readonly W[],
  options: O,
): EnvironmentVariable<Presence<W, O>> {
  return variable<W>(
    words.join('|'),
    (text) =>
      (words as readonly string[]).includes(text)
        ? { ok: true, value: text as W }
        : { ok: false, message: `must be one of ${words.join(', ')}` },
    options,
    options.required === true,
  ) as unknown as EnvironmentVariable<Presence<W, O>>;
}

/** true/false (also 1/0, yes/no). */
export function envFlag<O extends VariableOptions<boolean> & { required?: boolean }>(
  options: O,
): EnvironmentVariable<Presence<boolean, O>> {
  return variable<boolean>(
    'flag',
    (text) => {
      const word = text.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(word)) return { ok: true, value: true };
      if (['false', '0', 'no', 'off'].includes(word)) return { ok: true, value: false };
      return { ok: false, message: 'must be true or false' };
    },
    options,
    options.required === true,
  ) as unknown as EnvironmentVariable<Presence<boolean, O>>;
}
