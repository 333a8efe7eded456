import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { problemResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { type ValidationRuntime, validation } from '../shared/validation/runtime.js';

/** GET /api/usage?clientId=: validation counts per tenant and policy for one client. */
export async function usage(
  request: HttpRequest,
  _context: unknown,
  runtime: ReadyRuntime<ValidationRuntime>,
): Promise<HttpResponseInit> {
  const clientId = request.query.get('clientId')?.trim();
  if (!clientId || clientId.length > 256) {
    return problemResponse({
      title: 'Bad Request',
      status: 400,
      code: 'bad_request',
      detail: 'clientId is required.',
    });
  }
  const records = await runtime.usage.report(clientId);
  return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { clientId, records } };
}

registerHttp('usage', {
  route: 'usage',
  methods: ['GET'],
  authLevel: 'function',
  capability: validation,
  handler: usage,
});
