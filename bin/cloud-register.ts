/**
 * `npm run cloud-register`: the local cloud register on its own (ATOL Online v5, FFD 1.2, in
 * memory), for several API instances sharing one register (CLOUD_REGISTER_URL) or for trying the
 * protocol by curl.
 *
 *   CLOUD_REGISTER_PORT        port (default 3002; 0 = any free one)
 *   CLOUD_REGISTER_HOST        address to listen on (default 127.0.0.1)
 *   CLOUD_REGISTER_PUBLIC_URL  how shops reach it, when not http://HOST:PORT (a container; the OFD links use it)
 *   CLOUD_REGISTER_WAIT_MS     how long a receipt stays "wait" (default 1000)
 * The account is the register's default (CLOUD_REGISTER_DEFAULT_ACCOUNT in adapters/fiscal/cloud-register/cloud-register.ts).
 */
import { CLOUD_REGISTER_DEFAULT_ACCOUNT, startCloudRegister } from '../adapters/fiscal/cloud-register/cloud-register.js';
import { integerFromEnvironment } from './stand-in-environment.js';


const register = await startCloudRegister({
  port: integerFromEnvironment('CLOUD_REGISTER_PORT', 3002, 0, 65535),
  host: process.env.CLOUD_REGISTER_HOST || '127.0.0.1',
  ...(process.env.CLOUD_REGISTER_PUBLIC_URL ? { publicUrl: process.env.CLOUD_REGISTER_PUBLIC_URL } : {}),
  waitMs: integerFromEnvironment('CLOUD_REGISTER_WAIT_MS', 1000, 0, 3_600_000),
  account: CLOUD_REGISTER_DEFAULT_ACCOUNT,
});

console.log(`local cloud register listening on ${register.url}`);
console.log(`  ATOL Online v5: ${register.apiUrl} (login ${register.login}, group ${register.group})`);
console.log(`  receipts:       GET ${register.url}/cloud-register/receipts`);
console.log(`  faults:         POST ${register.url}/cloud-register/faults {"register":[{"kind":"http_500"}]}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void register.stop().then(() => process.exit(0));
  });
}
