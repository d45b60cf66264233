import * as t from 'io-ts';

/**
 * Codec of one event type: `{ type: <literal>, data: <codec> }`. A context's event codec is the
 * union of these; events are decoded with it when read, so an unknown or malformed stored
 * event fails loudly instead of flowing on as `any`.
 */
export function eventCodec<T extends string, D extends t.Mixed>(type: T, data: D) {
  return t.type({ type: t.literal(type), data }, type);
}
