import assert from 'node:assert/strict';
import { tbankToken, tbankTokenMatches } from '../../../../adapters/payments/tbank/tbank-token.js';

// The vectors of DOMAIN-FACTS B 2.2 (T-Bank's documentation, its protocol §4.2, a real notification).
describe('T-Bank Token (the request and notification signature)', () => {
  it('V1: given the documented Init (Amount, Description, OrderId, TerminalKey) and its password, then the token is the documented one', () => {
    const init = { TerminalKey: 'MerchantTerminalKey', Amount: 19200, OrderId: '21090', Description: 'Подарочная карта на 1000 рублей' };
    assert.equal(tbankToken(init, 'usaf8fw8fsw21g'), '0024a00af7c350a3a67ca168ce06502aa72772456662e38696d48b56ee9c97d9');
  });

  it('V1b: given the same Init with OrderId 21050, then the token is the one the Python client pins', () => {
    const init = { TerminalKey: 'MerchantTerminalKey', Amount: 19200, OrderId: '21050', Description: 'Подарочная карта на 1000 рублей' };
    assert.equal(tbankToken(init, 'usaf8fw8fsw21g'), 'c25b8314764b49ed1dfd68c196bb8ad64397de34b5c0e460c216f4b08176c789');
  });

  it('V1: given nested objects and arrays (DATA, Receipt, Shops) and a Token in the parameters, then none of them changes the token', () => {
    const init = {
      TerminalKey: 'MerchantTerminalKey',
      Amount: 19200,
      OrderId: '21090',
      Description: 'Подарочная карта на 1000 рублей',
      DATA: { QR: 'true' },
      Receipt: { Email: 'a@example.com', Items: [{ Name: 'x', Price: 19200 }] },
      Shops: [{ ShopCode: '1', Amount: 19200 }],
      Token: 'whatever was there',
    };
    assert.equal(tbankToken(init, 'usaf8fw8fsw21g'), '0024a00af7c350a3a67ca168ce06502aa72772456662e38696d48b56ee9c97d9');
  });

  it('V2: given the protocol\'s notification example (booleans, numbers, Password sorted between Pan and PaymentId), then the token is the documented one', () => {
    const notification = {
      TerminalKey: '1321054611234DEMO',
      OrderId: '201709',
      Success: true,
      Status: 'AUTHORIZED',
      PaymentId: 8742591,
      ErrorCode: '0',
      Amount: 9855,
      CardId: 322264,
      Pan: '430000******0777',
      ExpDate: '1122',
      RebillId: 101709,
    };
    assert.equal(tbankToken(notification, 'Dfsfh56dgKl'), 'b906d28e76c6428e37b25fcf86c0adc52c63d503013fdd632e300593d165766b');
  });

  it('V3: given a real notification body as JSON text, then the token computed over the parsed body is the body\'s Token, and any changed value makes it another', () => {
    const body = JSON.parse(
      '{"TerminalKey":"1726675329428DEMO","OrderId":"9863471b-8d42-4617-9073-11339159aba9","Success":true,"Status":"AUTHORIZED","PaymentId":5974256058,"ErrorCode":"0","Amount":19900,"CardId":475738102,"Pan":"430000******0777","ExpDate":"1230","RebillId":1741204285536,"Token":"16cfc8cd6e8f8fc1d404e3f9984c8058ecdf6eab622a9cc73c2e3824e47124ac"}',
    ) as Record<string, unknown>;
    assert.equal(tbankToken(body, 'xxxxxxxxxxxxxxxx'), '16cfc8cd6e8f8fc1d404e3f9984c8058ecdf6eab622a9cc73c2e3824e47124ac');
    assert.equal(tbankTokenMatches(body, 'xxxxxxxxxxxxxxxx', body.Token as string), true);
    assert.equal(tbankTokenMatches({ ...body, Amount: 1 }, 'xxxxxxxxxxxxxxxx', body.Token as string), false);
    assert.equal(tbankTokenMatches(body, 'another password', body.Token as string), false);
    assert.equal(tbankTokenMatches(body, 'xxxxxxxxxxxxxxxx', 'short'), false);
  });
});
