import { Address } from '@ton/core';

/** The workchains the gateway's contracts live in and send to: basechain (0) and masterchain (-1). */
export const ACCEPTED_WORKCHAINS: readonly number[] = [0, -1];

/** Why `text` is not an address the gateway sends to, or null. */
export function tonAddressProblem(text: string): string | null {
  let address: Address;
  try {
    address = Address.parse(text);
  } catch {
    return 'must be a TON address, user-friendly (EQ…/UQ…) or raw (0:<64 hex>)';
  }
  if (!ACCEPTED_WORKCHAINS.includes(address.workChain)) return `must be in workchain 0 or -1 (got workchain ${address.workChain})`;
  return null;
}

/** The raw form `workchain:hex`, one spelling per account, for comparisons and keys. */
export const rawAddress = (address: string): string => Address.parse(address).toRawString();
