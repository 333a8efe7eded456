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

export class TokenError extends Error {
  readonly code: TokenErrorCode;
  readonly retryAfterSeconds: number | undefined;
  /** Entra's error code (`AADSTS700027` → 700027) when the IdP gave one. */
  readonly aadsts: number | undefined;
  readonly correlationId: string | undefined;

  constructor(
    code: TokenErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number; aadsts?: number; correlationId?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.aadsts = options.aadsts;
    this.correlationId = options.correlationId;
  }
}

/** A Retry-After header in its delay-seconds form; undefined when absent, zero or not a number. */
export function retryAfterHeaderSeconds(value: string | null | undefined): number | undefined {
  const seconds = Number.parseInt(value ?? '', 10);
  return seconds > 0 ? seconds : undefined;
}
