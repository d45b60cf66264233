import { AlertOperators } from '../../commands/gift-certificates/pool-alert-effect-kinds.js';
import { pickEvents } from '../../domain/event-codec.js';
import { CertificatePoolEvent } from '../../domain/gift-certificates/certificate-pool.js';
import { defineSaga } from '../saga.js';

export const POOL_ALERTS = 'gcp-pool-alerts';

/**
 * ISSUE_BLOCKED (G-2): each `PoolExhausted` (recorded once per exhaustion by the pool) asks
 * for the operators to be notified. The alert id is the event's place in its stream, so a
 * redelivered event enqueues the same effect (a no-op).
 */
export function poolAlertsSaga() {
  return defineSaga({
    name: POOL_ALERTS,
    events: pickEvents(CertificatePoolEvent, ['PoolExhausted']),
    initialState: {} as Record<string, never>,
    flowId: (event) => event.streamName,
    react(state, event) {
      const alertId = `gcp-pool-exhausted:${event.streamName}:${event.revision}`;
      return { state, effects: [AlertOperators.effect(alertId, { alertId, nominal: event.data.nominal, currency: event.data.currency, channel: event.data.channel })] };
    },
  });
}
