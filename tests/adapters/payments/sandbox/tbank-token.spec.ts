import assert from 'node:assert/strict';
import { tbankToken } from '../../../../adapters/payments/sandbox/tbank-token.js';

describe('Payment sandbox: its own T-Bank Token (DOMAIN-FACTS B §2.2 vectors)', () => {
  it('given the Init of the T-Bank documentation (V1), when signed, then the documented SHA-256', () => {
    const init = { TerminalKey: 'MerchantTerminalKey', Amount: 19200, OrderId: '21090', Description: 'Подарочная карта на 1000 рублей' };
    assert.equal(tbankToken(init, 'usaf8fw8fsw21g'), '0024a00af7c350a3a67ca168ce06502aa72772456662e38696d48b56ee9c97d9');
  });

  it('given the same Init with OrderId 21050 (V1b), when signed, then its own vector', () => {
    const init = { TerminalKey: 'MerchantTerminalKey', Amount: 19200, OrderId: '21050', Description: 'Подарочная карта на 1000 рублей' };
    assert.equal(tbankToken(init, 'usaf8fw8fsw21g'), 'c25b8314764b49ed1dfd68c196bb8ad64397de34b5c0e460c216f4b08176c789');
  });

  it('given the protocol\'s notification example (V2), when signed, then Password sorts between Pan and PaymentId and true is "true"', () => {
    const notification = {
      TerminalKey: '1321054611234DEMO', OrderId: '201709', Success: true, Status: 'AUTHORIZED', PaymentId: 8742591, ErrorCode: '0',
      Amount: 9855, RebillId: 101709, CardId: 322264, Pan: '430000******0777', ExpDate: '1122',
    };
    assert.equal(tbankToken(notification, 'Dfsfh56dgKl'), 'b906d28e76c6428e37b25fcf86c0adc52c63d503013fdd632e300593d165766b');
  });

  it('given a real notification body with its Token (V3), when re-signed, then the Token it carries (JSON numbers as their text; the Token field left out)', () => {
    const body = JSON.parse(
      '{"TerminalKey":"1726675329428DEMO","OrderId":"9863471b-8d42-4617-9073-11339159aba9","Success":true,"Status":"AUTHORIZED","PaymentId":5974256058,"ErrorCode":"0","Amount":19900,"CardId":475738102,"Pan":"430000******0777","ExpDate":"1230","RebillId":1741204285536,"Token":"16cfc8cd6e8f8fc1d404e3f9984c8058ecdf6eab622a9cc73c2e3824e47124ac"}',
    ) as Record<string, unknown>;
    assert.equal(tbankToken(body, 'xxxxxxxxxxxxxxxx'), body.Token);
  });

  it('given nested objects and arrays (Receipt, DATA, Shops), when signed, then they are left out as T-Bank does', () => {
    const init = { TerminalKey: 'MerchantTerminalKey', Amount: 19200, OrderId: '21090', Description: 'Подарочная карта на 1000 рублей' };
    const withNested = { ...init, Receipt: { Email: 'a@b.c', Items: [] }, DATA: { QR: 'true' }, Shops: [{ ShopCode: '1' }] };
    assert.equal(tbankToken(withNested, 'usaf8fw8fsw21g'), tbankToken(init, 'usaf8fw8fsw21g'));
  });
});
