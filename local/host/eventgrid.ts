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

function isEventGridSchema(event: Record<string, unknown>): boolean {
  return ['id', 'eventType', 'subject', 'eventTime', 'dataVersion'].every(
    (k) => typeof event[k] === 'string',
  );
}

function isCloudEvent(event: Record<string, unknown>): boolean {
  return ['specversion', 'id', 'source', 'type'].every((k) => typeof event[k] === 'string');
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
  const events = Array.isArray(parsed) ? parsed : [parsed];
  if (events.length === 0) return { kind: 'invalid', status: 400, detail: 'The body holds no events.' };
  if (type === 'subscriptionvalidation') {
    const first = events[0];
    const code = isObject(first) && isObject(first.data) ? first.data.validationCode : undefined;
    if (typeof code !== 'string' || code === '') {
      return { kind: 'invalid', status: 400, detail: 'A validation event needs data.validationCode.' };
    }
    return { kind: 'validation', validationCode: code };
  }
  for (const [index, event] of events.entries()) {
    if (!isObject(event) || !(isEventGridSchema(event) || isCloudEvent(event))) {
      return {
        kind: 'invalid',
        status: 400,
        detail: `Event ${index} is neither an Event Grid schema event nor a CloudEvents 1.0 event.`,
      };
    }
  }
  return { kind: 'notification', events: events as GridEvent[] };
}
