import * as t from 'io-ts';
import { formatPosition, START, type EventStore, type Position } from '../../adapters/eventstore/event-store.js';
import { withJsonSchema } from '../../adapters/http/json-schema.js';
import { HttpProblem, invalidInput } from '../../adapters/http/problem.js';
import { defineRoute, type Route } from '../../adapters/http/route.js';
import { IsoDateTime, Uuid } from '../../adapters/http/text-codecs.js';
import { assertDistinctStreams, readStreamPage, type AnyPublishedStream, type PublicMessage, type StreamMessage } from './published-stream.js';

export interface PublishedStreamRoutesOptions {
  readonly store: Pick<EventStore, 'readAll' | 'readStream' | 'waitForAppend'>;
  readonly streams: readonly AnyPublishedStream[];
  /** A comment line on an idle Server-Sent Events connection this often (keeps proxies from closing it). */
  readonly heartbeatMs: number;
  /** An idle live connection looks at the log at least this often (appends by other processes may not wake it). */
  readonly pollMs: number;
  /** Aborted when the process shuts down: every live connection ends at once (the server's drain must not wait for them). */
  readonly shutdown: AbortSignal;
}

export const MAX_STREAM_PAGE = 500;
const DEFAULT_STREAM_PAGE = 100;
/** How many messages a live connection reads from the log at a time. */
const LIVE_BATCH = 100;
const MAX_COMMIT = (1n << 64n) - 1n; // xid8 / EventStoreDB commit: unsigned 64-bit
const MAX_PREPARE = (1n << 63n) - 1n; // bigint

/** A cursor (`commit/prepare`, as the stream issued it), or null when it is not one. */
export function parseStreamCursor(text: string): Position | null {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text);
  if (!match) return null;
  const position = { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
  return position.commit <= MAX_COMMIT && position.prepare <= MAX_PREPARE ? position : null;
}

/** The wire form of one message of a declared type (documents the envelope in /openapi.json). */
const envelopeCodec = (message: PublicMessage<never>) =>
  t.type(
    {
      id: withJsonSchema(Uuid, { type: 'string', format: 'uuid', description: 'Stable per message (derived from the event): deduplicate on it' }),
      type: t.literal(message.type),
      version: t.literal(message.version),
      occurred_at: withJsonSchema(IsoDateTime, { type: 'string', format: 'date-time', description: 'When it happened' }),
      subject: withJsonSchema(t.string, { type: 'string', description: 'The entity it is about' }),
      data: message.data,
    },
    `${message.type}.v${message.version}`,
  );

const GenericEnvelope = t.type({ id: t.string, type: t.string, version: t.number, occurred_at: t.string, subject: t.string, data: t.UnknownRecord });

/** One Server-Sent Events frame: `id:` the message's cursor, `event:` its type, `data:` the envelope (one line of JSON). */
const frameOf = (message: StreamMessage): string => `id: ${message.cursor}\nevent: ${message.envelope.type}\ndata: ${JSON.stringify(message.envelope)}\n\n`;

const wantsEventStream = (accept: string | undefined): boolean => accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);

/**
 * `GET /streams/:name`: a page of a published stream (JSON), or with `Accept: text/event-stream`
 * the stream live (Server-Sent Events, resumable from `Last-Event-ID`). Consumers need the
 * scope `stream:<name>` (admins pass, as everywhere).
 */
export function publishedStreamRoutes(options: PublishedStreamRoutesOptions): Route[] {
  assertDistinctStreams(options.streams);
  const byName = new Map(options.streams.map((stream) => [stream.name, stream]));
  // one envelope per message type and version (several events may stand for one message type)
  const distinct = new Map(options.streams.flatMap((stream) => Object.values(stream.messages as Record<string, PublicMessage<never>>).map((m) => [`${m.type}.v${m.version}`, m] as const)));
  const envelopes = [...distinct.values()].map(envelopeCodec);
  const Envelope: t.Mixed =
    envelopes.length === 0 ? GenericEnvelope : envelopes.length === 1 ? envelopes[0]! : t.union(envelopes as unknown as [t.Mixed, t.Mixed, ...t.Mixed[]]);
  const Page = t.type({
    items: t.array(Envelope),
    next_cursor: withJsonSchema(t.string, { type: 'string', description: 'Pass as `after` to read on (also on the last page: new messages come after it)' }),
    has_more: withJsonSchema(t.boolean, { type: 'boolean', description: 'False when the page reached the end of what is readable now' }),
  });
  const EventStreamBody = withJsonSchema(t.string, {
    type: 'string',
    description:
      'Server-Sent Events. Each message: `id: <cursor>` (send it back as Last-Event-ID, or as `after`), `event: <type>`, `data: <envelope as JSON>` — the same envelope as the JSON page. ' +
      'Comment lines (`: heartbeat`) on an idle connection. In log order, none skipped; a reconnect may see a message again: deduplicate on the envelope id.',
  });
  const streamList = options.streams.map((stream) => `\`${stream.name}\` (scope \`${stream.scope}\`): ${stream.description}`).join('; ') || 'none yet';

  return [
    defineRoute({
      method: 'get',
      path: '/streams/:name',
      operationId: 'readPublishedStream',
      summary: 'Read a published stream: a page of messages, or live as Server-Sent Events',
      description:
        `The messages a context publishes for other services, as stable versioned envelopes \`{ id, type, version, occurred_at, subject, data }\`. ` +
        `Page on with \`?after=<next_cursor>\`; with \`Accept: text/event-stream\` the same URL streams every message after \`after\` (or \`Last-Event-ID\`) and then live ones. ` +
        `Streams: ${streamList}.`,
      tags: ['streams'],
      auth: {},
      params: t.type({ name: withJsonSchema(t.string, { type: 'string', description: 'The stream’s public name', enum: [...byName.keys()] }) }),
      query: t.partial({
        after: withJsonSchema(t.string, { type: 'string', description: 'A cursor this stream issued (next_cursor, or an SSE message id); absent: from the beginning' }),
        limit: withJsonSchema(t.string, { type: 'integer', minimum: 1, maximum: MAX_STREAM_PAGE, description: `Messages per page (default ${DEFAULT_STREAM_PAGE})` }),
      }),
      responses: {
        200: { description: 'A page of messages (JSON), or the live stream (text/event-stream)', schema: Page, alternatives: { 'text/event-stream': EventStreamBody } },
        404: { description: 'No published stream of that name' },
      },
      handle: async ({ params, query, principal, headers }) => {
        const stream = byName.get(params.name);
        if (!stream) throw new HttpProblem(404, 'stream.not_found', 'No published stream of that name', { field: 'name' });
        if (!principal.roles.includes('admin') && !principal.scopes.includes(stream.scope)) {
          throw new HttpProblem(403, 'auth.forbidden', `Reading ${stream.name} requires the scope ${stream.scope}`);
        }
        let limit = DEFAULT_STREAM_PAGE;
        if (query.limit !== undefined) {
          limit = /^\d{1,6}$/.test(query.limit) ? Number(query.limit) : NaN;
          if (!(limit >= 1 && limit <= MAX_STREAM_PAGE)) throw invalidInput([{ field: 'limit', in: 'query', message: `must be a whole number from 1 to ${MAX_STREAM_PAGE}` }]);
        }
        let after = START;
        if (query.after !== undefined && query.after !== '') {
          const parsed = parseStreamCursor(query.after);
          if (!parsed) throw invalidInput([{ field: 'after', in: 'query', message: 'is not a cursor this stream issued' }]);
          after = parsed;
        }

        if (!wantsEventStream(headers.accept)) {
          const page = await readStreamPage(options.store, stream, after, limit);
          return {
            status: 200,
            body: { items: page.messages.map((m) => m.envelope), next_cursor: formatPosition(page.checkpoint), has_more: !page.caughtUp },
          };
        }

        const lastEventId = headers['last-event-id'];
        if (typeof lastEventId === 'string' && lastEventId !== '') {
          const parsed = parseStreamCursor(lastEventId.trim());
          if (!parsed) throw invalidInput([{ field: 'Last-Event-ID', in: 'header', message: 'is not a cursor this stream issued' }]);
          after = parsed; // a reconnecting EventSource: where it got to wins over the URL it first opened
        }
        return {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' },
          stream: async (sink) => {
            const signal = AbortSignal.any([sink.signal, options.shutdown]);
            let cursor = after;
            await sink.write('retry: 2000\n\n');
            let lastWrite = performance.now();
            while (!signal.aborted) {
              const page = await readStreamPage(options.store, stream, cursor, LIVE_BATCH);
              for (const message of page.messages) {
                if (signal.aborted) return;
                await sink.write(frameOf(message));
                lastWrite = performance.now();
              }
              cursor = page.checkpoint;
              if (!page.caughtUp) continue;
              const untilHeartbeat = lastWrite + options.heartbeatMs - performance.now();
              if (untilHeartbeat <= 0) {
                await sink.write(': heartbeat\n\n');
                lastWrite = performance.now();
                continue;
              }
              await options.store.waitForAppend(Math.max(1, Math.min(options.pollMs, untilHeartbeat)), signal);
            }
          },
        };
      },
    }),
  ];
}
