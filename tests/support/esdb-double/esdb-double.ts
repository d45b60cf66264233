/**
 * A protocol double of EventStoreDB for tests (never shipped as a product store).
 *
 * A gRPC server built with @grpc/grpc-js on the service definitions that @eventstore/db-client
 * itself ships (`generated/streams_grpc_pb.js`, `generated/serverfeatures_grpc_pb.js`) and their
 * messages (`generated/*_pb.js`), so the real client talks to it over
 * `esdb://127.0.0.1:PORT?tls=false`. Events are kept in memory, one process.
 *
 * What the client calls (read from node_modules/@eventstore/db-client/dist, client 6.2.1):
 * - On connect with a single host (`esdb://host:port`, no `+discover`, one host) the client does
 *   NOT call Gossip: `Client.resolveUri` uses the endpoint as is (dist/Client/index.js);
 *   Gossip.Read is only used for `esdb+discover://` or several hosts (dist/Client/discovery.js).
 *   So Gossip is not served here.
 * - ServerFeatures.GetSupportedMethods is called lazily the first time a command asks
 *   `client.supports(...)` (dist/Client/ServerFeatures.js); `appendToStream` asks whether
 *   Streams.BatchAppend is supported (dist/streams/appendToStream/index.js). The double answers
 *   with Streams.Read, Append, Delete and Tombstone but not BatchAppend (as a 20.x server
 *   without BatchAppend would), so the client uses the client-streaming Streams.Append
 *   (dist/streams/appendToStream/append.js).
 *   Proto: serverfeatures.proto in EventStore/EventStore (src/Protos/Grpc/serverfeatures.proto).
 *
 * Streams.Append (proto: streams.proto `AppendReq` / `AppendResp`; semantics:
 * developers.eventstore.com "Appending events" — expected revision / optimistic concurrency,
 * and "Idempotence"):
 * - Expected revision any / no_stream / stream_exists / a revision number. On conflict the
 *   response (not a gRPC error) carries `wrong_expected_version` with `current_revision` (or
 *   `current_no_stream`) and the expected option echoed back (`expected_revision`,
 *   `expected_no_stream`, `expected_stream_exists`, `expected_any`), as the server sends it.
 * - Idempotent re-append by event id: when the proposed events' ids are the events that already
 *   follow the expected revision (for no_stream / a number) or, for any / stream_exists, the
 *   first id is in the stream and the following ids match in sequence, nothing is written and
 *   the success response names the revision (and position) of the last of those events. A
 *   partial match is refused as a wrong expected version (the double's choice; the server's
 *   answer there depends on its idempotency cache).
 * - Success carries `current_revision` and `position` (commit, prepare).
 *
 * Positions in `$all` (developers.eventstore.com "Reading events" — reading from $all,
 * positions are (commit, prepare) pairs in the transaction log):
 * - Every event gets a growing log ("prepare") position; all the events of one append share a
 *   commit position, the prepare position of the last event of that append (the implicit commit
 *   written after the prepares), so the last event of an append has commit == prepare and the
 *   append's position equals that event's position. Sizes in the log are not modelled (positions
 *   step by a fixed amount), so they are ordered like a server's, not equal to them.
 * - `$all` order is commit then prepare; appends are applied one at a time (Node is
 *   single-threaded and an append is applied only once its request stream ends), so an event is
 *   readable in `$all` as soon as its append is acknowledged, as on a single node.
 * - System events: the double starts with a few `$`-prefixed events in `$`-prefixed streams in
 *   `$all` (as a fresh node has, e.g. `$UserCreated` in `$user-admin`, `$metadata` events), and
 *   `appendSystemEvent` adds more; readers must skip them as on a real server.
 *
 * Streams.Read (proto: streams.proto `ReadReq` / `ReadResp`; developers.eventstore.com
 * "Reading events"):
 * - A stream forwards or backwards, from start / end / a revision, up to `count` events;
 *   a missing or soft-deleted stream answers `stream_not_found` (the client raises
 *   StreamNotFoundError); a tombstoned one fails with the server's StreamDeleted error (below).
 *   Reading forwards from revision r includes r; backwards from r includes r.
 * - `$all` forwards from start / a position (the event at the position included) or backwards
 *   from end / a position (events before the position), up to `count` events; positions are
 *   found by binary search, not by scanning `$all`.
 * - The client sends `no_filter` on reads; a `filter` on a read (not a subscription) is applied
 *   server-side by stream-name prefix / event-type prefix or regex, without checkpoints.
 *
 * Catch-up subscriptions (Streams.Read with `subscription` options; developers.eventstore.com
 * "Catch-up subscriptions"; client side: dist/streams/subscribeToAll.js, subscribeToStream.js,
 * dist/streams/utils/Subscription.js):
 * - First a `confirmation` with a subscription id (a fresh UUID), then the catch-up, then
 *   `caught_up` once (in client 6.2.1's proto, which emits "caughtUp" on it; older servers do
 *   not send it), then live.
 * - `$all` from start / from a position — the events strictly AFTER it: a subscription never
 *   re-delivers its starting point, unlike a read from the same position — / from end (nothing
 *   old). A stream from start / after a revision (fromRevision r delivers r+1 on) / from end.
 *   A subscription to a stream that does not exist yet waits for it; to a tombstoned stream it
 *   fails with StreamDeleted, and a live stream subscription fails so when its stream is tombstoned.
 * - Catch-up and live are one cursor into `$all` (or into the stream's revisions): each append
 *   wakes the subscriptions that follow it and they deliver from where they are, so events
 *   appended while the catch-up is being written are neither lost nor repeated at the switch,
 *   and `caught_up` comes after every event committed when the cursor first reached the end.
 *   Live events are in `$all` order. No per-event scan of `$all`: each subscriber keeps an index.
 * - Backpressure: when `call.write` reports a full buffer (the client stopped reading, HTTP/2
 *   flow control) the subscription waits for 'drain'. The server instead drops a subscriber
 *   that is too slow in live mode ("consumer too slow", or "fell behind" and re-reads); the
 *   double never drops one nor sends `fell_behind`.
 * - Cancellation: `unsubscribe()` cancels the call; the double forgets the subscription.
 * - System events (`$`-prefixed types in `$`-prefixed streams) are in `$all` subscriptions as on
 *   a server; the client leaves them out with `excludeSystemEvents()` (an event-type regex
 *   `^[^$].*`, dist/streams/utils/filter.js), applied by the double server-side.
 *
 * Server-side filtering (developers.eventstore.com "Server-side filtering"): a `$all`
 * subscription's FilterOptions on stream identifier or event type, by prefixes or a regex
 * (JavaScript RegExp here, .NET regex on the server). Checkpoints (`checkpoint` with commit and
 * prepare) come every `checkpointIntervalMultiplier × window` events SCANNED (matching or not),
 * in catch-up and live (the server checkpoints live subscriptions too, EventStore PR #3316), at the
 * position of the last event scanned — so resubscribing from a checkpoint (exclusive) misses
 * nothing. window = `max` when the client sends maxSearchWindow, else 32: the default search
 * window when the client sends `count` (Eventuous issue #559 describes the interval as the
 * multiplier × 32 by default; the client's default checkpointInterval is 1, so
 * the client sees a checkpoint every 32 events scanned by default). When the catch-up reaches the
 * end with events scanned since the last checkpoint, one more checkpoint at the last event
 * scanned precedes `caught_up`, so a reader whose filter excludes everything still learns how
 * far it has scanned. That follows current servers (KurrentDB PR #4892, 24.10: "the first
 * checkpoint would be when the subscription transitions to live", now always a valid position);
 * 21.10–23.10 removed an EXTRA checkpoint at that switch (PR #4023/#3899), and older servers
 * may send none for a store shorter than the interval (Eventuous issue #559), so a reader must
 * not depend on it for correctness, only for progress.
 *
 * Deleting streams (developers.eventstore.com "Deleting streams"; Streams.Delete / Tombstone):
 * - Expected revision any / no_stream / stream_exists / a revision; deleting a stream that does
 *   not exist succeeds with any or no_stream. A mismatch is a gRPC error FAILED_PRECONDITION
 *   with trailers `exception: wrong-expected-version`, `stream-name`, `expected-version`
 *   (any -2, no_stream -1, stream_exists -4, as the server's numbers), `actual-version`
 *   (absent without a stream) — the client raises WrongExpectedVersionError
 *   (dist/utils/CommandError.js `convertToCommandError`).
 * - Soft delete writes the stream's metadata (`$metadata` in `$$stream`) with `$tb` =
 *   EventNumber.DeletedStream (long.MaxValue) and answers its position. Reads answer
 *   stream-not-found; the events stay in `$all`. An append (any / no_stream / the last
 *   revision) recreates the stream: `$metadata` with `$tb` = the first new revision, revisions
 *   continue, reads show only the new events (truncate-before semantics).
 * - Tombstone writes a `$streamDeleted` event into the stream itself at revision long.MaxValue
 *   (visible in `$all`, not in stream reads); the old events stay in `$all`. Afterwards reads,
 *   appends, deletes, tombstones and stream subscriptions fail with FAILED_PRECONDITION and
 *   trailers `exception: stream-deleted`, `stream-name` (the client raises StreamDeletedError).
 *
 * Dropped connections: `dropConnections()` ends every open call with status UNAVAILABLE
 * ("connection dropped by the double"); the client's Subscription emits 'error' with an
 * UnavailableError and reads reject with one, as when a server's connection goes away. The
 * server keeps listening, so a resubscription is served. grpc-js sends that status after the
 * messages already queued on the call, so a subscriber that stopped reading sees it only when
 * it reads on. `close()` drops and shuts down. Helpers for tests: `appendEvents(stream, …)`,
 * `subscriptions()`, `openSubscriptions()`.
 *
 * Not modelled: BatchAppend, stream metadata beyond the `$tb` of deletes ($maxCount, $maxAge,
 * $cacheControl, ACLs — a client's setStreamMetadata is just an append to `$$stream`), link
 * events and resolveLinkTos, projections, persistent subscriptions, scavenging (deleted events
 * stay readable in `$all` forever, as before a scavenge), explicit transactions (every append is
 * one commit), the `fell_behind` / "consumer too slow" drops of slow live subscribers, Gossip /
 * clustering / leader election / NotLeader, authentication and TLS, deadlines, message size
 * limits (MaxAppendSize), the log's byte sizes and a real TCP connection loss (the client's
 * channel is never broken, its calls are ended).
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb';
import type * as ServerFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb';

// The very modules the client loads, so `instanceof` checks in the generated serializers pass.
const require = createRequire(import.meta.url);
const generated = (name: string) => require(`@eventstore/db-client/generated/${name}`);
const streamsPb: typeof StreamsPb = generated('streams_pb.js');
const sharedPb: typeof SharedPb = generated('shared_pb.js');
const serverFeaturesPb: typeof ServerFeaturesPb = generated('serverfeatures_pb.js');
const { StreamsService } = generated('streams_grpc_pb.js') as { StreamsService: grpc.ServiceDefinition };
const { ServerFeaturesService } = generated('serverfeatures_grpc_pb.js') as { ServerFeaturesService: grpc.ServiceDefinition };

const POSITION_STEP = 128n;
const TICKS_PER_MS = 10_000n;

export interface StoredEvent {
  readonly streamName: string;
  readonly revision: bigint;
  readonly commit: bigint;
  readonly prepare: bigint;
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  readonly createdTicks: bigint;
}

interface Proposed {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

type AppendOutcome =
  | { ok: true; revision: bigint; commit: bigint; prepare: bigint }
  | { ok: false; current: bigint | null; expected: Expected };

const compare = (a: { commit: bigint; prepare: bigint }, b: { commit: bigint; prepare: bigint }) =>
  a.commit < b.commit ? -1 : a.commit > b.commit ? 1 : a.prepare < b.prepare ? -1 : a.prepare > b.prepare ? 1 : 0;

/** A stream's state: its events by revision (index == revision), soft-delete and tombstone marks. */
interface StreamState {
  readonly events: StoredEvent[];
  /** Revisions below it are no longer readable from the stream ($tb in the stream's metadata). */
  truncateBefore: bigint;
  /** Soft-deleted and not yet recreated by an append. */
  softDeleted: boolean;
  tombstoned: boolean;
}

/** One open catch-up subscription (Streams.Read with `subscription` options). */
interface Subscription {
  readonly call: grpc.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>;
  /** `$all`, or the one stream it follows. */
  readonly streamName: string | null;
  /** Index of the next event to look at, in `$all` or in the stream's events. */
  cursor: number;
  readonly filter: ((event: StoredEvent) => boolean) | null;
  /** Events scanned between two checkpoints (checkpointIntervalMultiplier × window). */
  readonly checkpointEvery: number;
  scannedSinceCheckpoint: number;
  lastScanned: StoredEvent | null;
  caughtUp: boolean;
  waitingForDrain: boolean;
  closed: boolean;
}

/** Revision of a tombstone and `$tb` of a soft delete: EventNumber.DeletedStream (long.MaxValue) on the server. */
const DELETED_STREAM = 9223372036854775807n;
/** The server's default filter search window when the client sends `count` instead of `max`. */
const DEFAULT_FILTER_WINDOW = 32;

export class EsdbDouble {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StreamState>();
  private nextPosition = 0n;
  private readonly calls = new Set<Call>();
  /** Events written to clients (reads and subscriptions), for assertions on what a filter saves. */
  private sent = 0;
  private readonly allSubscriptions = new Set<Subscription>();
  private readonly streamSubscriptions = new Map<string, Set<Subscription>>();

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
  ) {}

  /** Starts a double on 127.0.0.1 on a free port, with a fresh node's system events. */
  static async start(): Promise<EsdbDouble> {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const double = new EsdbDouble(server, port);
    server.addService(StreamsService, {
      read: (call: grpc.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>) => double.read(call),
      append: (call: grpc.ServerReadableStream<StreamsPb.AppendReq, StreamsPb.AppendResp>, callback: grpc.sendUnaryData<StreamsPb.AppendResp>) =>
        double.append(call, callback),
      delete: (call: grpc.ServerUnaryCall<StreamsPb.DeleteReq, StreamsPb.DeleteResp>, callback: grpc.sendUnaryData<StreamsPb.DeleteResp>) =>
        double.delete(call, callback),
      tombstone: (call: grpc.ServerUnaryCall<StreamsPb.TombstoneReq, StreamsPb.TombstoneResp>, callback: grpc.sendUnaryData<StreamsPb.TombstoneResp>) =>
        double.tombstone(call, callback),
      batchAppend: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.destroy(unimplemented('Streams.BatchAppend')),
    });
    server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<ServerFeaturesPb.SupportedMethods>) =>
        callback(null, supportedMethods()),
    });
    double.seedSystemEvents();
    return double;
  }

  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  /** Every event in `$all` order, system events included (for assertions). */
  events(): readonly StoredEvent[] {
    return this.all;
  }

  /** Appends a `$`-prefixed event, as the server's own subsystems do. */
  appendSystemEvent(streamName: string, type: string, data: unknown = {}): void {
    this.write(streamName, [json(randomUUID(), type, data)]);
  }

  /** Appends events to a stream without a client (expected revision any); returns the last one. */
  appendEvents(streamName: string, events: readonly { type: string; data?: unknown; id?: string }[]): StoredEvent {
    const state = this.streams.get(streamName);
    if (state?.tombstoned) throw new Error(`${streamName} is tombstoned`);
    const outcome = this.tryAppend(streamName, events.map((e) => json(e.id ?? randomUUID(), e.type, e.data ?? {})), { kind: 'any' });
    if (!outcome.ok) throw new Error('unreachable: expected revision any');
    return this.streams.get(streamName)!.events.at(-1)!;
  }

  /** The catch-up subscriptions being served, `$all` first (a snapshot, for assertions). */
  subscriptions(): { streamName: string | null; caughtUp: boolean; waitingForDrain: boolean }[] {
    return [...this.allSubscriptions, ...[...this.streamSubscriptions.values()].flatMap((set) => [...set])].map((s) => ({
      streamName: s.streamName,
      caughtUp: s.caughtUp,
      waitingForDrain: s.waitingForDrain,
    }));
  }

  /** How many events the double has written to clients so far (reads and subscriptions). */
  eventsSent(): number {
    return this.sent;
  }

  /** Number of catch-up subscriptions being served (for assertions that a cancelled one is forgotten). */
  openSubscriptions(): number {
    let count = this.allSubscriptions.size;
    for (const subscriptions of this.streamSubscriptions.values()) count += subscriptions.size;
    return count;
  }

  /**
   * Ends every call in flight with status UNAVAILABLE (what a client sees when the server's
   * connection goes away); the client's reads and subscriptions raise UnavailableError. The
   * server keeps listening, so a client that calls again (resubscribes) is served.
   */
  dropConnections(): void {
    const calls = [...this.calls];
    for (const subscription of [...this.allSubscriptions, ...[...this.streamSubscriptions.values()].flatMap((s) => [...s])]) {
      this.forget(subscription);
    }
    this.calls.clear();
    for (const call of calls) fail(call, serviceError(grpc.status.UNAVAILABLE, 'connection dropped by the double'));
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 1_000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private seedSystemEvents(): void {
    this.appendSystemEvent('$users', '$User', { LoginName: 'admin' });
    this.appendSystemEvent('$user-admin', '$UserCreated', { loginName: 'admin', fullName: 'Event Store Administrator', groups: ['$admins'] });
    this.appendSystemEvent('$$$scavenges', '$metadata', { $maxAge: 2592000 });
  }

  // ---- Streams.Append -------------------------------------------------------------------

  private append(call: grpc.ServerReadableStream<StreamsPb.AppendReq, StreamsPb.AppendResp>, callback: grpc.sendUnaryData<StreamsPb.AppendResp>): void {
    this.calls.add(call);
    let options: StreamsPb.AppendReq.Options | undefined;
    const proposed: Proposed[] = [];
    let failed = false;
    call.on('data', (req: StreamsPb.AppendReq) => {
      if (req.hasOptions()) options = req.getOptions();
      else if (req.hasProposedMessage()) {
        const message = req.getProposedMessage()!;
        const metadata = message.getMetadataMap();
        proposed.push({
          id: uuidString(message.getId()),
          type: metadata.get('type') ?? '',
          contentType: metadata.get('content-type') ?? 'application/octet-stream',
          data: message.getData_asU8(),
          customMetadata: message.getCustomMetadata_asU8(),
        });
      }
    });
    call.on('error', () => {
      failed = true;
      this.calls.delete(call);
    });
    call.on('end', () => {
      this.calls.delete(call);
      if (failed) return;
      if (!options) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'the first AppendReq must carry options' });
      const streamName = streamNameOf(options.getStreamIdentifier());
      if (this.streams.get(streamName)?.tombstoned) return callback(streamDeleted(streamName));
      const outcome = this.tryAppend(streamName, proposed, expectedOf(options));
      callback(null, appendResponse(outcome));
    });
  }

  private tryAppend(streamName: string, proposed: readonly Proposed[], expected: Expected): AppendOutcome {
    const state = this.streams.get(streamName);
    const stream = state?.events ?? [];
    const current = stream.length === 0 ? null : BigInt(stream.length - 1);
    const idempotent = state?.softDeleted ? null : this.idempotentMatch(stream, proposed, expected);
    if (idempotent === 'partial') return { ok: false, current, expected };
    if (idempotent) return { ok: true, revision: idempotent.revision, commit: idempotent.commit, prepare: idempotent.prepare };
    // A soft-deleted stream can be recreated with no_stream as well as with any or its last revision
    // (the server treats it as absent for no_stream; its revisions continue).
    const conflict =
      (expected.kind === 'no_stream' && current !== null && !state?.softDeleted) ||
      (expected.kind === 'stream_exists' && (current === null || state?.softDeleted)) ||
      (expected.kind === 'revision' && current !== expected.revision);
    if (conflict) return { ok: false, current, expected };
    if (proposed.length === 0) {
      // An empty append succeeds without writing (the server answers with the current revision).
      const last = stream.at(-1);
      return last
        ? { ok: true, revision: last.revision, commit: last.commit, prepare: last.prepare }
        : { ok: true, revision: -1n, commit: -1n, prepare: -1n };
    }
    if (state?.softDeleted) {
      // Recreating a soft-deleted stream: the server rewrites its metadata with $tb = the first new revision.
      state.softDeleted = false;
      state.truncateBefore = BigInt(stream.length);
      this.writeRaw(metastreamOf(streamName), [jsonRaw(randomUUID(), '$metadata', `{"$tb":${state.truncateBefore}}`)]);
    }
    const written = this.write(streamName, proposed);
    return { ok: true, revision: written.revision, commit: written.commit, prepare: written.prepare };
  }

  /** The events already written that the proposed ones repeat, or 'partial' when only some do. */
  private idempotentMatch(stream: readonly StoredEvent[], proposed: readonly Proposed[], expected: Expected): StoredEvent | 'partial' | null {
    if (proposed.length === 0) return null;
    let start: number;
    if (expected.kind === 'no_stream') start = 0;
    else if (expected.kind === 'revision') start = Number(expected.revision) + 1;
    else start = stream.findIndex((e) => e.id === proposed[0]!.id);
    if (start < 0 || start >= stream.length || stream[start]!.id !== proposed[0]!.id) return null;
    for (let i = 0; i < proposed.length; i++) {
      if (stream[start + i]?.id !== proposed[i]!.id) return 'partial';
    }
    return stream[start + proposed.length - 1]!;
  }

  private stateOf(streamName: string): StreamState {
    let state = this.streams.get(streamName);
    if (!state) {
      state = { events: [], truncateBefore: 0n, softDeleted: false, tombstoned: false };
      this.streams.set(streamName, state);
    }
    return state;
  }

  private write(streamName: string, proposed: readonly Proposed[]): StoredEvent {
    return this.writeRaw(streamName, proposed);
  }

  /** Writes one append (one commit) at the end of the log and wakes the subscriptions that follow it. */
  private writeRaw(streamName: string, proposed: readonly Proposed[], revision?: bigint): StoredEvent {
    const state = this.stateOf(streamName);
    const prepares = proposed.map(() => (this.nextPosition += POSITION_STEP));
    const commit = prepares.at(-1)!;
    const createdTicks = BigInt(Date.now()) * TICKS_PER_MS;
    let last: StoredEvent | undefined;
    proposed.forEach((p, i) => {
      const event: StoredEvent = {
        ...p,
        streamName,
        revision: revision ?? BigInt(state.events.length),
        commit,
        prepare: prepares[i]!,
        createdTicks,
      };
      if (revision === undefined) state.events.push(event);
      this.all.push(event);
      last = event;
    });
    this.wake(streamName);
    return last!;
  }

  // ---- Streams.Delete / Streams.Tombstone -------------------------------------------------

  private checkDeleteExpected(streamName: string, expected: Expected): grpc.ServiceError | null {
    const state = this.streams.get(streamName);
    if (state?.tombstoned) return streamDeleted(streamName);
    const exists = !!state && state.events.length > 0 && !state.softDeleted;
    const current = state && state.events.length > 0 ? BigInt(state.events.length - 1) : null;
    const conflict =
      (expected.kind === 'no_stream' && exists) ||
      (expected.kind === 'stream_exists' && !exists) ||
      (expected.kind === 'revision' && (current !== expected.revision || !exists));
    return conflict ? wrongExpectedVersion(streamName, expected, exists ? current : null) : null;
  }

  /** The stream a Delete or Tombstone names, once its options are there and its expected revision holds. */
  private deletionTarget(
    options: StreamsPb.DeleteReq.Options | StreamsPb.TombstoneReq.Options | undefined,
    request: 'DeleteReq' | 'TombstoneReq',
  ): { streamName: string; state: StreamState } | { error: grpc.ServiceError } {
    if (!options) return { error: serviceError(grpc.status.INVALID_ARGUMENT, `${request}.options is required`) };
    const streamName = streamNameOf(options.getStreamIdentifier());
    const error = this.checkDeleteExpected(streamName, deleteExpectedOf(options));
    return error ? { error } : { streamName, state: this.stateOf(streamName) };
  }

  private delete(call: grpc.ServerUnaryCall<StreamsPb.DeleteReq, StreamsPb.DeleteResp>, callback: grpc.sendUnaryData<StreamsPb.DeleteResp>): void {
    const target = this.deletionTarget(call.request.getOptions(), 'DeleteReq');
    if ('error' in target) return callback(target.error);
    const { streamName, state } = target;
    state.softDeleted = true;
    state.truncateBefore = DELETED_STREAM;
    // The server writes the stream's metadata with $tb = EventNumber.DeletedStream.
    const meta = this.writeRaw(metastreamOf(streamName), [jsonRaw(randomUUID(), '$metadata', `{"$tb":${DELETED_STREAM}}`)]);
    const response = new streamsPb.DeleteResp();
    const position = new streamsPb.DeleteResp.Position();
    position.setCommitPosition(meta.commit.toString());
    position.setPreparePosition(meta.prepare.toString());
    response.setPosition(position);
    callback(null, response);
  }

  private tombstone(call: grpc.ServerUnaryCall<StreamsPb.TombstoneReq, StreamsPb.TombstoneResp>, callback: grpc.sendUnaryData<StreamsPb.TombstoneResp>): void {
    const target = this.deletionTarget(call.request.getOptions(), 'TombstoneReq');
    if ('error' in target) return callback(target.error);
    const { streamName, state } = target;
    state.tombstoned = true;
    state.softDeleted = false;
    // The tombstone is a `$streamDeleted` event in the stream itself at revision EventNumber.DeletedStream.
    const tomb = this.writeRaw(
      streamName,
      [{ id: randomUUID(), type: '$streamDeleted', contentType: 'application/octet-stream', data: new Uint8Array(), customMetadata: new Uint8Array() }],
      DELETED_STREAM,
    );
    for (const subscription of this.streamSubscriptions.get(streamName) ?? []) {
      this.forget(subscription);
      fail(subscription.call, streamDeleted(streamName));
    }
    const response = new streamsPb.TombstoneResp();
    const position = new streamsPb.TombstoneResp.Position();
    position.setCommitPosition(tomb.commit.toString());
    position.setPreparePosition(tomb.prepare.toString());
    response.setPosition(position);
    callback(null, response);
  }

  // ---- Streams.Read ---------------------------------------------------------------------

  private read(call: grpc.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) return fail(call, serviceError(grpc.status.INVALID_ARGUMENT, 'ReadReq.options is required'));
    if (options.hasSubscription()) return this.subscribe(call, options);
    this.calls.add(call);
    call.on('cancelled', () => this.calls.delete(call));
    const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
    const requested = options.hasCount() ? BigInt(options.getCount()) : BigInt(Number.MAX_SAFE_INTEGER);
    const count = Number(requested > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : requested);
    let events: StoredEvent[];
    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      const identifier = streamOptions.getStreamIdentifier();
      const streamName = streamNameOf(identifier);
      const state = this.streams.get(streamName);
      if (state?.tombstoned) {
        this.calls.delete(call);
        return void fail(call, streamDeleted(streamName));
      }
      if (!state || state.softDeleted || state.events.length === 0) {
        const response = new streamsPb.ReadResp();
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(identifier);
        response.setStreamNotFound(notFound);
        call.write(response);
        this.calls.delete(call);
        return void call.end();
      }
      const first = Number(state.truncateBefore);
      const stream = state.events;
      const last = stream.length - 1;
      if (backwards) {
        const from = streamOptions.hasStart() ? first : streamOptions.hasEnd() ? last : Math.min(last, Number(BigInt(streamOptions.getRevision())));
        events = [];
        for (let i = from; i >= first && events.length < count; i--) events.push(stream[i]!);
      } else {
        const from = streamOptions.hasStart() ? first : streamOptions.hasEnd() ? last + 1 : Math.max(first, Number(BigInt(streamOptions.getRevision())));
        events = stream.slice(from, from + count);
      }
    } else {
      const allOptions = options.getAll()!;
      const at = allOptions.hasPosition() ? positionOf(allOptions.getPosition()!) : null;
      const filter = options.hasFilter() ? filterOf(options.getFilter()!) : () => true;
      events = [];
      if (backwards) {
        // Events before the position (or from the end).
        let i = allOptions.hasStart() ? -1 : at ? this.firstIndexAtOrAfter(at) - 1 : this.all.length - 1;
        for (; i >= 0 && events.length < count; i--) if (filter(this.all[i]!)) events.push(this.all[i]!);
      } else {
        // The event at the position included.
        let i = allOptions.hasEnd() ? this.all.length : at ? this.firstIndexAtOrAfter(at) : 0;
        for (; i < this.all.length && events.length < count; i++) if (filter(this.all[i]!)) events.push(this.all[i]!);
      }
    }
    for (const event of events) {
      if (call.cancelled || call.destroyed) break;
      this.sent++;
      call.write(readEventResponse(event));
    }
    this.calls.delete(call);
    call.end();
  }

  /** Index of the first event in `$all` at or after the position (binary search: `$all` is in position order). */
  private firstIndexAtOrAfter(at: { commit: bigint; prepare: bigint }): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(this.all[middle]!, at) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  // ---- Catch-up subscriptions -------------------------------------------------------------

  private subscribe(call: grpc.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>, options: StreamsPb.ReadReq.Options): void {
    let streamName: string | null = null;
    let cursor: number;
    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      streamName = streamNameOf(streamOptions.getStreamIdentifier());
      const state = this.streams.get(streamName);
      if (state?.tombstoned) return void fail(call, streamDeleted(streamName));
      const length = state?.events.length ?? 0;
      // From a revision: the events after it (a subscription never re-delivers its starting point).
      cursor = streamOptions.hasStart() ? 0 : streamOptions.hasEnd() ? length : Number(BigInt(streamOptions.getRevision())) + 1;
    } else {
      const allOptions = options.getAll()!;
      if (allOptions.hasStart()) cursor = 0;
      else if (allOptions.hasEnd()) cursor = this.all.length;
      else {
        // From a position: the events strictly after it.
        const at = positionOf(allOptions.getPosition()!);
        cursor = this.firstIndexAtOrAfter(at);
        if (cursor < this.all.length && compare(this.all[cursor]!, at) === 0) cursor++;
      }
    }
    const filterOptions = streamName === null && options.hasFilter() ? options.getFilter()! : null;
    const window = filterOptions?.hasMax() ? filterOptions.getMax() : DEFAULT_FILTER_WINDOW;
    const subscription: Subscription = {
      call,
      streamName,
      cursor,
      filter: filterOptions ? filterOf(filterOptions) : null,
      checkpointEvery: Math.max(1, (filterOptions?.getCheckpointintervalmultiplier() || 1) * window),
      scannedSinceCheckpoint: 0,
      lastScanned: null,
      caughtUp: false,
      waitingForDrain: false,
      closed: false,
    };
    this.calls.add(call);
    if (streamName === null) this.allSubscriptions.add(subscription);
    else {
      const set = this.streamSubscriptions.get(streamName) ?? new Set();
      set.add(subscription);
      this.streamSubscriptions.set(streamName, set);
    }
    call.on('cancelled', () => this.forget(subscription));
    call.on('error', () => this.forget(subscription));
    call.on('close', () => this.forget(subscription));
    const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const response = new streamsPb.ReadResp();
    response.setConfirmation(confirmation);
    call.write(response);
    this.pump(subscription);
  }

  private forget(subscription: Subscription): void {
    subscription.closed = true;
    this.calls.delete(subscription.call);
    if (subscription.streamName === null) this.allSubscriptions.delete(subscription);
    else {
      const set = this.streamSubscriptions.get(subscription.streamName);
      set?.delete(subscription);
      if (set?.size === 0) this.streamSubscriptions.delete(subscription.streamName);
    }
  }

  private wake(streamName: string): void {
    for (const subscription of this.allSubscriptions) this.pump(subscription);
    for (const subscription of this.streamSubscriptions.get(streamName) ?? []) this.pump(subscription);
  }

  /**
   * Delivers what the subscription has not seen yet, from its cursor to the end of the log, then
   * (once) a checkpoint and `caught_up`; later appends wake it again. Catch-up and live are the
   * same cursor, so an event appended while the catch-up is being written is neither lost nor
   * repeated. Stops while the call's buffer is full and goes on at 'drain'.
   */
  private pump(subscription: Subscription): void {
    if (subscription.closed || subscription.waitingForDrain) return;
    const { call } = subscription;
    if (call.cancelled || call.destroyed) return this.forget(subscription);
    let writable = true;
    if (subscription.streamName === null) {
      while (writable && subscription.cursor < this.all.length) {
        const event = this.all[subscription.cursor++]!;
        subscription.lastScanned = event;
        if (!subscription.filter || subscription.filter(event)) {
          this.sent++;
          writable = call.write(readEventResponse(event));
        }
        if (subscription.filter && ++subscription.scannedSinceCheckpoint >= subscription.checkpointEvery) {
          subscription.scannedSinceCheckpoint = 0;
          writable = call.write(checkpointResponse(event)) && writable;
        }
      }
    } else {
      const state = this.streams.get(subscription.streamName);
      const events = state?.events ?? [];
      while (writable && subscription.cursor < events.length) {
        const event = events[subscription.cursor++]!;
        if (event.revision >= state!.truncateBefore) {
          this.sent++;
          writable = call.write(readEventResponse(event));
        }
      }
    }
    if (!writable) {
      subscription.waitingForDrain = true;
      call.once('drain', () => {
        subscription.waitingForDrain = false;
        this.pump(subscription);
      });
      return;
    }
    if (!subscription.caughtUp) {
      subscription.caughtUp = true;
      // The server checkpoints a filtered $all subscription as it goes live, at the last position scanned.
      if (subscription.filter && subscription.lastScanned && subscription.scannedSinceCheckpoint > 0) {
        subscription.scannedSinceCheckpoint = 0;
        call.write(checkpointResponse(subscription.lastScanned));
      }
      const caughtUp = new streamsPb.ReadResp();
      caughtUp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
      call.write(caughtUp);
    }
  }
}

type Call = { destroy(error?: Error): void; emit(event: string, ...args: unknown[]): boolean; write?: unknown };

/**
 * Ends a call with a gRPC status. On a server-streaming call grpc-js sends the status of an
 * 'error' event once the messages already written are flushed (destroy() would end the HTTP/2
 * stream without any status and the client would wait forever); other calls are destroyed.
 */
function fail(call: Call, error: grpc.ServiceError): void {
  if (typeof call.write === 'function' && 'request' in call) call.emit('error', error);
  else call.destroy(error);
}

function serviceError(code: grpc.status, details: string, metadata = new grpc.Metadata()): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata });
}

/** The server's StreamDeleted RpcException: FAILED_PRECONDITION, trailers `exception: stream-deleted`, `stream-name`. */
function streamDeleted(streamName: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', streamName);
  return serviceError(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, metadata);
}

/**
 * The server's WrongExpectedVersion RpcException (Delete / Tombstone answer it as a gRPC error,
 * unlike Append): trailers `exception: wrong-expected-version`, `stream-name`, `expected-version`
 * (the server's numbers: any -2, no_stream -1, stream_exists -4) and `actual-version` (absent when
 * there is no stream; the client then reports "no_stream").
 */
function wrongExpectedVersion(streamName: string, expected: Expected, current: bigint | null): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  const expectedVersion =
    expected.kind === 'revision' ? expected.revision : expected.kind === 'no_stream' ? -1n : expected.kind === 'stream_exists' ? -4n : -2n;
  metadata.set('exception', 'wrong-expected-version');
  metadata.set('stream-name', streamName);
  metadata.set('expected-version', expectedVersion.toString());
  if (current !== null) metadata.set('actual-version', current.toString());
  return serviceError(
    grpc.status.FAILED_PRECONDITION,
    `Append failed due to WrongExpectedVersion. Stream: ${streamName}, Expected version: ${expectedVersion}, Actual version: ${current ?? -1}`,
    metadata,
  );
}

function metastreamOf(streamName: string): string {
  return `$$${streamName}`;
}

function positionOf(position: StreamsPb.ReadReq.Options.Position): { commit: bigint; prepare: bigint } {
  return { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) };
}

function deleteExpectedOf(options: StreamsPb.DeleteReq.Options | StreamsPb.TombstoneReq.Options): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function checkpointResponse(event: StoredEvent): StreamsPb.ReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint();
  checkpoint.setCommitPosition(event.commit.toString());
  checkpoint.setPreparePosition(event.prepare.toString());
  const response = new streamsPb.ReadResp();
  response.setCheckpoint(checkpoint);
  return response;
}

function unimplemented(what: string): grpc.ServiceError {
  return Object.assign(new Error(`${what} is not modelled by the EventStoreDB double`), {
    code: grpc.status.UNIMPLEMENTED,
    details: `${what} is not modelled by the EventStoreDB double`,
    metadata: new grpc.Metadata(),
  });
}

function supportedMethods(): ServerFeaturesPb.SupportedMethods {
  const methods = new serverFeaturesPb.SupportedMethods();
  methods.setEventStoreServerVersion('20.10.0 (esdb-double)');
  methods.setMethodsList(
    [
      ['event_store.client.streams.streams', 'read'],
      ['event_store.client.streams.streams', 'append'],
      ['event_store.client.streams.streams', 'delete'],
      ['event_store.client.streams.streams', 'tombstone'],
      ['event_store.client.server_features.serverfeatures', 'getsupportedmethods'],
    ].map(([service, method]) => {
      const supported = new serverFeaturesPb.SupportedMethod();
      supported.setServiceName(service!);
      supported.setMethodName(method!);
      return supported;
    }),
  );
  return methods;
}

function jsonRaw(id: string, type: string, text: string): Proposed {
  return { id, type, contentType: 'application/json', data: Buffer.from(text), customMetadata: new Uint8Array() };
}

function json(id: string, type: string, data: unknown): Proposed {
  return { id, type, contentType: 'application/json', data: Buffer.from(JSON.stringify(data)), customMetadata: new Uint8Array() };
}

function streamNameOf(identifier: SharedPb.StreamIdentifier | undefined): string {
  return identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';
}

function uuidString(uuid: SharedPb.UUID | undefined): string {
  if (!uuid) return randomUUID();
  if (uuid.hasString()) return uuid.getString();
  const structured = uuid.getStructured()!;
  const buffer = Buffer.alloc(16);
  buffer.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  buffer.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = buffer.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function expectedOf(options: StreamsPb.AppendReq.Options): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function appendResponse(outcome: AppendOutcome): StreamsPb.AppendResp {
  const response = new streamsPb.AppendResp();
  if (outcome.ok) {
    const success = new streamsPb.AppendResp.Success();
    if (outcome.revision < 0n) {
      success.setNoStream(new sharedPb.Empty());
      success.setNoPosition(new sharedPb.Empty());
    } else {
      success.setCurrentRevision(outcome.revision.toString());
      const position = new streamsPb.AppendResp.Position();
      position.setCommitPosition(outcome.commit.toString());
      position.setPreparePosition(outcome.prepare.toString());
      success.setPosition(position);
    }
    response.setSuccess(success);
    return response;
  }
  const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
  if (outcome.current === null) wrong.setCurrentNoStream(new sharedPb.Empty());
  else wrong.setCurrentRevision(outcome.current.toString());
  const expected = outcome.expected;
  if (expected.kind === 'revision') wrong.setExpectedRevision(expected.revision.toString());
  else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
  else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
  else wrong.setExpectedAny(new sharedPb.Empty());
  response.setWrongExpectedVersion(wrong);
  return response;
}

function readEventResponse(event: StoredEvent): StreamsPb.ReadResp {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(event.id);
  recorded.setId(id);
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Buffer.from(event.streamName, 'utf8'));
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(event.revision.toString());
  recorded.setCommitPosition(event.commit.toString());
  recorded.setPreparePosition(event.prepare.toString());
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.createdTicks.toString());
  recorded.setCustomMetadata(event.customMetadata);
  recorded.setData(event.data);
  const read = new streamsPb.ReadResp.ReadEvent();
  read.setEvent(recorded);
  read.setCommitPosition(event.commit.toString());
  const response = new streamsPb.ReadResp();
  response.setEvent(read);
  return response;
}

/** Server-side filter of a read (`FilterOptions`): stream identifier or event type, by prefixes or a regex. */
function filterOf(filter: StreamsPb.ReadReq.Options.FilterOptions): (event: StoredEvent) => boolean {
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier()! : filter.getEventType()!;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : null;
  return (event) => {
    const subject = onStream ? event.streamName : event.type;
    return prefixes.some((prefix) => subject.startsWith(prefix)) || (regex?.test(subject) ?? false);
  };
}
