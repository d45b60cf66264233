import { recordEventsAppended } from '../observability/metrics.js';
import { categoryOf, type EventStore } from './event-store.js';

/** Counts appended events per stream category for /metrics; otherwise the store as it is. */
export function instrumentedEventStore(store: EventStore): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          const result = await target.append(...args);
          recordEventsAppended(categoryOf(args[0]), args[1].length);
          return result;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
