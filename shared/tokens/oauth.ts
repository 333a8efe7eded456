import type { PlainResponse } from '../platform/problem.js';
import type { TokenError } from './errors.js';

/**
 * The HTTP shapes of `POST /api/token`: an OAuth 2.0 token response on success, RFC 6749 §5.2
 * error JSON otherwise. Descriptions come from typed errors, which never carry key material.
 */
// RFC 6749 §5.1: token responses must not be cached by anyone in between.
const NO_STORE = {
  'content-type': 'application/json;charset=UTF-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

interface Served {
  accessToken: string;
  expiresOnMs: number;
  second: number;
  body: string;
}

/**
 * The last body built per token object: a cache hit returns the same object (acquirer.ts) on every
 * call, and the body changes only when `expires_in` does, once a second. Serialising the ~1-2 KiB
 * token each time was a measurable part of a hit.
 */
const served = new WeakMap<object, Served>();

export function tokenResponse(token: { accessToken: string; expiresOn: Date }, nowMs: number): PlainResponse {
  const expiresOnMs = token.expiresOn.getTime();
  const second = Math.floor(nowMs / 1000);
  const last = served.get(token);
  if (
    last !== undefined &&
    last.second === second &&
    last.expiresOnMs === expiresOnMs &&
    last.accessToken === token.accessToken
  ) {
    return { status: 200, headers: NO_STORE, body: last.body };
  }
  const expiresOn = Math.floor(expiresOnMs / 1000);
  const body = JSON.stringify({
    access_token: token.accessToken,
    token_type: 'Bearer',
    expires_in: Math.max(0, expiresOn - second),
    expires_on: expiresOn,
  });
  served.set(token, { accessToken: token.accessToken, expiresOnMs, second, body });
  return { status: 200, headers: NO_STORE, body };
}

const oauthErrorName: Record<TokenError['code'], string> = {
  invalid_request: 'invalid_request',
  unknown_client: 'invalid_request',
  invalid_scope: 'invalid_scope',
  // The scope is valid but exceeds what this client was granted (RFC 6749 §5.2 invalid_scope).
  scope_not_allowed: 'invalid_scope',
  // RFC 6749 §5.2: the authenticated caller is not authorized for this client / scope.
  client_not_granted: 'unauthorized_client',
  scope_not_granted: 'invalid_scope',
  idp_rejected: 'server_error',
  certificate_invalid: 'server_error',
  client_misconfigured: 'server_error',
  idp_unavailable: 'temporarily_unavailable',
  keyvault_unavailable: 'temporarily_unavailable',
  throttled: 'temporarily_unavailable',
};

/** When a transient error carries no wait of its own. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function oauthError(error: TokenError): PlainResponse {
  const { status } = error;
  const code = oauthErrorName[error.code];
  const headers: Record<string, string> = { ...NO_STORE };
  const transient = code === 'temporarily_unavailable';
  if (transient) headers['retry-after'] = String(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  const body: Record<string, unknown> = { error: code, error_description: error.message };
  if (error.correlationId) body.correlation_id = error.correlationId;
  return { status, headers, body: JSON.stringify(body) };
}

/** Anything untyped: an opaque 500 in the same format (the details go to the log only). */
export function unexpectedError(invocationId: string): PlainResponse {
  return {
    status: 500,
    headers: NO_STORE,
    body: JSON.stringify({
      error: 'server_error',
      error_description: `The token request failed unexpectedly. Quote invocation id ${invocationId}.`,
    }),
  };
}
