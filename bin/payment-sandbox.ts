/**
 * `npm run payment-sandbox`: the local payment sandbox on its own (a local YooKassa API v3 and
 * T-Bank EACQ v2 with their payment pages), for several API instances sharing one sandbox
 * (PAYMENT_SANDBOX_URL) or for trying the protocols by curl.
 *
 *   PAYMENT_SANDBOX_PORT   port (default 3001; 0 = any free one)
 *   PAYMENT_SANDBOX_HOST   address to listen on (default 127.0.0.1)
 *   PAYMENT_SANDBOX_PUBLIC_URL  how shops and buyers reach it, when not http://HOST:PORT (a container)
 *   PAYMENT_SANDBOX_YOOKASSA_WEBHOOK_URL  the shop's YooKassa notification URL (default http://127.0.0.1:3000/webhooks/yookassa)
 *   PAYMENT_SANDBOX_WEBHOOK_RETRY_MS / PAYMENT_SANDBOX_WEBHOOK_ATTEMPTS  redelivery pace (default 1000 ms, doubling; 10 attempts)
 * The credentials are the sandbox defaults (SANDBOX_DEFAULT_CREDENTIALS in adapters/payments/sandbox/payment-sandbox.ts).
 */
import { SANDBOX_DEFAULT_CREDENTIALS, startPaymentSandbox } from '../adapters/payments/sandbox/payment-sandbox.js';
import { integerFromEnvironment } from './stand-in-environment.js';


const sandbox = await startPaymentSandbox({
  port: integerFromEnvironment('PAYMENT_SANDBOX_PORT', 3001, 0, 65535),
  host: process.env.PAYMENT_SANDBOX_HOST || '127.0.0.1',
  ...(process.env.PAYMENT_SANDBOX_PUBLIC_URL ? { publicUrl: process.env.PAYMENT_SANDBOX_PUBLIC_URL } : {}),
  yookassa: { ...SANDBOX_DEFAULT_CREDENTIALS.yookassa, webhookUrl: process.env.PAYMENT_SANDBOX_YOOKASSA_WEBHOOK_URL || 'http://127.0.0.1:3000/webhooks/yookassa' },
  tbank: { ...SANDBOX_DEFAULT_CREDENTIALS.tbank },
  delivery: { firstRetryMs: integerFromEnvironment('PAYMENT_SANDBOX_WEBHOOK_RETRY_MS', 1000, 1, 3_600_000), attempts: integerFromEnvironment('PAYMENT_SANDBOX_WEBHOOK_ATTEMPTS', 10, 1, 1000) },
});

console.log(`payment sandbox listening on ${sandbox.url}`);
console.log(`  YooKassa API v3: ${sandbox.yookassa.apiUrl} (shop ${sandbox.yookassa.shopId})`);
console.log(`  T-Bank EACQ v2:  ${sandbox.tbank.apiUrl} (terminal ${sandbox.tbank.terminalKey})`);
console.log(`  pay or decline:  ${sandbox.url}/pay/{yookassa|tbank}/{paymentId}, or POST ${sandbox.url}/sandbox/{provider}/payments/{id}/pay`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void sandbox.stop().then(() => process.exit(0));
  });
}
