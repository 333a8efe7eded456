import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { Caller } from '../shared/callers/guard.js';
import { callersAuthLevel, forCaller } from '../shared/callers/http.js';
import { loggerFor } from '../shared/platform/log.js';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { handleTokenRequest } from '../shared/tokens/endpoint.js';
import { bodyText } from '../shared/tokens/request.js';
import { type TokenRuntime, tokens } from '../shared/tokens/service.js';

/**
 * POST /api/token: a token for a configured client, acquired with its certificate (RFC 6749
 * responses); a caller with its own Entra identity gets only its own clients and scopes.
 */
export async function token(
  request: HttpRequest,
  context: InvocationContext,
  { service }: ReadyRuntime<TokenRuntime>,
  caller: Caller,
): Promise<PlainResponse> {
  const input = {
    contentType: request.headers.get('content-type'),
    body: await bodyText(request),
    invocationId: context.invocationId,
  };
  const { acquirer, clock, hits } = service;
  const log = () => loggerFor(context);
  return handleTokenRequest(acquirer, input, log, clock, caller.tokenGrant, hits);
}

registerHttp('token', {
  route: 'token',
  methods: ['POST'],
  authLevel: callersAuthLevel(),
  capability: tokens,
  handler: forCaller('token', token),
});
