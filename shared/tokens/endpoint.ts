import type { Logger } from '../platform/log.js';
import type { PlainResponse } from '../platform/problem.js';
import type { TokenAcquirer } from './acquirer.js';
import { TokenError } from './errors.js';
import type { HitSummary } from './hit-summary.js';
import { recordAcquisition } from './metrics.js';
import { oauthError, tokenResponse, unexpectedError } from './oauth.js';
import { parseTokenRequest } from './request.js';

/**
 * Who asks, as the callers capability decided (shared/callers): which clients and scopes it may
 * have, and where what it was served is counted. Without one, any configured client may be asked.
 */
export interface TokenGrant {
  /** For the log: the caller's name or client id, never a secret. */
  caller: string;
  /** Undefined when granted; otherwise which of the two is not. */
  refuses(client: string, scope: string): 'client' | 'scope' | undefined;
  issued(client: string, scope: string): void;
}

/**
 * `POST /api/token` without the Functions SDK: body in, OAuth response out. Logs the client,
 * scope, cache outcome, the IdP correlation id and the latency; never the token. With `hits`, a
 * cache hit is counted there and logged in its periodic summary instead of a line of its own, and
 * `log` is not called: a hit builds no logger.
 */
export async function handleTokenRequest(
  acquirer: TokenAcquirer,
  input: { contentType: string | null; body: string; invocationId: string },
  log: () => Logger,
  clock: () => number,
  grant?: TokenGrant,
  hits?: HitSummary,
): Promise<PlainResponse> {
  const started = clock();
  let client: string | undefined;
  let scope: string | undefined;
  // A client name the request made up is not an attribute value (metrics stay low-cardinality).
  const configuredClient = () =>
    client !== undefined && acquirer.isConfigured(client) ? client : '(unknown)';
  try {
    const request = parseTokenRequest(input.contentType, input.body);
    client = request.client ?? 'default';
    scope = request.scope;
    const refused = grant?.refuses(client, scope);
    // Neither names other callers nor says which clients exist (the caller learns only its own).
    if (refused === 'client')
      throw new TokenError('client_not_granted', 'This caller is not granted the requested client');
    if (refused === 'scope')
      throw new TokenError('scope_not_granted', 'This caller is not granted the requested scope');
    const token = acquirer.cached(client, scope) ?? (await acquirer.acquire(client, scope));
    recordAcquisition(client, 'issued', token.cache);
    grant?.issued(client, scope);
    if (hits && token.cache === 'hit') {
      const now = clock();
      hits.record(grant?.caller, client, scope, now - started);
      return tokenResponse(token, now);
    }
    log().info('Token issued', {
      ...(grant ? { caller: grant.caller } : {}),
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
        ...(grant ? { caller: grant.caller } : {}),
        client,
        scope,
        code: error.code,
        aadsts: error.aadsts,
        correlationId: error.correlationId,
        error: error.message,
        latencyMs: clock() - started,
      };
      recordAcquisition(
        configuredClient(),
        error.status === 400 || error.status === 403 ? 'refused' : 'failed',
        undefined,
      );
      if (
        error.code === 'invalid_request' ||
        error.code === 'invalid_scope' ||
        error.code === 'unknown_client' ||
        error.code === 'client_not_granted' ||
        error.code === 'scope_not_granted'
      ) {
        log().info('Token request refused', fields);
      } else log().warn('Token request failed', fields);
      return oauthError(error);
    }
    recordAcquisition(configuredClient(), 'failed', undefined);
    log().error('Token request failed unexpectedly', { client, scope, error, latencyMs: clock() - started });
    return unexpectedError(input.invocationId);
  }
}
