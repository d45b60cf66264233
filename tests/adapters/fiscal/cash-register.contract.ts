import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalCloudRegister } from '../../../adapters/fiscal/cloud-register/cloud-register.js';
import {
  CashRegisterRefusal,
  CashRegisterUnavailable,
  type CashRegister,
  type FiscalCompany,
  type FiscalReceiptRequest,
  type FiscalReport,
} from '../../../commands/game-store/ports/cash-register.js';
import { eventually } from '../../support/eventually.js';

/**
 * The CashRegister contract, run through the real ATOL adapter against the REAL local cloud
 * register (an HTTP server on a free port that speaks ATOL v5 with its own code): what the game
 * store relies on — a receipt per external_id whatever is repeated, wait → done with fiscal
 * attributes, callbacks that are only hints, the failures sorted into "refused" and "try again".
 */
export interface CashRegisterSubject {
  readonly register: CashRegister;
  readonly local: LocalCloudRegister;
  /** Where the register's callbacks reach the test. */
  readonly callbacks: CallbackCatcher;
  /** The seller, as the configuration makes it. */
  readonly company: FiscalCompany;
  /** How long a receipt stays `wait` at the register. */
  readonly waitMs: number;
  /** How long the adapter waits for an answer. */
  readonly timeoutMs: number;
  /** Moves the register's clock (token lifetimes, the wait) — not the adapter's. */
  advanceRegisterClock(ms: number): void;
}

export interface CallbackCatcher {
  readonly url: string;
  readonly received: { readonly path: string; readonly body: unknown }[];
  stop(): Promise<void>;
}

/** Our webhook route as the register sees it: every callback is taken (200). */
export async function startCallbackCatcher(): Promise<CallbackCatcher> {
  const received: { path: string; body: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function cashRegisterContract(title: string, open: () => Promise<CashRegisterSubject & { stop(): Promise<void> }>): void {
  describe(`${title}: the CashRegister contract against the local cloud register`, function () {
    let subject: CashRegisterSubject & { stop(): Promise<void> };
    let register: CashRegister;
    let local: LocalCloudRegister;

    before(async () => {
      subject = await open();
      register = subject.register;
      local = subject.local;
    });
    after(async () => subject?.stop());
    afterEach(() => local.clearFaults());

    const sale = (overrides: Partial<FiscalReceiptRequest> = {}): FiscalReceiptRequest => ({
      externalId: `rcpt_${randomUUID()}_sale`,
      operation: 'sell',
      timestamp: new Date(),
      customerEmail: 'buyer@example.com',
      company: subject.company,
      items: [{ name: 'Игра X — ключ активации', unitPriceMinor: 149900n, quantity: 1, sumMinor: 149900n, measure: 'piece', paymentMethod: 'full_payment', paymentObject: 'intellectual_activity', vat: 'vat22' }],
      electronicMinor: 149900n,
      totalMinor: 149900n,
      ...overrides,
    });
    const heldFor = (externalId: string) => local.receipts({ externalId });
    const settled = async (uuid: string): Promise<FiscalReport> =>
      eventually(async () => {
        const report = await register.report(uuid);
        return report.status === 'wait' ? undefined : report;
      }, 10_000);

    async function failure<E extends Error>(kind: new (...args: never[]) => E, promise: Promise<unknown>): Promise<E> {
      try {
        await promise;
      } catch (error) {
        if (error instanceof kind) return error;
        throw error;
      }
      assert.fail(`expected ${kind.name}`);
    }

    it('given a sale, when registered, then a new uuid and the register holds exactly that receipt (FFD 1.2: piece, РИД, VAT 22 %, paid electronically)', async () => {
      const wanted = sale();
      const registered = await register.register(wanted);
      assert.deepEqual(registered, { uuid: registered.uuid, duplicate: false });
      const held = heldFor(wanted.externalId);
      assert.deepEqual(
        held.map((r) => [r.uuid, r.operation, r.total, r.items, r.payments, r.client, r.company]),
        [
          [
            registered.uuid,
            'sell',
            1499,
            [{ name: 'Игра X — ключ активации', price: 1499, quantity: 1, measure: 0, sum: 1499, payment_method: 'full_payment', payment_object: 9, vat: { type: 'vat22' } }],
            [{ type: 1, sum: 1499 }],
            { email: 'b***@example.com' },
            { inn: subject.company.inn, sno: subject.company.taxSystem, payment_address: subject.company.paymentAddress },
          ],
        ],
      );
    });

    it('given a refund of two keys at 749.50 without VAT, when registered, then a sell_refund receipt of 1499.00', async () => {
      const refund = sale({
        operation: 'sell_refund',
        items: [{ name: 'Игра Y — ключ', unitPriceMinor: 74950n, quantity: 2, sumMinor: 149900n, measure: 'piece', paymentMethod: 'full_payment', paymentObject: 'intellectual_activity', vat: 'none' }],
      });
      const registered = await register.register(refund);
      assert.deepEqual(heldFor(refund.externalId).map((r) => [r.uuid, r.operation, r.total, r.items[0]!.price, r.items[0]!.sum]), [[registered.uuid, 'sell_refund', 1499, 749.5, 1499]]);
      assert.equal((await settled(registered.uuid)).status, 'done');
    });

    it('given the same external_id sent again (and again, concurrently), then the same uuid as a duplicate and still one receipt', async () => {
      const wanted = sale();
      const first = await register.register(wanted);
      const again = await Promise.all([register.register(wanted), register.register(wanted), register.register({ ...wanted, timestamp: new Date(Date.now() + 1000) })]);
      assert.deepEqual(again, [first, first, first].map((r) => ({ uuid: r.uuid, duplicate: true })));
      assert.equal(heldFor(wanted.externalId).length, 1);
    });

    it('given a receipt just taken, then wait; after the wait, done with its fiscal attributes (sign beyond 2³¹, Moscow time as ISO, the total, numbers rising per receipt)', async () => {
      const before = Date.now();
      const first = await register.register(sale());
      assert.deepEqual(await register.report(first.uuid), { status: 'wait', uuid: first.uuid });
      const second = await register.register(sale());
      const [one, two] = [await settled(first.uuid), await settled(second.uuid)];
      assert.ok(one.status === 'done' && two.status === 'done', `${one.status}, ${two.status}`);
      assert.equal(one.fiscal.totalMinor, 149900n);
      assert.ok(BigInt(one.fiscal.fiscalSign) > 2n ** 31n, one.fiscal.fiscalSign);
      assert.match(one.fiscal.fiscalSign, /^\d+$/);
      assert.match(one.fiscal.fiscalDriveNumber, /^\d{16}$/);
      assert.match(one.fiscal.registerNumber, /^\d{16}$/);
      assert.ok(BigInt(two.fiscal.fiscalDocumentNumber) > BigInt(one.fiscal.fiscalDocumentNumber));
      const registeredAt = Date.parse(one.fiscal.registeredAt);
      assert.ok(one.fiscal.registeredAt.endsWith('Z') && registeredAt >= Math.floor(before / 1000) * 1000 - 60_000 && registeredAt <= Date.now() + 60_000, one.fiscal.registeredAt);
      assert.equal(one.externalId, heldFor(one.externalId!)[0]?.external_id);
    });

    it('given a callback URL, when the receipt is done, then the register posts its report there and verifyCallback re-fetches it: the verdict is the register\'s report', async () => {
      const callbackUrl = `${subject.callbacks.url}/webhooks/cash-register`;
      const registered = await register.register(sale({ callbackUrl }));
      const arrived = await eventually(async () => subject.callbacks.received.find((c) => (c.body as { uuid?: string }).uuid === registered.uuid), 10_000);
      assert.equal(arrived.path, '/webhooks/cash-register');
      const verdict = await register.verifyCallback(arrived.body);
      assert.deepEqual(verdict, { kind: 'report', report: await register.report(registered.uuid) });
      assert.equal(verdict.kind === 'report' && verdict.report.status, 'done');
    });

    it('given a forged callback (a known uuid with a made-up payload; an unknown uuid; junk), then the forgery changes nothing: the real report, refused 404, refused 400', async () => {
      const registered = await register.register(sale());
      const forged = { uuid: registered.uuid, status: 'done', error: null, payload: { total: 1, fiscal_document_number: 1, fiscal_document_attribute: 1 } };
      const verdict = await register.verifyCallback(forged);
      assert.deepEqual(verdict, { kind: 'report', report: await register.report(registered.uuid) });
      const unknown = await register.verifyCallback({ ...forged, uuid: randomUUID() });
      assert.deepEqual([unknown.kind, unknown.kind === 'refused' && unknown.status], ['refused', 404]);
      const junk = await register.verifyCallback('<html>');
      assert.deepEqual([junk.kind, junk.kind === 'refused' && junk.status], ['refused', 400]);
    });

    it('given the register answers 500 before doing anything, then CashRegisterUnavailable; the same external_id again is taken once', async () => {
      local.injectFaults({ register: [{ kind: 'http_500' }] });
      const wanted = sale();
      await failure(CashRegisterUnavailable, register.register(wanted));
      assert.equal(heldFor(wanted.externalId).length, 0);
      const retried = await register.register(wanted);
      assert.equal(retried.duplicate, false);
      assert.deepEqual(heldFor(wanted.externalId).map((r) => r.uuid), [retried.uuid]);
    });

    it('given the receipt is taken but the answer is lost (timeout), then CashRegisterUnavailable; the repeat is a duplicate with the taken uuid — one receipt', async () => {
      local.injectFaults({ register: [{ kind: 'timeout' }] });
      const wanted = sale();
      const started = Date.now();
      const lost = await failure(CashRegisterUnavailable, register.register(wanted));
      assert.match(lost.message, /no answer within/);
      assert.ok(Date.now() - started < subject.timeoutMs + 2000);
      const repeated = await register.register(wanted);
      const held = heldFor(wanted.externalId);
      assert.deepEqual(held.map((r) => r.uuid), [repeated.uuid]);
      assert.equal(repeated.duplicate, true);
    });

    it('given a receipt whose total is not the sum of its items, then CashRegisterRefusal 32 naming receipt.total, and nothing is held', async () => {
      const wrong = sale({ totalMinor: 150000n, electronicMinor: 150000n });
      const refused = await failure(CashRegisterRefusal, register.register(wrong));
      assert.equal(refused.code, '32');
      assert.match(refused.message, /receipt\.total/);
      assert.equal(heldFor(wrong.externalId).length, 0);
    });

    it('given the register refuses on demand, then CashRegisterRefusal 32 naming that field; the same external_id may be sent again once corrected', async () => {
      local.injectFaults({ register: [{ kind: 'refuse', field: 'receipt.items[0].name' }] });
      const wanted = sale();
      const refused = await failure(CashRegisterRefusal, register.register(wanted));
      assert.equal(refused.code, '32');
      assert.match(refused.message, /receipt\.items\[0\]\.name/);
      assert.equal((await register.register(wanted)).duplicate, false);
    });

    it('given ATOL errors on demand, then 50 and 1 are CashRegisterUnavailable and 14 (user blocked) is CashRegisterRefusal 14; nothing held', async () => {
      local.injectFaults({ register: [{ kind: 'error', code: 50 }, { kind: 'error', code: 1 }, { kind: 'error', code: 14 }] });
      const wanted = sale();
      await failure(CashRegisterUnavailable, register.register(wanted));
      await failure(CashRegisterUnavailable, register.register(wanted));
      assert.equal((await failure(CashRegisterRefusal, register.register(wanted))).code, '14');
      assert.equal(heldFor(wanted.externalId).length, 0);
    });

    it('given the register times the receipt out in its queue, then the report is fail, transient (type timeout); a permanent fail says so', async () => {
      const [timedOut, rejected] = [sale(), sale()];
      local.injectFaults({ report: [{ kind: 'fail_timeout', externalId: timedOut.externalId }, { kind: 'fail_permanent', externalId: rejected.externalId }] });
      const first = await register.register(timedOut);
      const transient = await settled(first.uuid);
      assert.deepEqual(transient.status === 'fail' && [transient.error.code, transient.error.type, transient.error.permanent], ['1', 'timeout', false]);
      const second = await register.register(rejected);
      const permanent = await settled(second.uuid);
      assert.deepEqual(permanent.status === 'fail' && [permanent.error.code, permanent.error.permanent], ['32', true]);
    });

    it('given the register does not know the state yet (34), then report is CashRegisterUnavailable, and the next read answers', async () => {
      const wanted = sale();
      const registered = await register.register(wanted);
      local.injectFaults({ report: [{ kind: 'not_found_yet', externalId: wanted.externalId }] });
      await failure(CashRegisterUnavailable, register.report(registered.uuid));
      assert.equal((await register.report(registered.uuid)).uuid, registered.uuid);
    });

    it('given the register\'s day passes and the token expires (401 code 11), then the next receipt gets a new token transparently', async () => {
      await register.register(sale());
      const tokensBefore = local.tokensIssued();
      subject.advanceRegisterClock(24 * 60 * 60 * 1000 + 1000);
      const wanted = sale();
      const registered = await register.register(wanted);
      assert.equal(local.tokensIssued(), tokensBefore + 1);
      assert.deepEqual(heldFor(wanted.externalId).map((r) => r.uuid), [registered.uuid]);
    });

    it('given every token revoked at the register (expireTokens), then reports keep answering with a new token', async () => {
      const registered = await register.register(sale());
      local.injectFaults({ expireTokens: true });
      const tokensBefore = local.tokensIssued();
      assert.equal((await register.report(registered.uuid)).uuid, registered.uuid);
      assert.equal(local.tokensIssued(), tokensBefore + 1);
    });
  });
}
