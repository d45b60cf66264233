import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values never reach a log line, at any of the first three levels of nesting. */
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'clientSecret',
  'mnemonic',
  'cvc',
  'privateKey',
];

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

/**
 * Fields a database error may carry that repeat the statement's values: the parameters (PGlite
 * adds `params` and `queryOptions`; kysely-style errors a `query` with `parameters`), the
 * PL/pgSQL context (`where`, which quotes the statement) and the internal query. They never
 * reach a line.
 */
const DROPPED_ERROR_FIELDS = new Set(['params', 'parameters', 'queryOptions', 'values', 'bindings', 'where', 'internalQuery', 'internalPosition']);

/**
 * Values that look like secrets or personal data wherever they appear in an error's text
 * (message, stack, detail, hint, the SQL): argon2 PHC strings, e-mail addresses, JWTs,
 * ticket codes (26 base-32 symbols) and 256-bit base64url strings (43 symbols: client
 * secrets, refresh tokens' random part).
 */
const SECRET_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/\$argon2(?:id|i|d)\$[A-Za-z0-9$=,+/.-]*/g, '[redacted hash]'],
  [/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted token]'],
  [/[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, '[redacted e-mail]'],
  [/\b[ABCDEFGHJKMNPQRSTVWXYZ0-9]{26}\b/gi, '[redacted code]'],
  [/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g, '[redacted]'],
];

/** Text with every secret-looking value replaced. */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}

/**
 * A PostgreSQL detail names the key and quotes its values (`Key (email)=(ann@…) already
 * exists.`, `Failing row contains (…)`): the column names stay, the values go.
 */
function redactDetail(detail: string): string {
  const key = /^Key \((.*?)\)=\(.*\)(.*)$/s.exec(detail);
  if (key) return `Key (${key[1]})=([redacted])${scrubSecrets(key[2]!)}`;
  if (/^Failing row contains/.test(detail)) return 'Failing row contains ([redacted])';
  return scrubSecrets(detail);
}

function sanitized(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object' || depth > 4) return typeof value === 'object' && value !== null ? '[nested]' : value;
  if (Array.isArray(value)) return value.map((item) => sanitized(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (DROPPED_ERROR_FIELDS.has(key)) continue;
    if (key === 'detail' && typeof field === 'string') copy[key] = redactDetail(field);
    // a compiled query (kysely) keeps its SQL text, which holds placeholders, not values
    else if (key === 'query' && field !== null && typeof field === 'object') copy[key] = sanitized((field as { sql?: unknown }).sql, depth + 1);
    else copy[key] = sanitized(field, depth + 1);
  }
  return copy;
}

/**
 * pino's error serializer (type, message and stack with their causes, own fields), then the
 * statement's values taken out: a failed INSERT of an account must not put its e-mail or
 * password hash into the log however the driver words the error.
 */
export function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error);
  if (serialized === null || typeof serialized !== 'object') return typeof serialized === 'string' ? scrubSecrets(serialized) : serialized;
  return sanitized(serialized, 0);
}

export interface LoggerOptions {
  readonly level?: LevelWithSilent;
  /** Process name shown in every line (`api`, `worker` …). */
  readonly name?: string;
  /** Where lines go (stdout by default); tests pass a stream that collects them. */
  readonly destination?: DestinationStream;
}

/**
 * The process's structured JSON logger. Authorization headers and secret-looking fields
 * (password, token, secret, mnemonic, cvc …) are replaced by `[redacted]`; errors logged as
 * `{ err }` keep their type, code, message and stack, but never a statement's parameters and
 * never a hash, e-mail or token in their text (`serializeError`).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
      hooks: {
        // `log.error(error)` makes the error's message the line's msg: scrub it like the error
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (first instanceof Error && rest.length === 0) return method.call(this, first, scrubSecrets(first.message));
          return method.apply(this, args);
        },
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
