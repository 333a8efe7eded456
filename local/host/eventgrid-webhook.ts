import type { FunctionDefinition } from '../../shared/platform/registry.js';
import { parseEventGridRequest } from './eventgrid.js';
import type { Incoming } from './incoming.js';
import type { Invocations } from './invocation.js';
import { type HostKeys, hasKey } from './keys.js';
import { sendProblem, writeResponse } from './response.js';

export interface EventGridWebhookOptions {
  find: (name: string) => FunctionDefinition | undefined;
  keys: HostKeys;
  invocations: Invocations;
}

/**
 * `/runtime/webhooks/EventGrid?functionName=<name>`, the Event Grid extension's endpoint ("Azure
 * Event Grid trigger for Azure Functions", Microsoft Learn): the `eventgrid_extension` system key,
 * the CloudEvents abuse-protection handshake (OPTIONS), subscription validation, and notifications,
 * where one failed event fails the whole batch with 500, as the extension does.
 */
export function eventGridWebhook({ find, keys, invocations }: EventGridWebhookOptions) {
  return async function handle({ req, res, url, body }: Incoming): Promise<void> {
    const name = url.searchParams.get('functionName') ?? '';
    if (!hasKey({ systemKey: 'eventgrid_extension' }, req.headers, url, keys)) {
      return sendProblem(
        res,
        401,
        'The Event Grid webhook needs the eventgrid_extension system key (code=...).',
      );
    }
    const definition = find(name);
    if (definition?.kind !== 'eventGrid')
      return sendProblem(res, 404, `No Event Grid function named "${name}".`);
    // CloudEvents abuse-protection handshake: OPTIONS with WebHook-Request-Origin.
    if (req.method === 'OPTIONS') {
      const origin = req.headers['webhook-request-origin']?.toString();
      if (!origin) return sendProblem(res, 400, 'Missing WebHook-Request-Origin header.');
      return writeResponse(res, {
        status: 200,
        headers: { 'webhook-allowed-origin': origin, allow: 'POST' },
      });
    }
    if (req.method !== 'POST') return sendProblem(res, 405, 'Use POST.', { allow: 'POST, OPTIONS' });
    const parsed = parseEventGridRequest(
      req.headers['aeg-event-type']?.toString() ?? null,
      body.toString('utf8'),
    );
    if (parsed.kind === 'invalid') return sendProblem(res, parsed.status, parsed.detail);
    if (parsed.kind === 'validation') {
      return writeResponse(res, { status: 200, jsonBody: { validationResponse: parsed.validationCode } });
    }
    try {
      await invocations.events(definition, parsed.events);
    } catch {
      // One failed event fails the batch, and Event Grid re-sends all of it.
      return sendProblem(res, 500, 'At least one event failed; the batch should be retried.');
    }
    await writeResponse(res, { status: 202 });
  };
}
