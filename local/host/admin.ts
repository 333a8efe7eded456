import type { FunctionDefinition } from '../../shared/platform/registry.js';
import { notificationEvents, parseEventGridRequest } from './eventgrid.js';
import type { Incoming } from './incoming.js';
import type { Invocations } from './invocation.js';
import { type HostKeys, hasKey } from './keys.js';
import { sendProblem, writeResponse } from './response.js';
import type { TimerRunner } from './timers.js';

export interface AdminOptions {
  find: (name: string) => FunctionDefinition | undefined;
  timer: (name: string) => TimerRunner | undefined;
  keys: HostKeys;
  invocations: Invocations;
}

/**
 * `POST /admin/functions/<name>` with `{"input": "..."}`: "Manually run a non HTTP-triggered
 * function" (Microsoft Learn). The master key is required; the host accepts the run and answers 202.
 */
export function adminRun({ find, timer, keys, invocations }: AdminOptions) {
  return async function handle({ req, res, url, body }: Incoming, name: string): Promise<void> {
    if (!hasKey({ authLevel: 'admin', functionName: name }, req.headers, url, keys))
      return sendProblem(res, 401, 'Admin endpoints need the master key.');
    if (req.method !== 'POST') return sendProblem(res, 405, 'Use POST.', { allow: 'POST' });
    const definition = find(name);
    if (!definition || definition.kind === 'http')
      return sendProblem(res, 404, `No non-HTTP function named "${name}".`);
    let input: unknown = '';
    if (body.length > 0) {
      try {
        input = (JSON.parse(body.toString('utf8')) as { input?: unknown }).input ?? '';
      } catch {
        return sendProblem(res, 400, 'The body must be JSON like {"input": "..."}.');
      }
    }
    if (definition.kind === 'timer') {
      void timer(definition.name)?.run(false);
    } else {
      // An Event Grid function gets its event(s) in `input`, checked like the webhook's: as JSON text,
      // or as the JSON value itself, which is checked as it is (serialising it again could overflow
      // the stack on a deeply nested value).
      const parsed =
        typeof input === 'string' ? parseEventGridRequest('Notification', input) : notificationEvents(input);
      if (parsed.kind !== 'notification') {
        return sendProblem(
          res,
          400,
          `"input" must hold an Event Grid or CloudEvents event: ${parsed.kind === 'invalid' ? parsed.detail : ''}`,
        );
      }
      void invocations.events(definition, parsed.events).catch(() => undefined);
    }
    await writeResponse(res, { status: 202 });
  };
}
