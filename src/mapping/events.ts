import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { RunEvent } from '../schema/run.js';
import { attributesToRecord } from './attribute-values.js';
import { hrTimeToMicros, microsToIso } from './time.js';

/** Span events as LangSmith run events: `{ name, time, kwargs }`, kwargs being the event's attributes. */
export function eventsFromSpan(events: readonly TimedEvent[]): RunEvent[] {
  return events.map((event) => {
    const kwargs = attributesToRecord(event.attributes ?? {});
    if (event.droppedAttributesCount) kwargs['otel.dropped_attributes_count'] = event.droppedAttributesCount;
    return { name: event.name, time: microsToIso(hrTimeToMicros(event.time)), kwargs };
  });
}
