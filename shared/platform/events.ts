import type { EventGridEvent } from '@azure/functions';

/** CloudEvents 1.0 as the Event Grid extension delivers them. */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  data?: unknown;
  [attribute: string]: unknown;
}

/** One event as an Event Grid trigger receives it: Event Grid schema or CloudEvents 1.0. */
export type GridEvent = EventGridEvent | CloudEvent;
