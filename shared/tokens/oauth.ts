import type { TokenError } from './errors.js';

/**
 * The HTTP shapes of `POST /api/token`: an OAuth 2.0 token response on success, RFC 6749 §5.2
 * error JSON otherwise. Descriptions come from typed errors, which never carry key material.
 */
export interface OAuthHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

// RFC 6749 §5.1: token responses must not be cached by anyone in between.
const NO_STORE = {
  'content-type': 'application/json;charset=UTF-8',
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

export function tokenResponse(
  token: { accessToken: string; expiresOn: Date },
  nowMs: number,
): OAuthHttpResponse {
  const expiresOn = Math.floor(token.expiresOn.getTime() / 1000);
  return {
    status: 200,
    headers: NO_STORE,
    body: JSON.stringify({
      access_token: token.accessToken,
      token_type: 'Bearer',
      expires_in: Math.max(0, expiresOn - Math.floor(nowMs / 1000)),
      expires_on: expiresOn,
    }),
  };
}

const mapping: Record<TokenError['code'], { status: number; error: string }> = {
  invalid_request: { status: 400, error: 'invalid_request' },
  unknown_client: { status: 400, error: 'invalid_request' },
  invalid_scope: { status: 400, error: 'invalid_scope' },
  // The scope is valid but exceeds what this client was granted (RFC 6749 §5.2 invalid_scope).
  scope_not_allowed: { status: 403, error: 'invalid_scope' },
  idp_rejected: { status: 502, error: 'server_error' },
  certificate_invalid: { status: 502, error: 'server_error' },
  client_misconfigured: { status: 503, error: 'server_error' },
  idp_unavailable: { status: 503, error: 'temporarily_unavailable' },
  keyvault_unavailable: { status: 503, error: 'temporarily_unavailable' },
  throttled: { status: 429, error: 'temporarily_unavailable' },
};

/** When a transient error carries no wait of its own. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function oauthError(error: TokenError): OAuthHttpResponse {
  const { status, error: code } = mapping[error.code];
  const headers: Record<string, string> = { ...NO_STORE };
  const transient = code === 'temporarily_unavailable';
  if (transient) headers['retry-after'] = String(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS);
  const body: Record<string, unknown> = { error: code, error_description: error.message };
  if (error.correlationId) body.correlation_id = error.correlationId;
  return { status, headers, body: JSON.stringify(body) };
}

/** Anything untyped: an opaque 500 in the same format (the details go to the log only). */
export function unexpectedError(invocationId: string): OAuthHttpResponse {
  return {
    status: 500,
    headers: NO_STORE,
    body: JSON.stringify({
      error: 'server_error',
      error_description: `The token request failed unexpectedly. Quote invocation id ${invocationId}.`,
    }),
  };
}
