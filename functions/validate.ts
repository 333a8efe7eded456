import type { HttpRequest } from '@azure/functions';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { type ValidationRuntime, validation } from '../shared/validation/runtime.js';
import { tokenSourceOf } from '../shared/validation/service.js';

/** GET|POST /api/validate/{policy?}[/anything]: the endpoint gateways call on each request (see docs/gateways). */
export async function validate(
  request: HttpRequest,
  _context: unknown,
  { service }: ReadyRuntime<ValidationRuntime>,
): Promise<PlainResponse> {
  const policy = request.params.policy?.split('/')[0] || 'default';
  const source = tokenSourceOf(request);
  // Without an await for a GET (no body): the cached-token answer needs no promise of its own.
  return source instanceof Promise
    ? service.validate(await source, policy)
    : service.validate(source, policy);
}

registerHttp('validate', {
  // Catch-all, so gateways that append the original path (Envoy ext_authz) still name the policy first.
  route: 'validate/{*policy}',
  // Every method: ext_authz and ForwardAuth gateways forward the original request's method.
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  authLevel: 'function',
  capability: validation,
  handler: validate,
});
