import type { AppConfig } from '../config/app-config.js';
import type { Database } from '../database/database.js';
import type { Migrations } from '../database/migrations.js';
import type { EventStore, Position } from '../eventstore/event-store.js';
import type { Route } from '../http/route.js';
import type { Logger } from '../observability/logger.js';
import type { AnyProjection } from '../../projections/projection.js';
import type { AnyPublishedStream } from '../../projections/published-streams/published-stream.js';
import type { Clock } from '../../platform/clock.js';
import type { EffectPerformer } from '../../sagas/effect-kind.js';
import type { Saga } from '../../sagas/saga.js';
import type { TimerFiring } from '../../sagas/timer-kind.js';

/** A role a context declares: admins grant it (`POST /api/admin/users/:id/roles`), routes require it. */
export interface RoleDeclaration {
  readonly name: string;
  readonly description: string;
  /** Whether an admin may grant and revoke it (false for `user`, which everyone has). */
  readonly grantable?: boolean;
}

/** Every role the running contexts declare; filled once all modules are built. */
export interface RoleRegistry {
  has(name: string): boolean;
  grantable(name: string): boolean;
  list(): readonly RoleDeclaration[];
}

/** What every business context is given by the composition root. */
export interface SystemDependencies {
  readonly database: Database;
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** HS256 key of access tokens (to sign them; the HTTP edge verifies them). */
  readonly jwtSecret: string;
  readonly accessTokenTtlSeconds: number;
  readonly dataDir: string;
  /** Where this API is reached on this machine (`http://127.0.0.1:<bound port>`; a worker: the configured PORT). */
  readonly localBaseUrl: string;
  /** The whole validated configuration (each context reads its own section). */
  readonly config: AppConfig;
  /** Data subjects' keys (crypto-shredding): forgetting a subject destroys its key, so its personal fields read as forgotten. */
  readonly personalData: { forget(subject: string, by: string): Promise<boolean> };
  /** The roles every context declares (read it at request time: it is complete once all modules are built). */
  readonly roles: RoleRegistry;
  /** Aborted when the process starts shutting down: live connections (Server-Sent Events) end on it. */
  readonly shutdown: AbortSignal;
  /** Read-your-writes: wait until a projection has applied the log up to `position`. */
  waitForProjection(projection: string, position: Position, timeoutMs?: number): Promise<boolean>;
}

/**
 * One business context (ticketing, accounts, gateway …) as the composition root wires it:
 * its tables, its projections, its sagas, the effects and timers it handles, its routes.
 */
export interface ContextModule {
  readonly name: string;
  /** The roles this context's routes require (granted by admins through accounts). */
  readonly roles?: readonly RoleDeclaration[];
  readonly migrations?: readonly Migrations[];
  readonly projections?: readonly AnyProjection[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly sagas?: readonly Saga<any, any, any>[];
  /** The declared effect kinds this context performs (`performs(kind, handler)`; kinds named `<context>.<what>`). */
  readonly effects?: readonly EffectPerformer[];
  /** The declared timer kinds this context handles (`fires(kind, handler)`; saga timers are wired automatically). */
  readonly timers?: readonly TimerFiring[];
  readonly routes?: readonly Route[];
  /** The streams it publishes for other services (`definePublishedStream`), read at `GET /streams/{name}`. */
  readonly publishedStreams?: readonly AnyPublishedStream[];
  /** Started with the workers (after migrations), stopped before them. */
  readonly start?: () => Promise<void>;
  readonly stop?: () => Promise<void>;
}

export type ContextFactory = (dependencies: SystemDependencies) => ContextModule | Promise<ContextModule>;

/** A part of a context (a flow, its read side …), each in its own file. */
export type ContextPart = Pick<ContextModule, 'migrations' | 'projections' | 'sagas' | 'effects' | 'timers' | 'routes' | 'publishedStreams' | 'start' | 'stop'>;

/** A context's parts as one module's lists; parts start in order and stop in reverse. */
export function mergeContextParts(parts: readonly ContextPart[]): ContextPart {
  const all = <K extends 'migrations' | 'projections' | 'sagas' | 'effects' | 'timers' | 'routes' | 'publishedStreams'>(key: K) =>
    parts.flatMap((part) => (part[key] ?? []) as NonNullable<ContextPart[K]>[number][]);
  return {
    migrations: all('migrations'),
    projections: all('projections'),
    sagas: all('sagas'),
    effects: all('effects'),
    timers: all('timers'),
    routes: all('routes'),
    publishedStreams: all('publishedStreams'),
    start: async () => {
      for (const part of parts) await part.start?.();
    },
    stop: async () => {
      for (const part of [...parts].reverse()) await part.stop?.();
    },
  };
}
