import { Address } from '@ton/core';
import * as t from 'io-ts';
import { withJsonSchema } from '../../adapters/http/json-schema.js';

interface TonAddressBrand {
  readonly TonAddress: unique symbol;
}

/** A TON address in user-friendly (`EQ…`/`UQ…`) or raw (`0:<64 hex>`) form; kept as sent. */
export const TonAddress = withJsonSchema(
  t.brand(
    t.string,
    (s): s is t.Branded<string, TonAddressBrand> => {
      try {
        Address.parse(s);
        return true;
      } catch {
        return false;
      }
    },
    'TonAddress',
  ),
  { type: 'string', description: 'TON address, user-friendly (EQ…/UQ…) or raw (0:hex)', examples: ['EQBvW8Z5huBkMJYdnfAEM5JqTNkuWX3diqYENkWsIL0XggGG'] },
);

/** The raw form `workchain:hex`, one spelling per account, for comparisons and keys. */
export const rawAddress = (address: string): string => Address.parse(address).toRawString();
