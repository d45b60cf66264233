import type { FaultPlan } from './sandbox-faults.js';
import type { SbpQrCodes } from './sbp-qr.js';
import type { WebhookDelivery } from './webhook-delivery.js';

/** What each provider of the sandbox (its YooKassa, its T-Bank) is built from: its shop's settings and the shared machinery. */
export interface ProviderSideDeps<S> {
  readonly settings: S;
  readonly now: () => Date;
  readonly baseUrl: () => string;
  readonly faults: FaultPlan;
  readonly delivery: WebhookDelivery;
  readonly qr: SbpQrCodes;
}
