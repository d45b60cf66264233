import assert from 'node:assert/strict';
import { EventLogRefused, EventLogUnavailable, StreamDeleted } from '../../../adapters/eventstore/event-store.js';
import { refusalOf } from '../../../adapters/http/route-response.js';

describe('HTTP edge: the event log failing', () => {
  it('given the log unavailable (its outcome unknown), when a route throws it, then 503 with Retry-After: a retry is safe', () => {
    const problem = refusalOf(new EventLogUnavailable('append to Ticket-1', new Error('14 UNAVAILABLE: connection dropped')));
    assert.equal(problem?.status, 503);
    assert.equal(problem?.code, 'platform.event_log_unavailable');
    assert.equal(problem?.extras.headers?.['Retry-After'], '1');
    assert.doesNotMatch(problem!.detail, /UNAVAILABLE|connection/, 'the cause stays in the log, not the answer');
  });

  it('given a tombstoned stream, when a route throws StreamDeleted, then 410', () => {
    assert.equal(refusalOf(new StreamDeleted('Ticket-1'))?.status, 410);
  });

  it('given the log refusing (access denied, too large), when a route throws it, then it is no refusal of the caller: the edge logs a 500', () => {
    assert.equal(refusalOf(new EventLogRefused('append to Ticket-1', 'access_denied', new Error('denied'))), undefined);
  });
});
