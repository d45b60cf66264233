import assert from 'node:assert/strict';
import request from 'supertest';
import { createLogger } from '../../../adapters/observability/logger.js';
import { bearer, openSampleApp, type SampleApp } from './test-app.js';

describe('logs: secrets never reach a line', () => {
  it('given secret-looking fields and an authorization header, when logged, then they are redacted', () => {
    const lines: string[] = [];
    const log = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    log.info(
      {
        req: { headers: { authorization: 'Bearer abc.def.ghi', host: 'api' } },
        password: 'p1',
        body: { password: 'p2', card: { cvc: '123' }, mnemonic: 'word word', note: 'visible' },
        wallet: { secret: 's', token: 't' },
      },
      'with secrets',
    );
    const text = lines.join('');
    for (const secret of ['abc.def.ghi', 'p1', 'p2', '"123"', 'word word', '"s"', '"t"']) assert.ok(!text.includes(secret), secret);
    assert.match(text, /visible/);
    assert.match(text, /\[redacted\]/);
  });

  describe('request lines', () => {
    let sample: SampleApp;
    before(async () => (sample = await openSampleApp()));
    after(async () => sample.dispose());

    it('given a request with a bearer token, when logged, then the token does not appear', async () => {
      const auth = await bearer('u-1', ['user']);
      await request(sample.app).get('/test/guarded/any-user').set('Authorization', auth).expect(200);
      const token = auth.slice('Bearer '.length);
      assert.ok(sample.logLines.length > 0);
      assert.ok(!sample.logLines.join('').includes(token));
      const line = sample.logLines.map((l) => JSON.parse(l)).find((l) => l.route === '/test/guarded/any-user');
      assert.equal(line.principal, 'user:u-1');
    });
  });
});
