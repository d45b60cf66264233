import { pickEvents } from '../../domain/event-codec.js';
import { WalletLinkEvent } from '../../domain/blockchain/wallet-link.js';
import { sql } from 'kysely';
import { defineProjection } from '../projection.js';

export const WALLETS_PROJECTION = 'verified-wallets';

/** `rm_verified_wallets`: which TON addresses each user has proven to own (B-2, checked by B-3). */
export function verifiedWalletProjection() {
  return defineProjection({
    name: WALLETS_PROJECTION,
    events: pickEvents(WalletLinkEvent, ['WalletLinkVerified']),
    migrations: {
      'verified-wallets-0001-table': {
        async up(db) {
          await sql`
            create table rm_verified_wallets (
              user_id text not null,
              address text not null,
              public_key text not null,
              verified_at timestamptz not null,
              primary key (user_id, address)
            )`.execute(db);
        },
      },
    },
    async apply(trx, events) {
      for (const event of events) {
        const data = event.data;
        await sql`
          insert into rm_verified_wallets (user_id, address, public_key, verified_at)
          values (${data.userId}, ${data.address}, ${data.publicKey}, ${data.verifiedAt}::timestamptz)
          on conflict (user_id, address) do update set public_key = excluded.public_key, verified_at = excluded.verified_at`.execute(trx);
      }
    },
  });
}
