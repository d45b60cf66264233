import * as t from 'io-ts';

/**
 * How an event type's stored data of an older schema version becomes the current one: one
 * function per step, `{ 1: (v1) => v2, 2: (v2) => v3 }`, applied in order on read.
 */
export type Upcasters = Readonly<Record<number, (data: unknown) => unknown>>;

/**
 * Which top-level fields of an event's data are a person's data, and whose: they are stored
 * encrypted with that data subject's key (crypto-shredding), read back in clear while the key
 * exists, and as `FORGOTTEN` once the subject was forgotten.
 */
export interface PersonalFields {
  readonly subject: (data: never) => string;
  readonly fields: readonly string[];
}

/** What the log needs to know of one event type besides its shape. */
export interface EventSchema {
  readonly eventType: string;
  /** The version new events of this type are written with (`schemaVersion` in their metadata). */
  readonly version: number;
  readonly upcasters: Upcasters;
  readonly personal?: PersonalFields;
}

/** What a forgotten person's field reads as, everywhere (deciders, projections, replays, published streams). */
export const FORGOTTEN = '[forgotten]';

export type EventCodecOf<T extends string, D extends t.Mixed> = t.TypeC<{ type: t.LiteralC<T>; data: D }> & { readonly schema: EventSchema };

/**
 * Codec of one event type: `{ type: <literal>, data: <codec> }`. A context's event codec is the
 * union of these; events are decoded with it when read, so an unknown or malformed stored
 * event fails loudly instead of flowing on as `any`.
 *
 * An event type gains a version by saying so and giving the step from the one before:
 *
 * ```ts
 * eventCodec('TicketsSold', SoldV2, { version: 2, upcast: { 1: (v1) => ({ ...(v1 as object), channel: 'web' }) } })
 * ```
 * New events are written as v2; a v1 event in the log is upcast to v2 before it is decoded,
 * by deciders, projectors, sagas and replays alike (`decodeEvent`).
 */
export function eventCodec<T extends string, D extends t.Mixed>(
  type: T,
  data: D,
  options: {
    readonly version?: number;
    readonly upcast?: Upcasters;
    /** Its personal fields (strings) and whose they are: `{ subject: (d) => d.userId, fields: ['email'] }`. */
    readonly personal?: { readonly subject: (data: t.TypeOf<D>) => string; readonly fields: readonly (keyof t.TypeOf<D> & string)[] };
  } = {},
): EventCodecOf<T, D> {
  const version = options.version ?? 1;
  const upcast = options.upcast ?? {};
  for (let from = 1; from < version; from++) {
    if (typeof upcast[from] !== 'function') throw new Error(`event ${type} v${version}: no upcaster from v${from}`);
  }
  const codec = t.type({ type: t.literal(type), data }, type);
  const schema: EventSchema = {
    eventType: type,
    version,
    upcasters: upcast,
    ...(options.personal ? { personal: options.personal as unknown as PersonalFields } : {}),
  };
  return Object.assign(codec, { schema });
}

const membersOfCodec = new WeakMap<object, ReadonlyMap<string, t.Mixed & { readonly schema: EventSchema }>>();

/** The event codecs a codec (an event codec or a union of them, nested or not) is made of, by event type. */
function eventMembers(codec: t.Mixed): ReadonlyMap<string, t.Mixed & { readonly schema: EventSchema }> {
  const known = membersOfCodec.get(codec);
  if (known) return known;
  const found = new Map<string, t.Mixed & { readonly schema: EventSchema }>();
  const walk = (c: t.Mixed): void => {
    const schema = (c as { schema?: EventSchema }).schema;
    if (schema) {
      found.set(schema.eventType, c as t.Mixed & { readonly schema: EventSchema });
      return;
    }
    const members = (c as { types?: readonly t.Mixed[] }).types;
    if ((c as { _tag?: string })._tag === 'UnionType' && members) {
      members.forEach(walk);
      return;
    }
    throw new Error(`${c.name} is not an event codec (make it with eventCodec, or a t.union of those)`);
  };
  walk(codec);
  membersOfCodec.set(codec, found);
  return found;
}

const schemasOfCodec = new WeakMap<object, ReadonlyMap<string, EventSchema>>();

/** Every event type a codec decodes, with its schema. */
export function eventSchemas(codec: t.Mixed): ReadonlyMap<string, EventSchema> {
  let schemas = schemasOfCodec.get(codec);
  if (!schemas) schemasOfCodec.set(codec, (schemas = new Map([...eventMembers(codec)].map(([type, member]) => [type, member.schema]))));
  return schemas;
}

/**
 * The part of an event codec (or of several contexts' codecs in a `t.union`) that a projector
 * or saga handles: its subscription filter follows from it, and its events arrive decoded.
 */
export function pickEvents<E extends { readonly type: string }, const K extends E['type']>(
  codec: t.Type<E, unknown, unknown>,
  types: readonly K[],
): t.Type<Extract<E, { readonly type: K }>, unknown, unknown> {
  const members = eventMembers(codec as unknown as t.Mixed);
  const picked = types.map((type) => {
    const member = members.get(type);
    if (!member) throw new Error(`${codec.name} has no event ${type}`);
    return member;
  });
  if (picked.length === 0) throw new Error('pick at least one event type');
  const union = picked.length === 1 ? picked[0]! : t.union(picked as unknown as [t.Mixed, t.Mixed, ...t.Mixed[]]);
  return union as unknown as t.Type<Extract<E, { readonly type: K }>, unknown, unknown>;
}

/** The event types a codec decodes: a projector's or saga's subscription filter. */
export const eventTypesOf = (codec: t.Mixed): readonly string[] => [...eventSchemas(codec).keys()];

/** The personal fields of an event of `type` with `data`, and whose they are; undefined when it holds none. */
export function personalFieldsOf(codec: t.Mixed, type: string, data: unknown): { readonly subject: string; readonly fields: readonly string[] } | undefined {
  const personal = eventSchemas(codec).get(type)?.personal;
  return personal ? { subject: personal.subject(data as never), fields: personal.fields } : undefined;
}

/** The schema version an event of `type` is written with. */
export function schemaVersionOf(codec: t.Mixed, type: string): number {
  return eventSchemas(codec).get(type)?.version ?? 1;
}
