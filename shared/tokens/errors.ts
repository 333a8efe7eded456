import { AppError } from '../platform/errors.js';

/**
 * Typed errors of token acquisition. The `code` is stable (tests, logs and the HTTP mapping in
 * `oauth.ts` rely on it); messages never carry key material, tokens or assertions.
 */
export type TokenErrorCode =
  /** The request body is missing or malformed (400 invalid_request). */
  | 'invalid_request'
  /** The scope is malformed, not `<resource>/.default` (400 invalid_scope). */
  | 'invalid_scope'
  /** No client of that name is configured (400 invalid_request). */
  | 'unknown_client'
  /** The scope is not in the client's AllowedScopes (403). */
  | 'scope_not_allowed'
  /** The caller (its own Entra identity) is not granted that client (403 unauthorized_client). */
  | 'client_not_granted'
  /** The caller is not granted that scope (403 invalid_scope). */
  | 'scope_not_granted'
  /** The client is named in settings but its settings are invalid (503, not transient). */
  | 'client_misconfigured'
  /** The certificate could not be used: bad format, wrong password, expired or not yet valid (502). */
  | 'certificate_invalid'
  /** The IdP rejected the request (502, AADSTS code in the message). */
  | 'idp_rejected'
  /** The IdP could not be reached or answered 5xx, and nothing valid is cached (503 + Retry-After). */
  | 'idp_unavailable'
  /** Key Vault (or the credential source) could not be reached, and nothing valid is cached (503 + Retry-After). */
  | 'keyvault_unavailable'
  /** The IdP throttled us, or MSAL replays a recent throttling answer (429 + Retry-After). */
  | 'throttled';

/** The HTTP status of each code (the RFC 6749 error name is chosen in oauth.ts). */
const statusByCode: Record<TokenErrorCode, number> = {
  invalid_request: 400,
  unknown_client: 400,
  invalid_scope: 400,
  scope_not_allowed: 403,
  client_not_granted: 403,
  scope_not_granted: 403,
  throttled: 429,
  idp_rejected: 502,
  certificate_invalid: 502,
  client_misconfigured: 503,
  idp_unavailable: 503,
  keyvault_unavailable: 503,
};

export class TokenError extends AppError<TokenErrorCode> {
  /** Entra's error code (`AADSTS700027` → 700027) when the IdP gave one. */
  readonly aadsts: number | undefined;
  readonly correlationId: string | undefined;

  constructor(
    code: TokenErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number; aadsts?: number; correlationId?: string } = {},
  ) {
    super(code, message, {
      cause: options.cause,
      retryAfterSeconds: options.retryAfterSeconds,
      status: statusByCode[code],
    });
    this.name = 'TokenError';
    this.aadsts = options.aadsts;
    this.correlationId = options.correlationId;
  }
}
