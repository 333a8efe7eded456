import type { GridEvent } from '../../shared/platform/events.js';

/**
 * The Event Grid extension's webhook ("Azure Event Grid trigger for Azure Functions" and "Receive
 * events from Azure Event Grid to an HTTP endpoint", Microsoft Learn): the `aeg-event-type` header
 * says whether the body is a subscription validation or a notification; a notification body is an
 * array of events (Event Grid schema) or one event / an array (CloudEvents 1.0, `specversion`).
 */
export type EventGridRequest =
  | { kind: 'validation'; validationCode: string }
  | { kind: 'notification'; events: GridEvent[] }
  | { kind: 'invalid'; status: 400; detail: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A caller's value, named in an error without serialising it whole (it may be huge or deeply nested). */
const describeValue = (value: unknown) =>
  typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : `of type ${typeof value}`;

const EVENT_GRID_FIELDS = ['id', 'eventType', 'subject', 'eventTime', 'dataVersion'] as const;
const CLOUD_EVENT_FIELDS = ['specversion', 'id', 'source', 'type'] as const;

/**
 * Why an event is not one the extension would bind, or undefined when it is. An event that carries
 * `specversion` is read as a CloudEvent, anything else as an Event Grid schema event.
 * - CloudEvents 1.0 ("Context Attributes"): `specversion` is "1.0" for this version of the spec and
 *   `id` MUST be a non-empty string. The extension binds CloudEvents through Azure.Messaging's
 *   `CloudEvent` (Azure.Core `CloudEventConverter`), which refuses any `specversion` but "1.0".
 * - Event Grid event schema (Microsoft Learn): `id` is the event's required unique identifier; an
 *   empty string identifies nothing, so it is refused as CloudEvents refuses it.
 */
function eventProblem(event: unknown): string | undefined {
  if (!isObject(event)) return 'is not a JSON object';
  if ('specversion' in event) {
    if (event.specversion !== '1.0') {
      return `has specversion ${describeValue(event.specversion)}; only CloudEvents "1.0" is accepted`;
    }
    const missing = CLOUD_EVENT_FIELDS.filter((k) => typeof event[k] !== 'string');
    if (missing.length > 0) return `is a CloudEvent without string ${missing.join(', ')}`;
  } else {
    const missing = EVENT_GRID_FIELDS.filter((k) => typeof event[k] !== 'string');
    if (missing.length > 0) {
      return `is neither an Event Grid schema event (no string ${missing.join(', ')}) nor a CloudEvents 1.0 event`;
    }
  }
  if (event.id === '') return 'has an empty id';
  return undefined;
}

/**
 * A notification body once parsed: one event or an array of them. Takes the parsed value, not
 * text, so a caller holding a value (the admin route) never has to serialise it again.
 */
export function notificationEvents(parsed: unknown): EventGridRequest {
  const events = Array.isArray(parsed) ? parsed : [parsed];
  if (events.length === 0) return { kind: 'invalid', status: 400, detail: 'The body holds no events.' };
  for (const [index, event] of events.entries()) {
    const problem = eventProblem(event);
    if (problem) return { kind: 'invalid', status: 400, detail: `Event ${index} ${problem}.` };
  }
  return { kind: 'notification', events: events as GridEvent[] };
}

export function parseEventGridRequest(eventType: string | null, body: string): EventGridRequest {
  if (!eventType) return { kind: 'invalid', status: 400, detail: 'Missing aeg-event-type header.' };
  const type = eventType.toLowerCase();
  if (type !== 'subscriptionvalidation' && type !== 'notification') {
    return { kind: 'invalid', status: 400, detail: `Unknown aeg-event-type "${eventType}".` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'invalid', status: 400, detail: 'The body is not valid JSON.' };
  }
  if (type === 'notification') return notificationEvents(parsed);
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === undefined) return { kind: 'invalid', status: 400, detail: 'The body holds no events.' };
  const code = isObject(first) && isObject(first.data) ? first.data.validationCode : undefined;
  if (typeof code !== 'string' || code === '') {
    return { kind: 'invalid', status: 400, detail: 'A validation event needs data.validationCode.' };
  }
  return { kind: 'validation', validationCode: code };
}
