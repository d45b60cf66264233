import { randomUUID } from 'node:crypto';
import { isLeft, left } from 'fp-ts/Either';
import * as t from 'io-ts';
import { sql } from 'kysely';
import type { ContextFactory } from '../../adapters/app/context-module.js';
import { formatPosition } from '../../adapters/eventstore/event-store.js';
import { defineRoute } from '../../adapters/http/route.js';
import { handleCommand } from '../../commands/command-handler.js';
import { domainError } from '../../domain/decider.js';
import { pickEvents } from '../../domain/event-codec.js';
import { defineProjection } from '../../projections/projection.js';
import { effectKind, performs } from '../../sagas/effect-kind.js';
import { defineSaga } from '../../sagas/saga.js';
import { walletDecider, WalletEvent } from './sample-wallet.js';

const SendMail = effectKind('sample.mail', t.type({ wallet: t.string }));

/** Calls the sample context's "mail service" received, by idempotency key. */
export const sentMail = new Map<string, number>();

/**
 * A whole context built on the runtime, for tests of the runtime itself: a command route, a
 * projection with its migration, a query route that reads its own writes, and a saga effect.
 */
export const sampleWalletContext: ContextFactory = (deps) => {
  const welcome = defineSaga({
    name: 'sample-welcome',
    events: pickEvents(WalletEvent, ['WalletOpened']),
    initialState: { welcomed: false },
    flowId: (event) => event.streamName,
    react: (state, event) =>
      state.welcomed ? { state } : { state: { welcomed: true }, effects: [SendMail.effect(`welcome:${event.streamName}`, { wallet: event.streamName })] },
  });
  return {
    name: 'sample-wallet',
    migrations: [
      {
        'sample-0001-wallets': {
          async up(db) {
            await sql`create table rm_sample_wallets (id text primary key, owner text not null, balance integer not null)`.execute(db);
          },
        },
      },
    ],
    projections: [
      defineProjection({
        name: 'sample-wallets',
        events: WalletEvent,
        async apply(trx, events) {
          for (const event of events) {
            const id = event.streamName.slice('Wallet-'.length);
            if (event.type === 'WalletOpened') {
              await sql`insert into rm_sample_wallets (id, owner, balance) values (${id}, ${event.data.owner}, 0)`.execute(trx);
            } else {
              const delta = event.type === 'Deposited' ? event.data.amount : -event.data.amount;
              await sql`update rm_sample_wallets set balance = balance + ${delta} where id = ${id}`.execute(trx);
            }
          }
        },
      }),
    ],
    sagas: [welcome],
    effects: [performs(SendMail, async (_payload, { idempotencyKey }) => void sentMail.set(idempotencyKey, (sentMail.get(idempotencyKey) ?? 0) + 1))],
    routes: [
      defineRoute({
        method: 'post',
        path: '/api/sample/wallets',
        summary: 'Open a sample wallet',
        tags: ['sample'],
        auth: { roles: ['user'] },
        responses: { 201: { description: 'Opened' } },
        handle: async ({ principal, correlationId }) => {
          const id = randomUUID();
          const outcome = await handleCommand(deps.store, walletDecider, `Wallet-${id}`, { type: 'Open', owner: principal.id }, { correlationId, actor: principal.id , now: new Date() });
          if (isLeft(outcome)) return outcome;
          return { status: 201, body: { id, position: formatPosition(outcome.right.position!) } };
        },
      }),
      defineRoute({
        method: 'post',
        path: '/api/sample/wallets/:id/deposits',
        summary: 'Deposit into a sample wallet',
        tags: ['sample'],
        auth: { roles: ['user'] },
        params: t.type({ id: t.string }),
        body: t.type({ amount: t.number }),
        responses: { 201: { description: 'Deposited' } },
        handle: async ({ params, body, principal, correlationId }) => {
          const outcome = await handleCommand(deps.store, walletDecider, `Wallet-${params.id}`, { type: 'Deposit', amount: body.amount }, { correlationId, actor: principal.id , now: new Date() });
          if (isLeft(outcome)) return outcome;
          const position = outcome.right.position!;
          await deps.waitForProjection('sample-wallets', position, 5000);
          const { rows } = await sql<{ balance: number }>`select balance from rm_sample_wallets where id = ${params.id}`.execute(deps.database.db);
          return { status: 201, body: { balance: rows[0]?.balance } };
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/sample/wallets/:id',
        summary: 'Read a sample wallet',
        tags: ['sample'],
        auth: { roles: ['user'] },
        params: t.type({ id: t.string }),
        responses: { 200: { description: 'The wallet' }, 404: { description: 'No such wallet' } },
        handle: async ({ params }) => {
          const { rows } = await sql<{ owner: string; balance: number }>`select owner, balance from rm_sample_wallets where id = ${params.id}`.execute(deps.database.db);
          if (!rows[0]) return left(domainError('not_found', 'wallet.not_found', 'no such wallet', 'id'));
          return { status: 200, body: rows[0] };
        },
      }),
    ],
  };
};
