/** What the on-sale bench's processes say to each other over their IPC channel (bench/onsale.ts). */

/** Which server: ours (batched seller), the naive baseline (optimistic retry), or the CRUD peer. */
export type ServerVariant = 'batched' | 'optimistic' | 'crud';

export interface ServerStart {
  readonly role: 'all' | 'api' | 'worker';
  readonly variant: ServerVariant;
  readonly secret: string;
  /** The PostgreSQL server and the schema every process of one run shares; absent: an in-memory PGlite of this process. */
  readonly url?: string;
  readonly schema: string;
  /** Count statements by their text too (`--profile`; PostgreSQL server only). */
  readonly profile?: boolean;
}

/** Asked of a server process; each answer is `{ id, … }` with the asking id. */
export type ServerAsk =
  | { readonly id: number; readonly ask: 'statements' }
  /** CPU time this process has used since it started (user + system), ms. */
  | { readonly id: number; readonly ask: 'cpu' }
  /** Has the asynchronous work of the sales settled (projections at the head, no pending effect)? Workers only. */
  | { readonly id: number; readonly ask: 'settled' }
  /** Seats sold of a ticket type, from the source of truth (inventory stream / CRUD row and tickets). */
  | { readonly id: number; readonly ask: 'sold'; readonly ticketTypeId: string }
  | { readonly id: number; readonly ask: 'stop' };

export interface LoadPlan {
  readonly urls: readonly string[];
  readonly secret: string;
  readonly buyers: number;
}

/** Run one rush (the warm-up, then the measured one) of the plan's buyers. */
export interface LoadGo {
  readonly go: true;
  /** Path of the purchase, e.g. `/api/events/<id>/tickets`. */
  readonly path: string;
  readonly body: unknown;
  readonly seconds: number;
  /** Close the buyers' connections first: every buyer opens a new one at the go (`--connections=cold`). */
  readonly coldConnections?: boolean;
}

export interface LoadOutcome {
  /** From the start of the rush to the last purchase answered 201. */
  readonly seconds: number;
  /** ms of each purchase answered 201. */
  readonly purchased: number[];
  /** ms of each 409 sold-out answer (one per buyer: a buyer stops at its first). */
  readonly soldOut: number[];
  readonly busy429: number;
  readonly errors: number;
  readonly firstError?: string;
  /** CPU time the load process used during the rush (user + system), ms. */
  readonly cpuMs: number;
}
