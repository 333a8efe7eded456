import type { Logger } from '../platform/log.js';
import type { PlainResponse } from '../platform/problem.js';
import type { AcquiredToken, TokenAcquirer } from './acquirer.js';
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

/** One `POST /api/token` call: what it was given, and what it has learnt of the request so far. */
interface Call {
  acquirer: TokenAcquirer;
  invocationId: string;
  log: () => Logger;
  clock: () => number;
  grant: TokenGrant | undefined;
  hits: HitSummary | undefined;
  started: number;
  client: string | undefined;
  scope: string | undefined;
}

/**
 * `POST /api/token` without the Functions SDK: body in, OAuth response out. Logs the client,
 * scope, cache outcome, the IdP correlation id and the latency; never the token. With `hits`, a
 * cache hit is counted there and logged in its periodic summary instead of a line of its own, and
 * `log` is not called: a hit builds no logger. A held token is answered without a promise (the
 * path of nearly every call); anything else waits for the acquirer.
 */
export function handleTokenRequest(
  acquirer: TokenAcquirer,
  input: { contentType: string | null; body: string; invocationId: string },
  log: () => Logger,
  clock: () => number,
  grant?: TokenGrant,
  hits?: HitSummary,
): PlainResponse | Promise<PlainResponse> {
  const call: Call = {
    acquirer,
    invocationId: input.invocationId,
    log,
    clock,
    grant,
    hits,
    started: clock(),
    client: undefined,
    scope: undefined,
  };
  let client: string;
  let scope: string;
  try {
    const request = parseTokenRequest(input.contentType, input.body);
    client = request.client ?? 'default';
    scope = request.scope;
    call.client = client;
    call.scope = scope;
    const refused = grant?.refuses(client, scope);
    // Neither names other callers nor says which clients exist (the caller learns only its own).
    if (refused === 'client')
      throw new TokenError('client_not_granted', 'This caller is not granted the requested client');
    if (refused === 'scope')
      throw new TokenError('scope_not_granted', 'This caller is not granted the requested scope');
    const held = acquirer.cached(client, scope);
    if (held) return issued(call, client, scope, held);
  } catch (error) {
    return failed(call, error);
  }
  return acquired(call, client, scope);
}

async function acquired(call: Call, client: string, scope: string): Promise<PlainResponse> {
  try {
    return issued(call, client, scope, await call.acquirer.acquire(client, scope));
  } catch (error) {
    return failed(call, error);
  }
}

function issued(call: Call, client: string, scope: string, token: AcquiredToken): PlainResponse {
  const { grant, hits, clock, started } = call;
  recordAcquisition(client, 'issued', token.cache);
  grant?.issued(client, scope);
  if (hits && token.cache === 'hit') {
    const now = clock();
    hits.record(grant?.caller, client, scope, now - started);
    return tokenResponse(token, now);
  }
  call.log().info('Token issued', {
    ...(grant ? { caller: grant.caller } : {}),
    client,
    scope,
    cache: token.cache,
    correlationId: token.correlationId,
    latencyMs: clock() - started,
  });
  return tokenResponse(token, clock());
}

function failed(call: Call, error: unknown): PlainResponse {
  const { acquirer, grant, client, scope, clock, started, log } = call;
  // A client name the request made up is not an attribute value (metrics stay low-cardinality).
  const configuredClient = client !== undefined && acquirer.isConfigured(client) ? client : '(unknown)';
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
      configuredClient,
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
  recordAcquisition(configuredClient, 'failed', undefined);
  log().error('Token request failed unexpectedly', { client, scope, error, latencyMs: clock() - started });
  return unexpectedError(call.invocationId);
}
