import { createHash } from 'node:crypto';

/**
 * A caller's request id names one task: the same (initiator, request id) always maps to the
 * same task id, so a retried request finds the task it created instead of creating another.
 */
export function taskIdFor(initiator: string, requestId: string): string {
  const hex = createHash('sha256').update(`${initiator}\u0000${requestId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
