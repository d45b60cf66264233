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
 *   with Streams.Read and Streams.Append only (as a 20.x server without BatchAppend would), so
 *   the client uses the client-streaming Streams.Append (dist/streams/appendToStream/append.js).
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
 *   a missing stream answers `stream_not_found` (the client raises StreamNotFoundError).
 *   Reading forwards from revision r includes r; backwards from r includes r.
 * - `$all` forwards from start / a position (the event at the position included) or backwards
 *   from end / a position (events before the position), up to `count` events.
 * - The client sends `no_filter`; a `filter` on a read (not a subscription) is applied
 *   server-side by stream-name prefix / event-type prefix or regex, without checkpoints.
 *
 * Not modelled: subscriptions (Read with `subscription` options — answered UNIMPLEMENTED; the
 * adapter polls), checkpoint / caught-up messages, BatchAppend, Delete / Tombstone (soft-deleted
 * and tombstoned streams), stream metadata ($maxCount, $tb, ACLs), link events and
 * resolveLinkTos, projections, persistent subscriptions, Gossip / clustering / leader election,
 * authentication and TLS, deadlines, message size limits, the log's byte sizes, scavenging.
 * `dropConnections()` cancels every open call (a crude "connection dropped").
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

export class EsdbDouble {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private nextPosition = 0n;
  private readonly calls = new Set<{ destroy?(error?: Error): void }>();

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
      delete: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(unimplemented('Streams.Delete')),
      tombstone: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(unimplemented('Streams.Tombstone')),
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

  /** Cancels every call in flight: the client sees the connection's calls fail. */
  dropConnections(): void {
    for (const call of this.calls) call.destroy?.(new Error('dropped by the double'));
    this.calls.clear();
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
      const outcome = this.tryAppend(streamName, proposed, expectedOf(options));
      callback(null, appendResponse(outcome));
    });
  }

  private tryAppend(streamName: string, proposed: readonly Proposed[], expected: Expected): AppendOutcome {
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? null : BigInt(stream.length - 1);
    const idempotent = this.idempotentMatch(stream, proposed, expected);
    if (idempotent === 'partial') return { ok: false, current, expected };
    if (idempotent) return { ok: true, revision: idempotent.revision, commit: idempotent.commit, prepare: idempotent.prepare };
    const conflict =
      (expected.kind === 'no_stream' && current !== null) ||
      (expected.kind === 'stream_exists' && current === null) ||
      (expected.kind === 'revision' && current !== expected.revision);
    if (conflict) return { ok: false, current, expected };
    if (proposed.length === 0) {
      // An empty append succeeds without writing (the server answers with the current revision).
      const last = stream.at(-1);
      return last
        ? { ok: true, revision: last.revision, commit: last.commit, prepare: last.prepare }
        : { ok: true, revision: -1n, commit: -1n, prepare: -1n };
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

  private write(streamName: string, proposed: readonly Proposed[]): StoredEvent {
    const stream = this.streams.get(streamName) ?? [];
    this.streams.set(streamName, stream);
    const prepares = proposed.map(() => (this.nextPosition += POSITION_STEP));
    const commit = prepares.at(-1)!;
    const createdTicks = BigInt(Date.now()) * TICKS_PER_MS;
    proposed.forEach((p, i) => {
      const event: StoredEvent = { ...p, streamName, revision: BigInt(stream.length), commit, prepare: prepares[i]!, createdTicks };
      stream.push(event);
      this.all.push(event);
    });
    return stream.at(-1)!;
  }

  // ---- Streams.Read ---------------------------------------------------------------------

  private read(call: grpc.ServerWritableStream<StreamsPb.ReadReq, StreamsPb.ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) return void call.destroy({ name: 'InvalidArgument', message: 'ReadReq.options is required', code: grpc.status.INVALID_ARGUMENT } as grpc.ServiceError);
    if (options.hasSubscription()) return void call.destroy(unimplemented('subscriptions (Read with subscription options)'));
    this.calls.add(call);
    call.on('cancelled', () => this.calls.delete(call));
    const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
    const count = options.hasCount() ? BigInt(options.getCount()) : BigInt(Number.MAX_SAFE_INTEGER);
    let events: StoredEvent[];
    if (options.hasStream()) {
      const streamOptions = options.getStream()!;
      const identifier = streamOptions.getStreamIdentifier();
      const stream = this.streams.get(streamNameOf(identifier));
      if (!stream) {
        const response = new streamsPb.ReadResp();
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(identifier);
        response.setStreamNotFound(notFound);
        call.write(response);
        this.calls.delete(call);
        return void call.end();
      }
      const last = BigInt(stream.length - 1);
      const from = streamOptions.hasStart() ? (backwards ? -1n : 0n) : streamOptions.hasEnd() ? (backwards ? last : last + 1n) : BigInt(streamOptions.getRevision());
      events = backwards
        ? stream.filter((e) => e.revision <= (from < 0n ? last : from)).reverse()
        : stream.filter((e) => e.revision >= from);
      if (backwards && streamOptions.hasStart()) events = stream.length > 0 ? [stream[0]!] : [];
    } else {
      const allOptions = options.getAll()!;
      const at = allOptions.hasPosition()
        ? { commit: BigInt(allOptions.getPosition()!.getCommitPosition()), prepare: BigInt(allOptions.getPosition()!.getPreparePosition()) }
        : null;
      if (backwards) {
        events = allOptions.hasStart() ? [] : this.all.filter((e) => !at || compare(e, at) < 0).reverse();
      } else {
        events = allOptions.hasEnd() ? [] : this.all.filter((e) => !at || compare(e, at) >= 0);
      }
      if (options.hasFilter()) events = events.filter(filterOf(options.getFilter()!));
    }
    for (const event of events.slice(0, Number(count > BigInt(events.length) ? BigInt(events.length) : count))) {
      if (call.cancelled || call.destroyed) break;
      call.write(readEventResponse(event));
    }
    this.calls.delete(call);
    call.end();
  }
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
