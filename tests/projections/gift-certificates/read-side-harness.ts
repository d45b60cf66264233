import assert from 'node:assert/strict';
import { isRight } from 'fp-ts/Either';
import { sql, type Transaction } from 'kysely';
import type { ContextFactory } from '../../../adapters/app/context-module.js';
import type { RunningSystem } from '../../../adapters/app/system.js';
import type { Database } from '../../../adapters/database/database.js';
import { comparePositions, START, type Position } from '../../../adapters/eventstore/event-store.js';
import { signAccessToken } from '../../../adapters/http/access-token.js';
import { OptimisticCertificateDecisions } from '../../../commands/gift-certificates/certificate-decisions.js';
import { BatchingPoolDecisions } from '../../../commands/gift-certificates/certificate-reserver.js';
import { handleCommand } from '../../../commands/command-handler.js';
import { channelMessageDecider, streamOfMessage, type ChannelMessageEvent, type MessageTopic } from '../../../domain/gift-certificates/channel-messages.js';
import { streamOfPool, type CertificatePoolCommand, type PoolCertificate } from '../../../domain/gift-certificates/certificate-pool.js';
import type { GiftCertificateCommand } from '../../../domain/gift-certificates/gift-certificate.js';
import { BI_READER_ROLE } from '../../../projections/bi-migrations.js';
import { giftCertificatesReadSide } from '../../../projections/gift-certificates/gift-certificates-read-side.js';
import type { ManualClock } from '../../../platform/clock.js';
import { startTestSystem, TEST_JWT_SECRET } from '../../support/test-system.js';

/** The read side alone (no sagas of the other parts act on what a test appends): its projections, routes and stream. */
const readSideOnly: ContextFactory = (system) => ({ name: 'gift-certificates-read-side', ...giftCertificatesReadSide(system.database) });

export function startReadSide(options: { database: Database; clock: ManualClock }): Promise<RunningSystem & { api: string }> {
  return startTestSystem({ ...options, contexts: [readSideOnly] });
}

export const userToken = (id: string, roles: string[]) => signAccessToken({ kind: 'user', id, roles, scopes: [] }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then((t) => `Bearer ${t}`);
export const serviceToken = (id: string, scopes: string[]) => signAccessToken({ kind: 'service', id, roles: [], scopes }, { secret: TEST_JWT_SECRET, ttlSeconds: 3600 }).then((t) => `Bearer ${t}`);

/** Drives the log with the real deciders and codecs (pool, certificate, channel messages), as the command side would. */
export function ledgerDriver(system: RunningSystem, clock: ManualClock) {
  const store = system.dependencies.store;
  const pool = new BatchingPoolDecisions(store);
  const certificates = new OptimisticCertificateDecisions(store);
  // The last position appended at: a just-acknowledged append may not be readable in `$all` yet
  // (an older transaction still open holds the gap-free horizon back), so the head alone can be short of it.
  let latest: Position = START;
  const appendedAt = (position: Position | null | undefined) => {
    if (position && comparePositions(position, latest) > 0) latest = position;
  };
  return {
    async pool(nominal: string, currency: string, command: CertificatePoolCommand, actor = 'user:op-1') {
      const outcome = await pool.decide({ stream: streamOfPool(nominal, currency), command, actor });
      if (isRight(outcome)) appendedAt(outcome.right.position);
      return outcome;
    },
    async load(batchId: string, nominal: string, currency: string, certificates: PoolCertificate[]) {
      const outcome = await pool.decide({ stream: streamOfPool(nominal, currency), command: { type: 'LoadCertificates', batchId, chunk: 0, nominal, currency, certificates, now: clock.now() }, actor: 'user:op-1' });
      assert.ok(isRight(outcome), isRight(outcome) ? "" : JSON.stringify(outcome.left));
      appendedAt(outcome.right.position);
    },
    async certificate(certificateId: string, command: GiftCertificateCommand) {
      const outcome = await certificates.decide({ certificateId, command });
      assert.ok(isRight(outcome), `${command.type}: ${isRight(outcome) ? "" : JSON.stringify(outcome.left)}`);
      appendedAt(outcome.right.position);
      return outcome.right;
    },
    async message(topic: MessageTopic, message: ChannelMessageEvent) {
      const outcome = await handleCommand(store, channelMessageDecider, streamOfMessage(topic, message.data.source, message.data.messageId), { type: 'ReceiveMessage', message }, { now: clock.now() });
      assert.ok(isRight(outcome));
      appendedAt(outcome.right.position);
    },
    /** Until every projection of the read side has reached the log's head and everything this driver appended. */
    async settled() {
      const readable = await store.headPosition();
      const head = comparePositions(readable, latest) >= 0 ? readable : latest;
      for (const projection of ['gcp-certificates', 'gcp-channel-messages']) assert.ok(await system.dependencies.waitForProjection(projection, head, 20_000), `${projection} caught up`);
    },
  };
}

/** A query as BI runs it: as the BI reader role. */
export async function asBiReader<T>(database: Database, query: (trx: Transaction<any>) => Promise<T>): Promise<T> {
  return database.db.transaction().execute(async (trx) => {
    await sql`set local role ${sql.id(BI_READER_ROLE)}`.execute(trx);
    return query(trx);
  });
}
