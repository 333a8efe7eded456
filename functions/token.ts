import type { HttpRequest, InvocationContext } from '@azure/functions';
import { loggerFor } from '../shared/platform/log.js';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { handleTokenRequest } from '../shared/tokens/endpoint.js';
import { type TokenRuntime, tokens } from '../shared/tokens/service.js';

/** POST /api/token: a token for a configured client, acquired with its certificate (RFC 6749 responses). */
export async function token(
  request: HttpRequest,
  context: InvocationContext,
  { service }: ReadyRuntime<TokenRuntime>,
): Promise<PlainResponse> {
  const input = {
    contentType: request.headers.get('content-type'),
    body: await request.text(),
    invocationId: context.invocationId,
  };
  return handleTokenRequest(service.acquirer, input, loggerFor(context), service.clock);
}

registerHttp('token', {
  route: 'token',
  methods: ['POST'],
  authLevel: 'function',
  capability: tokens,
  handler: token,
});
