import type { HttpRequest } from '@azure/functions';
import { callersAuthLevel, forCaller } from '../shared/callers/http.js';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { type ValidationRuntime, validation } from '../shared/validation/runtime.js';
import { tokenSourceOf } from '../shared/validation/service.js';

/** POST /api/introspect: RFC 7662 token introspection for OAuth libraries and gateway policies. */
export async function introspect(
  request: HttpRequest,
  _context: unknown,
  { service }: ReadyRuntime<ValidationRuntime>,
): Promise<PlainResponse> {
  return service.introspect(await tokenSourceOf(request));
}

registerHttp('introspect', {
  route: 'introspect',
  methods: ['POST'],
  authLevel: callersAuthLevel(),
  capability: validation,
  handler: forCaller('introspect', introspect),
});
