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
 * `{ err }` keep their stack.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name ? { name: options.name } : {}),
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
