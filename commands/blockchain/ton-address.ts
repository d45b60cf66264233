import { checkedString } from './gateway-inputs.js';
import { tonAddressProblem } from '../../domain/blockchain/ton-address.js';

export { rawAddress, tonAddressProblem } from '../../domain/blockchain/ton-address.js';

interface TonAddressBrand {
  readonly TonAddress: unique symbol;
}

/** A TON address in user-friendly (`EQ…`/`UQ…`) or raw (`0:<64 hex>`) form, in workchain 0 or -1; kept as sent. */
export const TonAddress = checkedString<TonAddressBrand>('TonAddress', tonAddressProblem, {
  type: 'string',
  description: 'TON address in workchain 0 or -1, user-friendly (EQ…/UQ…) or raw (0:hex)',
  examples: ['EQBvW8Z5huBkMJYdnfAEM5JqTNkuWX3diqYENkWsIL0XggGG'],
});

