import { defineConfigSection, readConfigSections, type ConfigOf, type ConfigSections, type Environment } from './config-section.js';
import { envChoice, envInteger, envText, envUrl } from './environment-variables.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const serverConfigSection = defineConfigSection({
  title: 'HTTP server',
  variables: {
    PORT: envInteger({ description: 'Port the HTTP API listens on', default: 3000, min: 0, max: 65535 }),
    HOST: envText({
      description: 'Address the HTTP API listens on: 127.0.0.1 (this machine only) by default; 0.0.0.0 (or ::) in a container or behind a proxy',
      default: '127.0.0.1',
      minLength: 1,
    }),
    HTTP_BODY_LIMIT_BYTES: envInteger({ description: 'Largest accepted request body; larger ones get 413 (a larger declared Content-Length at once)', default: 1_048_576, min: 1024 }),
    HTTP_HEADERS_TIMEOUT_MS: envInteger({ description: 'A request whose headers have not all arrived by then is cut with 408', default: 10_000, min: 100, max: 600_000 }),
    HTTP_REQUEST_TIMEOUT_MS: envInteger({ description: 'A request (headers and body) that has not fully arrived by then is cut with 408', default: 30_000, min: 100, max: 3_600_000 }),
    HTTP_BODY_MIN_BYTES_PER_SECOND: envInteger({
      description: 'A body trickled slower than this on average (after HTTP_SLOW_BODY_GRACE_MS) is cut with 408; 0 turns the check off',
      default: 1024,
      min: 0,
    }),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: envInteger({
      description: 'How long an idle keep-alive connection stays open; behind a load balancer, longer than its idle timeout (60 s on the usual ones)',
      default: 65_000,
      min: 1000,
      max: 600_000,
    }),
    HTTP_SLOW_BODY_GRACE_MS: envInteger({ description: 'How long a body may arrive at any pace before HTTP_BODY_MIN_BYTES_PER_SECOND applies', default: 5_000, min: 100, max: 600_000 }),
    METRICS_TOKEN: envText({
      description: 'Bearer token GET /metrics requires (Authorization: Bearer <token>); absent: /metrics answers only callers on this machine (loopback)',
      minLength: 16,
      secret: true,
      example: 'a-long-random-scrape-token',
    }),
    IDEMPOTENCY_KEY_RETENTION_HOURS: envInteger({ description: 'How long a stored Idempotency-Key answer is kept for replay; older ones are pruned', default: 24, min: 1, max: 24 * 90 }),
    SHUTDOWN_GRACE_MS: envInteger({ description: 'How long a graceful shutdown waits for in-flight requests and work', default: 10_000, min: 0 }),
    TRUSTED_PROXIES: envText({
      description:
        'Proxies whose X-Forwarded-For is believed (express "trust proxy": addresses or CIDR ranges, comma-separated, e.g. 10.0.0.0/8). Absent: the socket address is the client — what rate limits and webhook source checks see',
    }),
  },
  build: (v) => ({
    port: v.PORT,
    trustedProxies: v.TRUSTED_PROXIES?.split(',').map((s) => s.trim()).filter((s) => s !== '') ?? [],
    idempotencyRetentionMs: v.IDEMPOTENCY_KEY_RETENTION_HOURS * 3_600_000,
    host: v.HOST,
    bodyLimitBytes: v.HTTP_BODY_LIMIT_BYTES,
    timeouts: {
      headersTimeoutMs: v.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: v.HTTP_REQUEST_TIMEOUT_MS,
      minBodyBytesPerSecond: v.HTTP_BODY_MIN_BYTES_PER_SECOND,
      slowBodyGraceMs: v.HTTP_SLOW_BODY_GRACE_MS,
      keepAliveTimeoutMs: v.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    metricsToken: v.METRICS_TOKEN,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
  }),
});

export const storageConfigSection = defineConfigSection({
  title: 'Storage',
  variables: {
    DATA_DIR: envText({ description: 'Directory of the embedded database (DATA_DIR/pglite) and generated secrets', default: './data' }),
    DATABASE_URL: envUrl({
      description: 'PostgreSQL server for read models, sagas and the event log; absent: embedded PGlite in DATA_DIR/pglite',
      protocols: ['postgres', 'postgresql'],
      secret: true,
      example: 'postgres://ledgerline:secret@localhost:5432/ledgerline',
    }),
    DATABASE_POOL_SIZE: envInteger({ description: 'Connections to the PostgreSQL server per process', default: 10, min: 1, max: 500 }),
    EVENTSTORE_URL: envUrl({
      description: 'EventStoreDB connection string; absent: the event log lives in the PostgreSQL database',
      protocols: ['esdb', 'esdb+discover'],
      secret: true,
      example: 'esdb://localhost:2113?tls=false',
    }),
  },
  build: (v) => ({
    dataDir: v.DATA_DIR,
    databaseUrl: v.DATABASE_URL,
    databasePoolSize: v.DATABASE_POOL_SIZE,
    /** Where PGlite keeps its files when there is no DATABASE_URL. */
    pgliteDir: `${v.DATA_DIR.replace(/\/+$/, '')}/pglite`,
    eventStoreUrl: v.EVENTSTORE_URL,
  }),
});

export const authConfigSection = defineConfigSection({
  title: 'Access tokens',
  variables: {
    JWT_SECRET: envText({
      description:
        'HS256 key of access tokens, at least 32 characters. Required with DATABASE_URL (every instance must share it); ' +
        'absent in embedded mode: generated once into DATA_DIR/jwt-secret',
      minLength: 32,
      secret: true,
      example: 'change-me-to-at-least-32-random-characters',
    }),
    DATABASE_URL: envText({ description: 'see Storage', secret: true }),
    JWT_ACCESS_TTL_SECONDS: envInteger({ description: 'Lifetime of an access token', default: 900, min: 30, max: 86_400 }),
  },
  check: (v) =>
    v.DATABASE_URL !== undefined && v.JWT_SECRET === undefined
      ? [{ variable: 'JWT_SECRET', message: 'is required when DATABASE_URL is set (every instance must share one key)' }]
      : [],
  build: (v) => ({ jwtSecret: v.JWT_SECRET, accessTokenTtlSeconds: v.JWT_ACCESS_TTL_SECONDS }),
});

export const loggingConfigSection = defineConfigSection({
  title: 'Logging',
  variables: {
    LOG_LEVEL: envChoice(LOG_LEVELS, { description: `Lowest level written (${LOG_LEVELS.join(', ')})`, default: 'info' }),
  },
  build: (v) => ({ level: v.LOG_LEVEL as LogLevel }),
});

export const projectionConfigSection = defineConfigSection({
  title: 'Projections',
  variables: {
    PROJECTION_POLL_MS: envInteger({ description: 'How often a projection looks for new events when not notified', default: 500, min: 10, max: 60_000 }),
  },
  build: (v) => ({ pollMs: v.PROJECTION_POLL_MS }),
});

export const streamsConfigSection = defineConfigSection({
  title: 'Published streams',
  variables: {
    STREAM_HEARTBEAT_SECONDS: envInteger({
      description: 'A live published stream (GET /streams/{name}, text/event-stream) sends a heartbeat comment after this long without a message',
      default: 15,
      min: 1,
      max: 300,
    }),
  },
  build: (v) => ({ heartbeatMs: v.STREAM_HEARTBEAT_SECONDS * 1000 }),
});

/** The sections every Ledgerline process reads. Modules add theirs: `{ ...platformConfigSections, ton: tonConfigSection }`. */
export const platformConfigSections = {
  server: serverConfigSection,
  storage: storageConfigSection,
  auth: authConfigSection,
  logging: loggingConfigSection,
  projections: projectionConfigSection,
  streams: streamsConfigSection,
} satisfies ConfigSections;

export type PlatformConfig = ConfigOf<typeof platformConfigSections>;

/**
 * Typed configuration from environment variables; throws ConfigError naming every bad variable.
 * With no `sections` the platform's; pass a spread of them plus a module's own to extend.
 */
export function loadConfig(env: Environment): PlatformConfig;
export function loadConfig<S extends ConfigSections>(env: Environment, sections: S): ConfigOf<S>;
export function loadConfig(env: Environment, sections: ConfigSections = platformConfigSections): unknown {
  return readConfigSections(env, sections);
}
