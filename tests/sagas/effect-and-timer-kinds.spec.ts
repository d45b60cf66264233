import assert from 'node:assert/strict';
import * as t from 'io-ts';
import { effectHandlerTable, effectKind, performs } from '../../sagas/effect-kind.js';
import { PermanentEffectFailure } from '../../sagas/outbox-worker.js';
import { fires, timerHandlerTable, timerKind } from '../../sagas/timer-kind.js';

/** Issue "Platform before three more contexts", item 5: effects and timers declared once, with a payload codec. */
describe('declared effect and timer kinds', () => {
  const SendReceipt = effectKind('shop.send-receipt', t.type({ orderId: t.string, total: t.string }));
  const context = { idempotencyKey: 'k', attempt: 1, correlationId: null };

  it('given a declaration, when a saga makes an effect of it, then kind, key and payload come from the declaration', () => {
    const effect = SendReceipt.effect('receipt:o-1', { orderId: 'o-1', total: '10.00' }, { correlationId: 'c-1' });
    assert.deepEqual(effect, { idempotencyKey: 'receipt:o-1', kind: 'shop.send-receipt', payload: { orderId: 'o-1', total: '10.00' }, correlationId: 'c-1' });
  });

  it('given a handler of the kind, when the outbox hands it a payload, then it gets it decoded; a payload that does not decode is a permanent failure', async () => {
    const seen: string[] = [];
    const table = effectHandlerTable([{ owner: 'shop', performer: performs(SendReceipt, async ({ orderId }) => void seen.push(orderId)) }]);
    await table['shop.send-receipt']!({ orderId: 'o-2', total: '1.00' }, context);
    assert.deepEqual(seen, ['o-2']);
    await assert.rejects(table['shop.send-receipt']!({ orderId: 7 }, context), (error: unknown) => error instanceof PermanentEffectFailure && /orderId/.test(error.message));
  });

  it('given two contexts performing the same kind, when the table is built at start, then it stops naming both', () => {
    assert.throws(
      () =>
        effectHandlerTable([
          { owner: 'shop', performer: performs(SendReceipt, async () => {}) },
          { owner: 'billing', performer: performs(effectKind('shop.send-receipt', t.unknown), async () => {}) },
        ]),
      /effect kind shop\.send-receipt is performed twice \(by shop and by billing\)/,
    );
  });

  it('given a timer declaration, then its requests and its handler share the payload codec, and a kind handled twice stops the start', async () => {
    const Expire = timerKind('shop.expire-cart', t.type({ cartId: t.string }));
    const due = new Date('2026-01-01T00:00:00Z');
    assert.deepEqual(Expire.at('expire:c-1', due, { cartId: 'c-1' }), { id: 'expire:c-1', kind: 'shop.expire-cart', dueAt: due, payload: { cartId: 'c-1' } });
    const fired: string[] = [];
    const table = timerHandlerTable([{ owner: 'shop', firing: fires(Expire, async (_trx, timer) => void fired.push(timer.payload.cartId)) }]);
    await table['shop.expire-cart']!(undefined as never, { id: 'expire:c-1', kind: 'shop.expire-cart', dueAt: due, payload: { cartId: 'c-1' } }, due);
    assert.deepEqual(fired, ['c-1']);
    await assert.rejects(table['shop.expire-cart']!(undefined as never, { id: 'x', kind: 'shop.expire-cart', dueAt: due, payload: {} }, due), /does not decode/);
    assert.throws(() => timerHandlerTable([{ owner: 'a', firing: fires(Expire, async () => {}) }, { owner: 'b', firing: fires(Expire, async () => {}) }]), /handled twice \(by a and by b\)/);
  });
});
