import type { CreatePaymentRequest } from '../../../commands/game-store/ports/payment-provider.js';

/** A card payment of 1 499.00 ₽ as the game store asks an adapter for one; specs override what they test. */
export const aCreatePaymentRequest = (overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest => ({
  transactionId: 'tx_01HZY3',
  orderId: 'ord_01HZY3',
  amountMinor: 149900n,
  currency: 'RUB',
  description: 'Заказ ord_01HZY3',
  method: 'bank_card',
  successUrl: 'https://shop.example/return?tx=tx_01HZY3',
  failUrl: 'https://shop.example/fail?tx=tx_01HZY3',
  notificationUrl: 'https://api.example/webhooks/provider',
  expiresAt: new Date('2026-05-01T12:00:00Z'),
  receipt: { lines: [] },
  resume: false,
  ...overrides,
});
