import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCloudRegister, type LocalCloudRegister } from '../../../../adapters/fiscal/cloud-register/cloud-register.js';
import { eventually } from '../../../support/eventually.js';
import { atolSellExample, REPORT_FIXTURE_PAYLOAD } from '../atol-v5-fixtures.js';

/**
 * The local cloud register as ATOL Online v5 is documented (DOMAIN-FACTS B 3.1, 9), spoken to
 * with raw fetch and JSON written out by hand — no adapter code in between: the §3.1 example
 * body, the report fixture's field names and types, the §9 duplicate answer, the error table.
 */

/** The report fixture's payload (uuid 2ea26f17…): the register's payloads have these fields with these types. */
const FIXTURE_PAYLOAD = { ...REPORT_FIXTURE_PAYLOAD, ofd_inn: '7709364346', ofd_receipt_url: 'https://…' };
const REPORT_FIELDS = ['uuid', 'error', 'status', 'payload', 'timestamp', 'group_code', 'daemon_code', 'device_code', 'external_id', 'callback_url', 'warnings'];
/** DOMAIN-FACTS B 9: `{"uuid":"9afafa6a-…","status":"wait","error":{"code":33,"error_id":"dba2abc1-…","text":"В системе существует чек с external_id : \"atol-1122334455\" и group_code: \"mac-test-ru_1122\"","type":"system"},"timestamp":"29.11.2021 10:00:01"}` */
const DUPLICATE_SAMPLE = JSON.parse(
  '{"uuid":"9afafa6a-0000-4000-8000-000000000000","status":"wait","error":{"code":33,"error_id":"dba2abc1-0000-4000-8000-000000000000","text":"В системе существует чек с external_id : \\"atol-1122334455\\" и group_code: \\"mac-test-ru_1122\\"","type":"system"},"timestamp":"29.11.2021 10:00:01"}',
) as Record<string, unknown>;

const ATOL_TIME = /^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly json: any;
}

interface Catcher {
  readonly url: string;
  readonly received: { body: any }[];
  status: number;
  stop(): Promise<void>;
}

async function startCatcher(): Promise<Catcher> {
  const catcher = {
    url: '',
    received: [] as { body: any }[],
    status: 200,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      catcher.received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(catcher.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  catcher.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/cash-register`;
  return catcher;
}

describe('Local cloud register: ATOL Online v5 over raw HTTP', () => {
  let register: LocalCloudRegister;
  let catcher: Catcher;
  let now = new Date('2026-05-12T11:03:00.000Z');
  let token: string;
  let receipts = 0;

  before(async () => {
    catcher = await startCatcher();
    register = await startCloudRegister({ port: 0, waitMs: 1000, now: () => now, callbackPace: { attempts: 3, firstRetryMs: 10 } });
    token = (await atol('POST', '/getToken', { body: `{"login": "${register.login}", "pass": "${register.password}"}` })).json.token;
  });
  after(async () => {
    await register.stop();
    await catcher.stop();
  });
  afterEach(() => {
    register.clearFaults();
    catcher.status = 200;
  });

  async function atol(method: string, path: string, options: { body?: string; token?: string; contentType?: string; base?: string; signal?: AbortSignal } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json; charset=utf-8';
    if (options.token !== undefined) headers.Token = options.token;
    const response = await fetch(`${options.base ?? register.apiUrl}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: options.body }), ...(options.signal ? { signal: options.signal } : {}) });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
  }

  /** The §3.1 example under a fresh external_id, changed by `change` (a plain object edit). */
  function example(change: (body: any) => void = () => {}): { externalId: string; body: string } {
    const body = JSON.parse(atolSellExample(catcher.url));
    body.external_id = `rcpt_ord_${++receipts}_sale`;
    change(body);
    return { externalId: body.external_id, body: JSON.stringify(body) };
  }
  const sell = (body: string, operation = 'sell') => atol('POST', `/${register.group}/${operation}`, { body, token });
  const report = (uuid: string) => atol('GET', `/${register.group}/report/${uuid}`, { token });
  const shapeOf = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? 'null' : typeof v]));

  describe('getToken', () => {
    it('given the login and pass, then 200 {error: null, token of 128 characters, timestamp dd.mm.yyyy HH:MM:SS}', async () => {
      const answer = await atol('POST', '/getToken', { body: `{"login":"${register.login}","pass":"${register.password}"}` });
      assert.equal(answer.status, 200);
      assert.deepEqual(Object.keys(answer.json).sort(), ['error', 'timestamp', 'token']);
      assert.equal(answer.json.error, null);
      assert.match(answer.json.token, /^[0-9a-f]{128}$/);
      assert.equal(answer.json.timestamp, '12.05.2026 14:03:00');
    });

    it('given a wrong pass or login, then 401 code 12 WrongLoginOrPassword; given no pass, 400 code 13 naming it', async () => {
      for (const body of [`{"login":"${register.login}","pass":"nope"}`, `{"login":"someone","pass":"${register.password}"}`]) {
        const answer = await atol('POST', '/getToken', { body });
        assert.deepEqual([answer.status, answer.json.error.code, answer.json.error.type, answer.json.error.text], [401, 12, 'system', 'Неверный логин или пароль']);
        assert.match(answer.json.error.error_id, UUID);
      }
      const missing = await atol('POST', '/getToken', { body: `{"login":"${register.login}"}` });
      assert.deepEqual([missing.status, missing.json.error.code], [400, 13]);
      assert.match(missing.json.error.text, /pass/);
    });
  });

  describe('access to {group}/{operation}', () => {
    it('given no Token header or a made-up one, then 401 code 10 MissingToken', async () => {
      for (const t of [undefined, 'x'.repeat(128)]) {
        const answer = await atol('POST', `/${register.group}/sell`, { body: example().body, ...(t === undefined ? {} : { token: t }) });
        assert.deepEqual([answer.status, answer.json.error.code], [401, 10]);
      }
    });

    it('given another group, then 401 code 20; an operation other than sell / sell_refund, then 400 code 31 naming it; the v4 protocol, then 401 code 21', async () => {
      const otherGroup = await atol('POST', '/someone-else_1/sell', { body: example().body, token });
      assert.deepEqual([otherGroup.status, otherGroup.json.error.code], [401, 20]);
      for (const operation of ['buy', 'sell_correction', 'explode']) {
        const answer = await sell(example().body, operation);
        assert.deepEqual([answer.status, answer.json.error.code], [400, 31]);
        assert.match(answer.json.error.text, new RegExp(`"${operation}"`));
      }
      const v4 = await atol('POST', `/${register.group}/sell`, { body: example().body, token, base: register.apiUrl.replace('/v5', '/v4') });
      assert.deepEqual([v4.status, v4.json.error.code], [401, 21]);
    });

    it('given text/plain, then 415 code 41; given a body that is not JSON, then 400 code 40', async () => {
      const plain = await atol('POST', `/${register.group}/sell`, { body: example().body, token, contentType: 'text/plain' });
      assert.deepEqual([plain.status, plain.json.error.code], [415, 41]);
      const broken = await sell('{"external_id": ');
      assert.deepEqual([broken.status, broken.json.error.code], [400, 40]);
    });

    it('given the token is 24 hours old by the register\'s clock, then 401 code 11 ExpiredToken', async () => {
      const fresh = (await atol('POST', '/getToken', { body: `{"login":"${register.login}","pass":"${register.password}"}` })).json.token;
      now = new Date(now.getTime() + 24 * 60 * 60 * 1000);
      try {
        const answer = await atol('POST', `/${register.group}/sell`, { body: example().body, token: fresh });
        assert.deepEqual([answer.status, answer.json.error.code, answer.json.error.text], [401, 11, 'Переданный токен не активен']);
      } finally {
        token = (await atol('POST', '/getToken', { body: `{"login":"${register.login}","pass":"${register.password}"}` })).json.token;
      }
    });
  });

  describe('the §3.1 example, wait → done, the callback, the duplicate', () => {
    it('given the example body, then 200 {uuid, status wait, error null, timestamp}; the report says wait with the full report document and no payload', async () => {
      const { externalId, body } = example();
      const answer = await sell(body);
      assert.equal(answer.status, 200);
      assert.deepEqual(Object.keys(answer.json).sort(), ['error', 'status', 'timestamp', 'uuid']);
      assert.deepEqual([answer.json.status, answer.json.error], ['wait', null]);
      assert.match(answer.json.uuid, UUID);
      assert.match(answer.json.timestamp, ATOL_TIME);
      const waiting = await report(answer.json.uuid);
      assert.equal(waiting.status, 200);
      assert.deepEqual(Object.keys(waiting.json).sort(), [...REPORT_FIELDS].sort());
      assert.deepEqual([waiting.json.status, waiting.json.payload, waiting.json.error, waiting.json.group_code, waiting.json.external_id, waiting.json.callback_url], ['wait', null, null, register.group, externalId, catcher.url]);
    });

    it('given the wait is over, then done with a payload of the fixture\'s fields and types: a fiscal sign beyond 2³¹, receipt_datetime in Moscow time, the total; the callback gets the same document', async () => {
      const accepted = (await sell(example().body)).json;
      now = new Date(now.getTime() + 1000);
      const done = await report(accepted.uuid);
      assert.equal(done.json.status, 'done');
      const payload = done.json.payload;
      assert.deepEqual(shapeOf(payload), shapeOf(FIXTURE_PAYLOAD));
      assert.ok(Number.isInteger(payload.fiscal_document_attribute) && payload.fiscal_document_attribute > 2 ** 31, String(payload.fiscal_document_attribute));
      assert.equal(payload.receipt_datetime, new Date(now.getTime() + 3 * 3600_000).toISOString().replace(/^(\d{4})-(\d\d)-(\d\d)T(\d\d:\d\d:\d\d).*$/, '$3.$2.$1 $4'));
      assert.equal(payload.total, 1499);
      assert.match(payload.fn_number, /^\d{16}$/);
      assert.match(payload.ecr_registration_number, /^\d{16}$/);
      const posted = await eventually(async () => catcher.received.find((c) => c.body.uuid === accepted.uuid));
      assert.deepEqual(posted.body, done.json);
    });

    it('given the same external_id again, then 400 shaped like the §9 sample: code 33, the existing uuid, its status', async () => {
      const { externalId, body } = example();
      const first = (await sell(body)).json;
      const again = await sell(body);
      assert.equal(again.status, 400);
      assert.deepEqual(shapeOf(again.json), shapeOf(DUPLICATE_SAMPLE));
      assert.deepEqual(shapeOf(again.json.error), shapeOf(DUPLICATE_SAMPLE.error as Record<string, unknown>));
      assert.deepEqual([again.json.uuid, again.json.status, again.json.error.code, again.json.error.type], [first.uuid, 'wait', 33, 'system']);
      assert.equal(again.json.error.text, `В системе существует чек с external_id : "${externalId}" и group_code: "${register.group}"`);
      now = new Date(now.getTime() + 1000);
      assert.equal((await sell(body)).json.status, 'done');
      assert.equal(register.receipts({ externalId }).length, 1);
    });

    it('given the callback receiver answers 500, then the register tries 3 times and gives up (the shop polls)', async () => {
      catcher.status = 500;
      const accepted = (await sell(example().body)).json;
      now = new Date(now.getTime() + 1000);
      await report(accepted.uuid);
      const attempts = await eventually(async () => {
        const log = (await atol('GET', '/cloud-register/callbacks', { base: register.url })).json.filter((a: { uuid: string }) => a.uuid === accepted.uuid);
        return log.length >= 3 ? log : undefined;
      });
      assert.deepEqual(attempts.map((a: { status: number; url: string }) => [a.status, a.url]), [[500, catcher.url], [500, catcher.url], [500, catcher.url]]);
    });

    it('given a fractional quantity (0.3 × 1000 = 300), or a phone instead of an e-mail, then taken', async () => {
      const fractional = example((b) => {
        Object.assign(b.receipt.items[0], { price: 1000, quantity: 0.3, sum: 300, measure: 11 });
        b.receipt.payments[0].sum = 300;
        b.receipt.total = 300;
      });
      assert.equal((await sell(fractional.body)).status, 200);
      const byPhone = example((b) => (b.receipt.client = { phone: '+79001234567' }));
      assert.equal((await sell(byPhone.body)).status, 200);
    });
  });

  describe('validation: 400 code 32 naming the field, nothing taken', () => {
    const cases: [string, string, (b: any) => void][] = [
      ['a total that is not the sum of the items', 'receipt.total', (b) => ((b.receipt.total = 1500), (b.receipt.payments[0].sum = 1500))],
      ['an item sum that is not price × quantity', 'receipt.items[0].sum', (b) => ((b.receipt.items[0].sum = 1500), (b.receipt.total = 1500), (b.receipt.payments[0].sum = 1500))],
      ['payments that do not add up to the total', 'receipt.payments', (b) => (b.receipt.payments[0].sum = 1000)],
      ['a VAT type ATOL does not know', 'receipt.items[0].vat.type', (b) => (b.receipt.items[0].vat.type = 'vat18')],
      ['payment_object as a word (FFD 1.05 style)', 'receipt.items[0].payment_object', (b) => (b.receipt.items[0].payment_object = 'commodity')],
      ['no measure (FFD 1.2 requires it)', 'receipt.items[0].measure', (b) => delete b.receipt.items[0].measure],
      ['a payment method ATOL does not know', 'receipt.items[0].payment_method', (b) => (b.receipt.items[0].payment_method = 'full')],
      ['a price with three decimals', 'receipt.items[0].price', (b) => (b.receipt.items[0].price = 1499.001)],
      ['a name of 129 characters', 'receipt.items[0].name', (b) => (b.receipt.items[0].name = 'x'.repeat(129))],
      ['no items', 'receipt.items', (b) => (b.receipt.items = [])],
      ['neither e-mail nor phone of the buyer', 'receipt.client', (b) => (b.receipt.client = {})],
      ['a buyer e-mail that is not one', 'receipt.client.email', (b) => (b.receipt.client.email = 'not-an-email')],
      ['an INN with a wrong check digit', 'receipt.company.inn', (b) => (b.receipt.company.inn = '5544332218')],
      ['an INN of 9 digits', 'receipt.company.inn', (b) => (b.receipt.company.inn = '554433221')],
      ['a tax system ATOL does not know', 'receipt.company.sno', (b) => (b.receipt.company.sno = 'simple')],
      ['no company e-mail', 'receipt.company.email', (b) => delete b.receipt.company.email],
      ['no payment address', 'receipt.company.payment_address', (b) => delete b.receipt.company.payment_address],
      ['an ISO timestamp', 'timestamp', (b) => (b.timestamp = '2026-05-12T14:03:00')],
      ['the 31st of February', 'timestamp', (b) => (b.timestamp = '31.02.2026 10:00:00')],
      ['no external_id', 'external_id', (b) => delete b.external_id],
    ];
    for (const [what, field, change] of cases) {
      it(`given ${what}, then 32 naming ${field}`, async () => {
        const { body } = example(change);
        const held = register.receipts().length;
        const answer = await sell(body);
        assert.deepEqual([answer.status, answer.json.error?.code, answer.json.status], [400, 32, 'fail'], answer.text);
        assert.ok(answer.json.error.text.startsWith('Ошибка валидации входного чека. Ошибочные поля : '), answer.json.error.text);
        assert.ok(answer.json.error.text.includes(`: ${field} (`), answer.json.error.text);
        assert.equal(register.receipts().length, held);
      });
    }
  });

  describe('the report of a uuid it does not have', () => {
    it('given a well-formed unknown uuid or a malformed one, then 400 code 30 MissingUuid, status fail', async () => {
      for (const uuid of ['2ea26f17-0884-4f08-b120-306fc096a58f', 'not-a-uuid']) {
        const answer = await report(uuid);
        assert.deepEqual([answer.status, answer.json.error.code, answer.json.status], [400, 30, 'fail']);
        assert.ok(answer.json.error.text.includes(uuid));
      }
    });
  });

  describe('controls: /cloud-register/faults, /receipts, the OFD page', () => {
    const faults = (body: string) => atol('POST', '/cloud-register/faults', { body, base: register.url });

    it('given an order that is not one, then 400 saying what is wrong', async () => {
      assert.match((await faults('{"register":[{"kind":"explode"}]}')).json.error, /register\[0\]\.kind must be one of http_500, timeout, refuse, error/);
      assert.match((await faults('{"reports":[]}')).json.error, /unknown field reports/);
      assert.match((await faults('{"register":[{"kind":"error","code":33}]}')).json.error, /code/);
      assert.equal((await faults('nope')).status, 400);
    });

    it('given http_500 twice, then two sells get an HTML 500 with nothing taken, the third is taken; GET shows what is left, DELETE clears', async () => {
      const state = await faults('{"register":[{"kind":"http_500","times":2}]}');
      assert.deepEqual(state.json.register, [{ kind: 'http_500', times: 2 }]);
      const { externalId, body } = example();
      for (const _ of [1, 2]) {
        const answer = await sell(body);
        assert.deepEqual([answer.status, answer.contentType, answer.json], [500, 'text/html', undefined]);
      }
      assert.equal(register.receipts({ externalId }).length, 0);
      assert.equal((await sell(body)).status, 200);
      await faults('{"register":[{"kind":"refuse"}],"waitMs":5}');
      assert.deepEqual((await atol('GET', '/cloud-register/faults', { base: register.url })).json, { register: [{ kind: 'refuse', times: 1 }], report: [], waitMs: 5, callbacks: true });
      assert.deepEqual((await atol('DELETE', '/cloud-register/faults', { base: register.url })).json, { register: [], report: [], waitMs: 1000, callbacks: true });
    });

    it('given a timeout, then the receipt is taken and the answer never comes (the client gives up); the repeat is the duplicate', async () => {
      await faults('{"register":[{"kind":"timeout"}]}');
      const { externalId, body } = example();
      await assert.rejects(atol('POST', `/${register.group}/sell`, { body, token, signal: AbortSignal.timeout(300) }), (error: Error) => error.name === 'TimeoutError');
      assert.equal(register.receipts({ externalId }).length, 1);
      assert.equal((await sell(body)).json.error.code, 33);
    });

    it('given waitMs 0 and callbacks off, then the report is done at once and nothing is posted', async () => {
      await faults('{"waitMs":0,"callbacks":false}');
      const accepted = (await sell(example().body)).json;
      assert.equal((await report(accepted.uuid)).json.status, 'done');
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(catcher.received.some((c) => c.body.uuid === accepted.uuid), false);
    });

    it('given fail_timeout aimed at one external_id, then that receipt ends fail {code 1, type timeout}, another one done', async () => {
      const [aimed, other] = [example(), example()];
      await faults(`{"report":[{"kind":"fail_timeout","externalId":"${aimed.externalId}"}]}`);
      const [a, b] = [(await sell(other.body)).json, (await sell(aimed.body)).json];
      now = new Date(now.getTime() + 1000);
      const [failed, done] = [(await report(b.uuid)).json, (await report(a.uuid)).json];
      assert.deepEqual([failed.status, failed.error.code, failed.error.type, failed.error.text, failed.payload], ['fail', 1, 'timeout', 'Превышено время ожидания чека в очереди.', null]);
      assert.equal(done.status, 'done');
    });

    it('given receipts, then the listing counts them per external_id with their lines and totals, the buyer\'s e-mail masked; the OFD page shows the fiscal attributes without it', async () => {
      const { externalId, body } = example();
      const accepted = (await sell(body)).json;
      now = new Date(now.getTime() + 1000);
      const listing = await atol('GET', `/cloud-register/receipts?external_id=${externalId}`, { base: register.url });
      assert.deepEqual(
        listing.json.map((r: any) => [r.uuid, r.external_id, r.operation, r.status, r.total, r.items.length, r.client]),
        [[accepted.uuid, externalId, 'sell', 'done', 1499, 1, { email: 'u***@example.com' }]],
      );
      assert.equal((await atol('GET', '/cloud-register/receipts', { base: register.url })).text.includes('u@example.com'), false);
      const payload = (await report(accepted.uuid)).json.payload;
      const page = await fetch(payload.ofd_receipt_url);
      const text = await page.text();
      assert.equal(page.status, 200);
      assert.ok(text.includes(`ФП ${payload.fiscal_document_attribute}`) && text.includes(`ФД ${payload.fiscal_document_number}`), text);
      assert.equal(text.includes('u@example.com'), false);
    });
  });
});
