import { ERROR_TABLE, errorReply, errorText } from './register-errors.js';
import type { FaultQueue, RegisterFault, ReportFault } from './register-faults.js';
import { hang, isObject, json, readJson, type RegisterReply, type RegisterRequest } from './register-http.js';
import { moscowTimestamp } from './register-time.js';
import type { TokenDesk } from './register-tokens.js';
import { reportDocument, type FiscalDocuments } from './fiscal-documents.js';
import { validateReceiptRequest } from './receipt-validation.js';

export interface RegisterSettings {
  waitMs: number;
  callbacks: boolean;
}

export interface RegisterApiDeps {
  readonly tokens: TokenDesk;
  readonly documents: FiscalDocuments;
  readonly registerFaults: FaultQueue<RegisterFault>;
  readonly reportFaults: FaultQueue<ReportFault>;
  readonly settings: RegisterSettings;
  readonly now: () => Date;
}

/** ATOL v5 also knows sell_correction, sell_refund_correction and the buy_* family (DOMAIN-FACTS B 3.1); the local register prints only sales and their refunds: the rest get error 31. */
const PRINTED_OPERATIONS: readonly string[] = ['sell', 'sell_refund'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a proxy in front of the register says when it falls over (the `http_500` fault): no ATOL error in it. */
const PROXY_FAILURE: RegisterReply = {
  status: 500,
  headers: { 'content-type': 'text/html' },
  body: '<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>',
};

/**
 * ATOL Online v5 as the local register serves it under /possystem/v5 (DOMAIN-FACTS B 3.1):
 * `POST getToken`, `POST {group}/{operation}`, `GET {group}/report/{uuid}`, with ATOL's error
 * answers. Requests to /possystem/v4 get error 21: the group's registers speak FFD 1.2 (v5).
 */
export class RegisterApi {
  constructor(private readonly deps: RegisterApiDeps) {}

  handle(request: RegisterRequest, version: string, rest: readonly string[]): RegisterReply {
    const now = this.deps.now();
    if (version !== 'v5') return errorReply(21, now);
    if (rest.length === 1 && rest[0] === 'getToken') return request.method === 'POST' ? this.getToken(request, now) : errorReply(40, now);
    const [group, operation, uuid] = rest;
    if (group === undefined || operation === undefined) return errorReply(40, now);
    const token = this.deps.tokens.check(headerOf(request, 'token'));
    if (!token.ok) return errorReply(token.code, now);
    if (!this.deps.tokens.mayUse(group)) return errorReply(20, now);
    if (operation === 'report' && rest.length === 3 && request.method === 'GET') return this.report(group, uuid!, now);
    if (rest.length === 2 && request.method === 'POST') return this.register(request, group, operation, now);
    return errorReply(40, now);
  }

  private getToken(request: RegisterRequest, now: Date): RegisterReply {
    const body = readJson(request.body);
    const value = body.kind === 'json' && typeof body.value === 'object' && body.value !== null ? (body.value as Record<string, unknown>) : {};
    const missing = ['login', 'pass'].filter((field) => typeof value[field] !== 'string' || value[field] === '');
    if (missing.length > 0) return errorReply(13, now, { values: [missing.join(', ')] });
    const issued = this.deps.tokens.issue(value.login as string, value.pass as string);
    if (!issued.ok) return errorReply(12, now);
    return json(200, { error: null, token: issued.token, timestamp: moscowTimestamp(now) });
  }

  private register(request: RegisterRequest, group: string, operation: string, now: Date): RegisterReply {
    if (!PRINTED_OPERATIONS.includes(operation)) return errorReply(31, now, { values: [operation] });
    const body = readJson(request.body);
    const aimedAt = body.kind === 'json' && isObject(body.value) && typeof body.value.external_id === 'string' ? body.value.external_id : undefined;
    const fault = this.deps.registerFaults.take(['http_500', 'timeout', 'refuse', 'error'], aimedAt);
    if (fault?.kind === 'http_500') return PROXY_FAILURE;
    const contentType = headerOf(request, 'content-type') ?? '';
    if (!/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(contentType.trim())) return errorReply(41, now, { values: [contentType || '(нет)'] });
    if (body.kind !== 'json') return errorReply(40, now);
    if (fault?.kind === 'refuse') {
      return errorReply(32, now, { uuid: null, values: [`${fault.field ?? 'receipt.client.email'} (${fault.reason ?? 'отклонено по запросу теста'})`] });
    }
    if (fault?.kind === 'error') return errorReply(fault.code, now, ERROR_TABLE[fault.code]?.status === 'fail' ? { uuid: null } : {});
    const validation = validateReceiptRequest(body.value);
    if (!validation.ok) return errorReply(32, now, { uuid: null, values: [`${validation.field} (${validation.reason})`] });
    const { receipt } = validation;
    const existing = this.deps.documents.findByExternalId(group, receipt.externalId);
    const reply = existing
      ? errorReply(33, now, { uuid: existing.uuid, status: existing.status, values: [receipt.externalId, group] })
      : (() => {
          const taken = this.deps.documents.take(group, operation as 'sell' | 'sell_refund', receipt, this.deps.settings.waitMs);
          return json(200, { uuid: taken.uuid, status: 'wait', error: null, timestamp: moscowTimestamp(now) });
        })();
    return fault?.kind === 'timeout' ? hang : reply;
  }

  private report(group: string, uuid: string, now: Date): RegisterReply {
    if (!UUID.test(uuid)) return errorReply(30, now, { uuid, values: [uuid] });
    const document = this.deps.documents.find(uuid);
    if (this.deps.reportFaults.take(['not_found_yet'], document?.receipt.externalId)) return errorReply(34, now, { uuid });
    if (document === undefined || document.group !== group) return errorReply(30, now, { uuid, text: `${errorText(30, uuid)} (документ не найден)` });
    return json(200, reportDocument(document, now));
  }
}

function headerOf(request: RegisterRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
