import type { HttpRequest } from '@azure/functions';
import { callersAuthLevel, forCaller } from '../shared/callers/http.js';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { type ValidationRuntime, validation } from '../shared/validation/runtime.js';
import { tokenSourceOf } from '../shared/validation/service.js';

/** POST /api/revoke: RFC 7009 revocation onto the shared denylist (enforced everywhere within 30 s). */
export async function revoke(
  request: HttpRequest,
  _context: unknown,
  { service }: ReadyRuntime<ValidationRuntime>,
): Promise<PlainResponse> {
  return service.revoke(await tokenSourceOf(request));
}

registerHttp('revoke', {
  route: 'revoke',
  methods: ['POST'],
  authLevel: callersAuthLevel(),
  capability: validation,
  handler: forCaller('revoke', revoke),
});
