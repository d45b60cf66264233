import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AtolCashRegister } from '../../../../adapters/fiscal/atol/atol-cash-register.js';
import { CashRegisterRefusal, CashRegisterUnavailable } from '../../../../commands/game-store/ports/cash-register.js';
import { scriptedFetch, type RecordedRequest, type ScriptedAnswer } from '../../payments/yookassa/scripted-fetch.js';
import { gameKeySale, REPORT_FIXTURE_PAYLOAD } from '../atol-v5-fixtures.js';

/**
 * The ATOL adapter against scripted answers: what it sends (headers, token handling) and how it
 * reads every row of ATOL's error table and the report fixture of DOMAIN-FACTS B 3.1, 9 — the
 * cases a live register rarely produces. The run against the local register is the contract
 * suite (tests/adapters/fiscal/cash-register.contract.ts).
 */
const BASE = 'https://online.atol.test/possystem/v5';
const PASSWORD = 'zUr0-secret-pass';
const TOKEN = 't'.repeat(128);

const sale = gameKeySale();

/** The report fixture of DOMAIN-FACTS B 3.1 / 9 (uuid 2ea26f17…, total 1598, fiscal_document_attribute 3449555941). */
const FIXTURE_UUID = '2ea26f17-0884-4f08-b120-306fc096a58f';
const REPORT_FIXTURE = {
  uuid: FIXTURE_UUID,
  error: null,
  status: 'done',
  payload: REPORT_FIXTURE_PAYLOAD,

  timestamp: '12.04.2017 20:15:08',
  group_code: 'v5-online-atol-ru_5179',
  daemon_code: 'prod-agent-1',
  device_code: 'KKT014034',
  external_id: 'rcpt_ord_1_sale',
  callback_url: '',
  warnings: null,
};

const atolError = (code: number, text = `error ${code}`, type = 'system') => ({ error: { error_id: '4fa3a8d3-0b4f-4f55-9d28-b4b0c0a3f0a7', code, text, type }, timestamp: '12.05.2026 14:03:01' });

/** A register whose getToken always works; `answer` scripts everything else. */
function registerWith(answer: (request: RecordedRequest, index: number) => ScriptedAnswer, options: { now?: () => Date } = {}) {
  const scripted = scriptedFetch((request, index) => (request.url.endsWith('/getToken') ? { status: 200, json: { error: null, token: TOKEN, timestamp: '12.05.2026 14:03:00' } } : answer(request, index)));
  const register = new AtolCashRegister({ apiUrl: `${BASE}/`, login: 'v5-online-atol-ru', password: PASSWORD, group: 'v5-online-atol-ru_5179', fetch: scripted.fetch, timeoutMs: 500, ...options });
  return { register, requests: scripted.requests };
}

const accepted: ScriptedAnswer = { status: 200, json: { uuid: '9afafa6a-1a2b-4c3d-8e9f-0a1b2c3d4e5f', status: 'wait', error: null, timestamp: '12.05.2026 14:03:01' } };

async function refusal(promise: Promise<unknown>): Promise<CashRegisterRefusal> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CashRegisterRefusal) return error;
    throw error;
  }
  assert.fail('expected CashRegisterRefusal');
}

async function unavailable(promise: Promise<unknown>): Promise<CashRegisterUnavailable> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CashRegisterUnavailable) return error;
    throw error;
  }
  assert.fail('expected CashRegisterUnavailable');
}

describe('ATOL Online v5 adapter (scripted answers)', () => {
  describe('the token', () => {
    it('given a first receipt, then getToken {login, pass} first, then sell with the token in the Token header (not Authorization), JSON in utf-8', async () => {
      const { register, requests } = registerWith(() => accepted);
      assert.deepEqual(await register.register(sale), { uuid: '9afafa6a-1a2b-4c3d-8e9f-0a1b2c3d4e5f', duplicate: false });
      assert.deepEqual(
        requests.map((r) => [r.method, r.url]),
        [
          ['POST', `${BASE}/getToken`],
          ['POST', `${BASE}/v5-online-atol-ru_5179/sell`],
        ],
      );
      assert.deepEqual(requests[0]!.body, { login: 'v5-online-atol-ru', pass: PASSWORD });
      assert.equal(requests[1]!.headers.token, TOKEN);
      assert.equal(requests[1]!.headers.authorization, undefined);
      assert.equal(requests[1]!.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal((requests[1]!.body as { external_id: string }).external_id, 'rcpt_ord_1_sale');
    });

    it('given many receipts, some at once, then one getToken serves them all within its 24 h', async () => {
      const { register, requests } = registerWith(() => accepted);
      await Promise.all([1, 2, 3, 4, 5].map((n) => register.register({ ...sale, externalId: `r${n}` })));
      await register.report(FIXTURE_UUID).catch(() => undefined);
      assert.equal(requests.filter((r) => r.url.endsWith('/getToken')).length, 1);
    });

    it('given the token is 24 h old by our clock, then a new one is fetched before the call', async () => {
      let now = new Date('2026-05-12T00:00:00Z');
      const { register, requests } = registerWith(() => accepted, { now: () => now });
      await register.register(sale);
      now = new Date(now.getTime() + 24 * 60 * 60 * 1000);
      await register.register(sale);
      assert.deepEqual(
        requests.map((r) => r.url.slice(BASE.length)),
        ['/getToken', '/v5-online-atol-ru_5179/sell', '/getToken', '/v5-online-atol-ru_5179/sell'],
      );
    });

    for (const code of [10, 11]) {
      it(`given the register answers 401 code ${code}, then a new token and the same call once more — transparently`, async () => {
        const { register, requests } = registerWith((_request, index) => (index === 1 ? { status: 401, json: atolError(code) } : accepted));
        assert.equal((await register.register(sale)).duplicate, false);
        assert.deepEqual(
          requests.map((r) => r.url.slice(BASE.length)),
          ['/getToken', '/v5-online-atol-ru_5179/sell', '/getToken', '/v5-online-atol-ru_5179/sell'],
        );
        assert.deepEqual(requests[3]!.body, requests[1]!.body);
      });
    }

    it('given a fresh token is refused again, then CashRegisterUnavailable — no loop', async () => {
      const { register, requests } = registerWith(() => ({ status: 401, json: atolError(11) }));
      await unavailable(register.register(sale));
      assert.equal(requests.length, 4);
    });

    it('given a wrong login or password (getToken 401 code 12), then CashRegisterRefusal 12 whose message never holds the password', async () => {
      const scripted = scriptedFetch(() => ({ status: 401, json: atolError(12, 'Неверный логин или пароль') }));
      const register = new AtolCashRegister({ apiUrl: BASE, login: 'x', password: PASSWORD, group: 'g', fetch: scripted.fetch });
      const error = await refusal(register.register(sale));
      assert.equal(error.code, '12');
      assert.equal(error.message.includes(PASSWORD), false);
    });
  });

  describe('the error table (registration)', () => {
    const permanent: [number, number][] = [[401, 12], [400, 13], [403, 14], [401, 20], [401, 21], [400, 31], [400, 32], [400, 40], [415, 41]];
    for (const [http, code] of permanent) {
      it(`given HTTP ${http} code ${code}, then CashRegisterRefusal with code "${code}" and ATOL's text`, async () => {
        const { register } = registerWith(() => ({ status: http, json: { ...atolError(code, `текст ${code}`), status: 'fail' } }));
        const error = await refusal(register.register(sale));
        assert.equal(error.code, String(code));
        assert.match(error.message, new RegExp(`текст ${code}`));
      });
    }

    const transient: [number, number][] = [[400, 0], [400, 1], [500, 50], [200, 34]];
    for (const [http, code] of transient) {
      it(`given HTTP ${http} code ${code}, then CashRegisterUnavailable (send the same external_id again later)`, async () => {
        const { register } = registerWith(() => ({ status: http, json: atolError(code) }));
        await unavailable(register.register(sale));
      });
    }

    it('given code 33 with the existing uuid, then that uuid as a duplicate; without a uuid, CashRegisterUnavailable', async () => {
      const duplicate = { uuid: '9afafa6a-0000-4000-8000-000000000001', status: 'wait', ...atolError(33, 'В системе существует чек с external_id : "rcpt_ord_1_sale" и group_code: "v5-online-atol-ru_5179"') };
      assert.deepEqual(await registerWith(() => ({ status: 400, json: duplicate })).register.register(sale), { uuid: duplicate.uuid, duplicate: true });
      await unavailable(registerWith(() => ({ status: 400, json: atolError(33) })).register.register(sale));
    });

    it('given HTTP 502 from a proxy (HTML), a timeout, a dropped connection or a 200 without a uuid, then CashRegisterUnavailable', async () => {
      await unavailable(registerWith(() => ({ status: 502, text: '<html>Bad Gateway</html>' })).register.register(sale));
      assert.match((await unavailable(registerWith(() => 'timeout').register.register(sale))).message, /no answer within 500 ms/);
      assert.match((await unavailable(registerWith(() => 'network-error').register.register(sale))).message, /no connection/);
      await unavailable(registerWith(() => ({ status: 200, json: { status: 'wait', error: null } })).register.register(sale));
    });

    it('given a 404 without an ATOL error (a wrong API URL), then CashRegisterRefusal http_404', async () => {
      assert.equal((await refusal(registerWith(() => ({ status: 404, text: 'Not Found' })).register.register(sale))).code, 'http_404');
    });

    it('given nothing listens at the API URL, then CashRegisterUnavailable naming the refused connection', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const register = new AtolCashRegister({ apiUrl: `http://127.0.0.1:${port}/possystem/v5`, login: 'l', password: PASSWORD, group: 'g', timeoutMs: 2000 });
      assert.match((await unavailable(register.register(sale))).message, /no connection \(connect ECONNREFUSED/);
    });
  });

  describe('the report', () => {
    it('given the report fixture, then done with its fiscal attributes: the sign beyond 2³¹ as a decimal string, the Moscow time as ISO, the total in kopecks', async () => {
      const { register, requests } = registerWith(() => ({ status: 200, json: REPORT_FIXTURE }));
      const report = await register.report(FIXTURE_UUID);
      assert.deepEqual(report, {
        status: 'done',
        uuid: FIXTURE_UUID,
        externalId: 'rcpt_ord_1_sale',
        fiscal: {
          fiscalDocumentNumber: '133',
          fiscalSign: '3449555941',
          fiscalDriveNumber: '1110000100238211',
          registerNumber: '0000111118041361',
          receiptNumber: '6',
          shiftNumber: '23',
          registeredAt: '2017-04-12T17:16:00.000Z',
          totalMinor: 159800n,
        },
      });
      assert.deepEqual([requests[1]!.method, requests[1]!.url, requests[1]!.headers.token], ['GET', `${BASE}/v5-online-atol-ru_5179/report/${FIXTURE_UUID}`, TOKEN]);
    });

    it('given an OFD link in the payload, then it is kept', async () => {
      const withLink = { ...REPORT_FIXTURE, payload: { ...REPORT_FIXTURE.payload, ofd_receipt_url: 'https://ofd.example/r?fn=1' } };
      const report = await registerWith(() => ({ status: 200, json: withLink })).register.report(FIXTURE_UUID);
      assert.equal(report.status === 'done' && report.fiscal.ofdReceiptUrl, 'https://ofd.example/r?fn=1');
    });

    it('given wait, then wait', async () => {
      const report = await registerWith(() => ({ status: 200, json: { ...REPORT_FIXTURE, status: 'wait', payload: null } })).register.report(FIXTURE_UUID);
      assert.deepEqual(report, { status: 'wait', uuid: FIXTURE_UUID });
    });

    const fails: [string, { code: number; type: string }, boolean][] = [
      ['a queue timeout (code 1, type timeout)', { code: 1, type: 'timeout' }, false],
      ['a server failure (code 1, system)', { code: 1, type: 'system' }, false],
      ['an unknown failure (code 0)', { code: 0, type: 'unknown' }, false],
      ['a server configuration error (code 50)', { code: 50, type: 'system' }, false],
      ['a driver failure', { code: 7, type: 'driver' }, false],
      ['a validation failure (code 32)', { code: 32, type: 'system' }, true],
    ];
    for (const [what, error, permanent] of fails) {
      it(`given fail with ${what}, then fail with permanent ${permanent}`, async () => {
        const json = { ...REPORT_FIXTURE, status: 'fail', payload: null, error: { error_id: 'e', code: error.code, text: 'текст', type: error.type } };
        const report = await registerWith(() => ({ status: 200, json })).register.report(FIXTURE_UUID);
        assert.deepEqual(report, { status: 'fail', uuid: FIXTURE_UUID, externalId: 'rcpt_ord_1_sale', error: { code: String(error.code), text: 'текст', type: error.type, permanent } });
      });
    }

    it('given 34 (state not found yet), then CashRegisterUnavailable: ask again later', async () => {
      await unavailable(registerWith(() => ({ status: 200, json: { uuid: FIXTURE_UUID, status: 'wait', ...atolError(34) } })).register.report(FIXTURE_UUID));
    });

    it('given 30 (no such uuid), then a permanent fail with code 30', async () => {
      const report = await registerWith(() => ({ status: 400, json: { status: 'fail', ...atolError(30, 'Передан некорректный UUID') } })).register.report(FIXTURE_UUID);
      assert.deepEqual(report.status === 'fail' && [report.uuid, report.error.code, report.error.permanent], [FIXTURE_UUID, '30', true]);
    });

    it('given the group no longer matches the token (401 code 20), then CashRegisterRefusal; a 5xx, CashRegisterUnavailable', async () => {
      assert.equal((await refusal(registerWith(() => ({ status: 401, json: atolError(20) })).register.report(FIXTURE_UUID))).code, '20');
      await unavailable(registerWith(() => ({ status: 503, text: '' })).register.report(FIXTURE_UUID));
    });

    it('given done with a malformed payload, then CashRegisterUnavailable naming the fields', async () => {
      const broken = { ...REPORT_FIXTURE, payload: { ...REPORT_FIXTURE.payload, fiscal_document_attribute: -1, receipt_datetime: '2017-04-12 20:16' } };
      const error = await unavailable(registerWith(() => ({ status: 200, json: broken })).register.report(FIXTURE_UUID));
      assert.match(error.message, /payload\.fiscal_document_attribute, payload\.receipt_datetime/);
    });
  });

  describe('callbacks', () => {
    it('given junk (not an object, no uuid, a uuid of another shape, broken JSON text), then refused 400 and the register is not asked', async () => {
      const { register, requests } = registerWith(() => assert.fail('no request expected'));
      for (const body of [null, undefined, 'x', 42, [], {}, { uuid: 7 }, { uuid: 'not-a-uuid' }, '{"uuid":', Buffer.from('{')]) {
        const verdict = await register.verifyCallback(body);
        assert.deepEqual([verdict.kind, verdict.kind === 'refused' && verdict.status], ['refused', 400], JSON.stringify(body));
      }
      assert.equal(requests.length, 0);
    });

    it('given a body that claims done with its own payload, then the report is the register\'s answer for that uuid (wait), not the body', async () => {
      const { register, requests } = registerWith(() => ({ status: 200, json: { ...REPORT_FIXTURE, status: 'wait', payload: null } }));
      const forged = { ...REPORT_FIXTURE, payload: { ...REPORT_FIXTURE.payload, total: 1 } };
      assert.deepEqual(await register.verifyCallback(forged), { kind: 'report', report: { status: 'wait', uuid: FIXTURE_UUID } });
      assert.equal(requests.at(-1)!.url, `${BASE}/v5-online-atol-ru_5179/report/${FIXTURE_UUID}`);
    });

    it('given the callback as JSON text, then it is read the same; given a uuid the register does not know (30), then refused 404', async () => {
      const known = await registerWith(() => ({ status: 200, json: REPORT_FIXTURE })).register.verifyCallback(JSON.stringify(REPORT_FIXTURE));
      assert.equal(known.kind === 'report' && known.report.status, 'done');
      const unknown = await registerWith(() => ({ status: 400, json: { status: 'fail', ...atolError(30) } })).register.verifyCallback(REPORT_FIXTURE);
      assert.deepEqual([unknown.kind, unknown.kind === 'refused' && unknown.status], ['refused', 404]);
    });

    it('given the register cannot be asked (timeout, a refused group), then CashRegisterUnavailable — the callback is not judged blind', async () => {
      await unavailable(registerWith(() => 'timeout').register.verifyCallback(REPORT_FIXTURE));
      await unavailable(registerWith(() => ({ status: 401, json: atolError(20) })).register.verifyCallback(REPORT_FIXTURE));
    });
  });
});
