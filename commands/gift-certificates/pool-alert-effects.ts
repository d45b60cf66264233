import { enqueueEffect } from '../../sagas/outbox.js';
import { performs, type EffectPerformer } from '../../sagas/effect-kind.js';
import type { Database } from '../../adapters/database/database.js';
import type { Clock } from '../../platform/clock.js';
import { notify } from '../notifications/notifications-effect-kinds.js';
import { AlertOperators } from './pool-alert-effect-kinds.js';
import type { OperatorDirectory } from './ports/operator-directory.js';

/**
 * An exhausted pool notifies every operator (template `gcp.pool_exhausted`): one
 * `notifications.notify` effect per operator, keyed by the alert and the operator, so a
 * repeated alert notifies nobody twice.
 */
export function poolAlertEffectHandlers(deps: { database: Database; clock: Clock; directory: OperatorDirectory }): EffectPerformer[] {
  return [
    performs(AlertOperators, async ({ alertId, nominal, currency, channel }, { correlationId }) => {
      const operators = await deps.directory.operators();
      for (const operator of operators) {
        await enqueueEffect(deps.database.db, notify(`${alertId}:${operator}`, operator, 'gcp.pool_exhausted', { nominal, currency, channel }, { correlationId: correlationId ?? undefined }), deps.clock.now());
      }
    }),
  ];
}
