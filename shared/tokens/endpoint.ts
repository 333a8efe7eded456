import type { Logger } from '../platform/log.js';
import type { PlainResponse } from '../platform/problem.js';
import type { TokenAcquirer } from './acquirer.js';
import { TokenError } from './errors.js';
import { recordAcquisition } from './metrics.js';
import { oauthError, tokenResponse, unexpectedError } from './oauth.js';
import { parseTokenRequest } from './request.js';

/**
 * `POST /api/token` without the Functions SDK: body in, OAuth response out. Logs the client,
 * scope, cache outcome, the IdP correlation id and the latency; never the token.
 */
export async function handleTokenRequest(
  acquirer: TokenAcquirer,
  input: { contentType: string | null; body: string; invocationId: string },
  logger: Logger,
  clock: () => number,
): Promise<PlainResponse> {
  const started = clock();
  let client: string | undefined;
  let scope: string | undefined;
  try {
    const request = parseTokenRequest(input.contentType, input.body);
    client = request.client ?? 'default';
    scope = request.scope;
    const token = await acquirer.acquire(client, scope);
    recordAcquisition(client, 'issued', token.cache);
    logger.info('Token issued', {
      client,
      scope,
      cache: token.cache,
      correlationId: token.correlationId,
      latencyMs: clock() - started,
    });
    return tokenResponse(token, clock());
  } catch (error) {
    if (error instanceof TokenError) {
      const fields = {
        client,
        scope,
        code: error.code,
        aadsts: error.aadsts,
        correlationId: error.correlationId,
        error: error.message,
        latencyMs: clock() - started,
      };
      // A client name the request made up is not an attribute value (metrics stay low-cardinality).
      recordAcquisition(
        client !== undefined && acquirer.isConfigured(client) ? client : '(unknown)',
        error.status === 400 || error.status === 403 ? 'refused' : 'failed',
        undefined,
      );
      if (
        error.code === 'invalid_request' ||
        error.code === 'invalid_scope' ||
        error.code === 'unknown_client'
      ) {
        logger.info('Token request refused', fields);
      } else logger.warn('Token request failed', fields);
      return oauthError(error);
    }
    recordAcquisition(
      client !== undefined && acquirer.isConfigured(client) ? client : '(unknown)',
      'failed',
      undefined,
    );
    logger.error('Token request failed unexpectedly', { client, scope, error, latencyMs: clock() - started });
    return unexpectedError(input.invocationId);
  }
}
