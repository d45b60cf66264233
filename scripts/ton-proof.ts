/**
 * Prints a TON Connect ton_proof for POST /wallet/link/confirm, signed by the W5R1 wallet of a
 * mnemonic — what a wallet app would produce. For trying the API with curl:
 *
 *   npx tsx scripts/ton-proof.ts --payload <payload from /wallet/link/request> [--domain localhost:3000] [--mnemonic "24 words"]
 *
 * Without --mnemonic a new wallet is made and its mnemonic printed to stderr.
 */
import { parseArgs } from 'node:util';
import { mnemonicNew } from '@ton/crypto';
import { signTonProof, walletKeysOf } from '../adapters/ton/ton-proof-signer.js';

const { values } = parseArgs({
  options: {
    payload: { type: 'string' },
    domain: { type: 'string', default: 'localhost:3000' },
    mnemonic: { type: 'string' },
    timestamp: { type: 'string' },
  },
});
if (!values.payload) {
  console.error('usage: npx tsx scripts/ton-proof.ts --payload <payload> [--domain localhost:3000] [--mnemonic "24 words"]');
  process.exit(2);
}
const mnemonic = values.mnemonic?.trim().split(/\s+/) ?? (await mnemonicNew(24));
if (!values.mnemonic) console.error(`new wallet mnemonic: ${mnemonic.join(' ')}`);
const timestamp = values.timestamp ? Number(values.timestamp) : Math.floor(Date.now() / 1000);
console.log(JSON.stringify(await signTonProof({ keys: await walletKeysOf(mnemonic), domain: values.domain!, payload: values.payload, timestamp })));
