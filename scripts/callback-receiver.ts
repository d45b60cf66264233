/**
 * Receives gateway callbacks and prints them with whether their HMAC signature checks out — a
 * stand-in for the initiator's endpoint when trying the API with curl:
 *
 *   npx tsx scripts/callback-receiver.ts [--port 4000] [--secret …] [--data-dir ./data]
 *
 * The secret: --secret, else GATEWAY_CALLBACK_SECRET, else the one the embedded default
 * generated into <data dir>/callback-secret, where the data dir is --data-dir, else DATA_DIR
 * (the same variable `npm start` reads), else ./data. It prints where the secret came from.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { signCallback } from '../adapters/callbacks/signed-callback.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '4000' }, secret: { type: 'string' }, 'data-dir': { type: 'string' } } });

function secretAndSource(): { secret: string; source: string } {
  if (values.secret) return { secret: values.secret, source: '--secret' };
  if (process.env.GATEWAY_CALLBACK_SECRET) return { secret: process.env.GATEWAY_CALLBACK_SECRET, source: 'GATEWAY_CALLBACK_SECRET' };
  const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? './data';
  const file = resolve(join(dataDir, 'callback-secret'));
  try {
    return { secret: readFileSync(file, 'utf8').trim(), source: file };
  } catch {
    console.error(
      `no callback secret at ${file}: start the API first (npm start generates it into DATA_DIR), or pass --data-dir / DATA_DIR of the running API, --secret or GATEWAY_CALLBACK_SECRET`,
    );
    process.exit(1);
  }
}

const { secret, source } = secretAndSource();

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const timestamp = String(req.headers['x-ledgerline-timestamp'] ?? '');
    const valid = req.headers['x-ledgerline-signature'] === `sha256=${signCallback(secret, timestamp, body)}`;
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} signature ${valid ? 'valid' : 'INVALID'} ${body}`);
    res.writeHead(valid ? 204 : 401).end();
  });
}).listen(Number(values.port), () => console.log(`listening for callbacks on http://localhost:${values.port}/ (secret from ${source})`));
