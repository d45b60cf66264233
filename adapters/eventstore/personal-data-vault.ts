import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { FORGOTTEN } from '../../domain/event-codec.js';
import type { Database } from '../database/database.js';
import type { Migrations } from '../database/migrations.js';
import type { EventStore, EventToAppend, ReadAllPage, RecordedEvent } from './event-store.js';

/**
 * Crypto-shredding: an immutable log cannot delete a person's data, so it never holds it in
 * clear. Fields an event codec marks as personal (`eventCodec(…, { personal })`, named in the
 * event's `metadata.personal` by `eventsToAppend`) are encrypted with AES-256-GCM under a key of
 * their data subject, kept in `personal_data_keys` — never in the log. Reading decrypts them;
 * forgetting a subject destroys the key, after which every reader (deciders, projections,
 * replays, published streams) gets `FORGOTTEN` in those fields and the rest of the event as it was.
 *
 * In the log a personal field is `{ "$personal": "v1.<iv>.<ciphertext>.<tag>" }` (base64url):
 * an object, so a reader that bypassed the vault fails its codec instead of taking ciphertext
 * for a name. The subject and stream name are the GCM additional data: a field cannot be moved
 * to another person's or stream's event.
 */
export const personalDataMigrations: Migrations = {
  'personal-data-0001-keys': {
    async up(db) {
      await sql`
        create table personal_data_keys (
          subject text primary key,
          key bytea,
          created_at timestamptz not null default now(),
          forgotten_at timestamptz,
          forgotten_by text
        )`.execute(db);
    },
  },
};

interface Personal {
  readonly subject: string;
  readonly fields: readonly string[];
}

const personalOf = (metadata: Readonly<Record<string, unknown>> | undefined): Personal | undefined => {
  const personal = metadata?.personal as { subject?: unknown; fields?: unknown } | undefined;
  if (!personal || typeof personal.subject !== 'string' || !Array.isArray(personal.fields)) return undefined;
  return { subject: personal.subject, fields: personal.fields.filter((f): f is string => typeof f === 'string') };
};

const sealedOf = (value: unknown): string | undefined =>
  value !== null && typeof value === 'object' && typeof (value as { $personal?: unknown }).$personal === 'string' ? (value as { $personal: string }).$personal : undefined;

/** The keys of data subjects, and what forgetting one means. */
export class PersonalDataVault {
  constructor(private readonly database: Database) {}

  /** The subjects' keys: a Buffer while the key exists, null once forgotten; absent when never created. */
  async keysOf(subjects: readonly string[]): Promise<Map<string, Buffer | null>> {
    const keys = new Map<string, Buffer | null>();
    if (subjects.length === 0) return keys;
    const { rows } = await sql<{ subject: string; key: Buffer | Uint8Array | null }>`
      select subject, key from personal_data_keys where subject in (${sql.join([...new Set(subjects)])})`.execute(this.database.db);
    for (const row of rows) keys.set(row.subject, row.key === null ? null : Buffer.from(row.key));
    return keys;
  }

  /** Each subject's key, created on first use; null for a subject already forgotten (nothing new is kept of it). */
  async keysFor(subjects: readonly string[]): Promise<Map<string, Buffer | null>> {
    const wanted = [...new Set(subjects)];
    const known = await this.keysOf(wanted);
    const missing = wanted.filter((subject) => !known.has(subject));
    if (missing.length > 0) {
      for (const subject of missing) {
        await sql`insert into personal_data_keys (subject, key) values (${subject}, ${randomBytes(32)}) on conflict (subject) do nothing`.execute(this.database.db);
      }
      for (const [subject, key] of await this.keysOf(missing)) known.set(subject, key);
    }
    return known;
  }

  /** Destroy the subject's key (idempotent); true when it was destroyed now. */
  async forget(subject: string, by: string): Promise<boolean> {
    await sql`insert into personal_data_keys (subject, key) values (${subject}, null) on conflict (subject) do nothing`.execute(this.database.db);
    const result = await sql`
      update personal_data_keys set key = null, forgotten_at = now(), forgotten_by = ${by}
      where subject = ${subject} and forgotten_at is null`.execute(this.database.db);
    return Number(result.numAffectedRows ?? 0n) > 0;
  }

  seal(value: unknown, key: Buffer, subject: string, streamName: string): { $personal: string } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${subject}\u0000${streamName}`, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { $personal: `v1.${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}` };
  }

  open(sealed: string, key: Buffer, subject: string, streamName: string): unknown {
    const [version, iv, ciphertext, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || ciphertext === undefined || !tag) throw new Error('not a sealed personal field');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${subject}\u0000${streamName}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return JSON.parse(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8'));
  }

  /** Encrypt the personal fields of events about to be appended to `streamName`. */
  async sealEvents(streamName: string, events: readonly EventToAppend[]): Promise<EventToAppend[]> {
    const keys = await this.keysFor(subjectsOf(events));
    return withPersonalFields(events, keys, (value, key, subject) => (key === null ? FORGOTTEN : this.seal(value, key, subject, streamName)));
  }

  /** Decrypt the personal fields of read events; a forgotten subject's read as FORGOTTEN. */
  async openEvents(events: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
    const keys = await this.keysOf(subjectsOf(events));
    return withPersonalFields(events, keys, (value, key, subject, event) => {
      const sealed = sealedOf(value);
      if (sealed === undefined) return value;
      return key === null ? FORGOTTEN : this.open(sealed, key, subject, event.streamName);
    });
  }
}

const subjectsOf = (events: readonly { readonly metadata: Readonly<Record<string, unknown>> }[]): string[] => events.flatMap((event) => personalOf(event.metadata)?.subject ?? []);

/** Each event with its personal fields replaced by `change(value, subject's key, subject, event)`. */
function withPersonalFields<E extends { readonly data: unknown; readonly metadata: Readonly<Record<string, unknown>> }>(
  events: readonly E[],
  keys: ReadonlyMap<string, Buffer | null>,
  change: (value: unknown, key: Buffer | null, subject: string, event: E) => unknown,
): E[] {
  return events.map((event) => {
    const personal = personalOf(event.metadata);
    if (!personal || event.data === null || typeof event.data !== 'object') return event;
    const key = keys.get(personal.subject) ?? null;
    const data: Record<string, unknown> = { ...(event.data as Record<string, unknown>) };
    for (const field of personal.fields) if (field in data) data[field] = change(data[field], key, personal.subject, event);
    return { ...event, data };
  });
}

/** The event store with personal fields sealed on the way in and opened on the way out. */
export function personalDataStore(store: EventStore, vault: PersonalDataVault): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      switch (property) {
        case 'append':
          return async (...[stream, events, expected]: Parameters<EventStore['append']>) => target.append(stream, await vault.sealEvents(stream, events), expected);
        case 'readStream':
          return async (...args: Parameters<EventStore['readStream']>) => vault.openEvents(await target.readStream(...args));
        case 'readAll':
          return async (...args: Parameters<EventStore['readAll']>): Promise<ReadAllPage> => {
            const page = await target.readAll(...args);
            return { ...page, events: await vault.openEvents(page.events) };
          };
        case 'subscribeToAll':
          return (handler: Parameters<EventStore['subscribeToAll']>[0], options?: Parameters<EventStore['subscribeToAll']>[1]) =>
            target.subscribeToAll(async (event) => handler((await vault.openEvents([event]))[0]!), options);
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
