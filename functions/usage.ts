import type { HttpRequest } from '@azure/functions';
import type { Caller } from '../shared/callers/guard.js';
import { callersAuthLevel, forCaller } from '../shared/callers/http.js';
import { usageReport } from '../shared/callers/usage-report.js';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { type ValidationRuntime, validation } from '../shared/validation/runtime.js';

/** GET /api/usage?clientId= (validation counts) or ?caller= (tokens served per client, scope and day). */
export async function usage(
  request: HttpRequest,
  _context: unknown,
  runtime: ReadyRuntime<ValidationRuntime>,
  caller: Caller,
): Promise<PlainResponse> {
  return usageReport(runtime.usage, request.query, caller);
}

registerHttp('usage', {
  route: 'usage',
  methods: ['GET'],
  authLevel: callersAuthLevel(),
  capability: validation,
  handler: forCaller('usage', usage),
});
