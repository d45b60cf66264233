import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { tbankToken } from '../../../../adapters/payments/sandbox/tbank-token.js';
import type { PaymentSandbox } from '../../../../adapters/payments/sandbox/payment-sandbox.js';
import { schemaViolations, type Schema } from '../../../support/json-schema-check.js';

/** A shop's notification endpoint: records every POST, answers what `reply` says (default 200 "OK"). */
export interface WebhookReceiver {
  readonly url: string;
  readonly received: { readonly path: string; readonly body: Record<string, unknown> }[];
  reply: (n: number, body: Record<string, unknown>) => { status: number; body: string };
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: { path: string; body: Record<string, unknown> }[] = [];
  const receiver = {
    url: '',
    received,
    reply: (() => ({ status: 200, body: 'OK' })) as WebhookReceiver['reply'],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET') {
        // the buyer's browser coming back (return_url / SuccessURL / FailURL)
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>Shop</title><p id="shop">Back at the shop: ${req.url ?? ''}</p>`);
        return;
      }
      const notification = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      received.push({ path: req.url ?? '/', body: notification });
      const { status, body } = receiver.reply(received.length, notification);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Raw YooKassa calls (no client library): Basic auth with the sandbox's shop unless told otherwise. */
export function yookassaClient(sandbox: PaymentSandbox) {
  const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
  const call = async (method: 'GET' | 'POST', path: string, options: { body?: unknown; rawBody?: string; key?: string; auth?: string; signal?: AbortSignal } = {}) => {
    const headers: Record<string, string> = { authorization: options.auth ?? basic(sandbox.yookassa.shopId, sandbox.yookassa.secretKey) };
    if (options.key !== undefined) headers['idempotence-key'] = options.key;
    if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${sandbox.yookassa.apiUrl}${path}`, {
      method,
      headers,
      ...(options.rawBody !== undefined ? { body: options.rawBody } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as Record<string, any> };
  };
  return { call, basic };
}

/** Raw T-Bank calls, signed with the sandbox's own Token function (pinned by the vectors spec). */
export function tbankClient(sandbox: PaymentSandbox) {
  return async (method: string, fields: Record<string, unknown>, options: { password?: string; token?: string; signal?: AbortSignal } = {}) => {
    const request = { TerminalKey: sandbox.tbank.terminalKey, ...fields };
    const Token = options.token ?? tbankToken(request, options.password ?? sandbox.tbank.password);
    const response = await fetch(`${sandbox.tbank.apiUrl}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...request, Token }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as Record<string, any> };
  };
}

/**
 * The official YooKassa OpenAPI document: kept beside the repository (../shared/reference, its licence
 * does not let us copy it in), or wherever YOOKASSA_OPENAPI points. Undefined when absent.
 */
export const YOOKASSA_OPENAPI_PATH = process.env.YOOKASSA_OPENAPI ?? new URL('../../../../../shared/reference/yookassa-openapi.yaml', import.meta.url).pathname;
let loaded: { openApi: Schema; schemas: Record<string, Schema> } | undefined;
function document(): { openApi: Schema; schemas: Record<string, Schema> } {
  if (!loaded) {
    const openApi = parse(readFileSync(YOOKASSA_OPENAPI_PATH, 'utf8')) as Schema;
    loaded = { openApi, schemas: (openApi.components as { schemas: Record<string, Schema> }).schemas };
  }
  return loaded;
}
export const yookassaOpenApiPresent = () => existsSync(YOOKASSA_OPENAPI_PATH);

/** The OpenAPI objects whose discriminated `oneOf` fields the check resolves itself. */
const DISCRIMINATED: Readonly<Record<string, readonly (readonly [field: string, base: string])[]>> = {
  Payment: [['payment_method', 'PaymentMethod'], ['confirmation', 'Confirmation']],
  Refund: [['refund_method', 'RefundMethod']],
};

/**
 * Where a YooKassa object departs from its OpenAPI schema. The document's `oneOf` with a
 * `discriminator` (a Payment's payment_method and confirmation, a Refund's refund_method) is
 * resolved by the discriminator first — the generic checker would otherwise count several
 * matching branches, or none for a `oneOf` with no properties beside it — then that branch is checked.
 */
export function openApiViolations(schemaName: 'Payment' | 'Refund' | 'RefundList' | 'BadRequest' | 'InvalidCredentials' | 'NotFound' | 'TooManyRequests', value: unknown): string[] {
  const { openApi, schemas } = document();
  const schema = schemas[schemaName]!;
  const discriminated = DISCRIMINATED[schemaName];
  if (discriminated === undefined || value === null || typeof value !== 'object') return schemaViolations(schema, value, openApi);
  const record = value as Record<string, unknown>;
  const properties = { ...(schema.properties as Record<string, Schema>), ...Object.fromEntries(discriminated.map(([field]) => [field, { type: 'object', additionalProperties: true }])) };
  const found = schemaViolations({ ...schema, properties }, record, openApi);
  for (const [field, base] of discriminated) {
    const part = record[field] as Record<string, unknown> | undefined;
    if (part === undefined) continue;
    const mapping = (schemas[base]!.discriminator as { mapping: Record<string, string> }).mapping;
    const ref = mapping[String(part.type)];
    if (!ref) found.push(`$.${field}.type: ${String(part.type)} is not a documented ${base} type`);
    else found.push(...schemaViolations({ $ref: ref }, part, openApi, `$.${field}`));
  }
  return found;
}
