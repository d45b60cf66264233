/**
 * Receives gateway callbacks and prints them with whether their HMAC signature checks out — a
 * stand-in for the initiator's endpoint when trying the API with curl:
 *
 *   npx tsx scripts/callback-receiver.ts [--port 4000] [--secret …]
 *
 * The secret defaults to GATEWAY_CALLBACK_SECRET, else the one generated into DATA_DIR
 * (./data/callback-secret) by the embedded default.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signCallback } from '../adapters/callbacks/signed-callback.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '4000' }, secret: { type: 'string' } } });
const secret = values.secret ?? process.env.GATEWAY_CALLBACK_SECRET ?? readFileSync(join(process.env.DATA_DIR ?? './data', 'callback-secret'), 'utf8').trim();

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const timestamp = String(req.headers['x-ledgerline-timestamp'] ?? '');
    const valid = req.headers['x-ledgerline-signature'] === `sha256=${signCallback(secret, timestamp, body)}`;
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} signature ${valid ? 'valid' : 'INVALID'} ${body}`);
    res.writeHead(valid ? 204 : 401).end();
  });
}).listen(Number(values.port), () => console.log(`listening for callbacks on http://localhost:${values.port}/`));
