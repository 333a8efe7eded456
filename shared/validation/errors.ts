import { AppError } from '../platform/errors.js';

/**
 * The outcome of a rejected validation, in RFC 6750 terms, with a machine-readable `reason` (and
 * the `claim` it concerns, as jose reports them) beside the prose, so logs and usage records can
 * count failures by reason. The description names the failed check and never contains any part of
 * the token.
 */
export type ValidationErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'unavailable';

const statusByCode: Record<ValidationErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  unavailable: 503,
};

interface ReasonSpec {
  code: ValidationErrorCode;
  description: string;
  claim?: string;
}

/** Every reason a validation can fail for; the description is what callers see. */
export const REASONS = {
  // The request (RFC 6750 §2).
  empty_token: { code: 'invalid_request', description: 'empty bearer token' },
  empty_access_token: { code: 'invalid_request', description: 'empty access_token' },
  duplicate_token: { code: 'invalid_request', description: 'access_token given more than once' },
  several_methods: { code: 'invalid_request', description: 'token given by more than one method' },
  token_syntax: {
    code: 'invalid_request',
    description: 'token contains characters not allowed in a bearer token',
  },
  // The JWS itself (RFC 8725).
  too_large: { code: 'invalid_token', description: 'token too large' },
  malformed: { code: 'invalid_token', description: 'malformed token' },
  malformed_header: { code: 'invalid_token', description: 'malformed token header' },
  malformed_payload: { code: 'invalid_token', description: 'malformed token payload' },
  duplicate_header_member: { code: 'invalid_token', description: 'token header repeats a member name' },
  duplicate_claim: { code: 'invalid_token', description: 'token claims repeat a member name' },
  encrypted: { code: 'invalid_token', description: 'encrypted tokens are not accepted' },
  unsigned: { code: 'invalid_token', description: 'token is not signed' },
  algorithm: { code: 'invalid_token', description: 'algorithm not accepted', claim: 'alg' },
  critical_header: { code: 'invalid_token', description: 'critical header parameters are not supported' },
  nested: { code: 'invalid_token', description: 'nested tokens are not accepted' },
  key_id: { code: 'invalid_token', description: 'token has no usable key id', claim: 'kid' },
  key_not_found: { code: 'invalid_token', description: 'signing key not found', claim: 'kid' },
  key_issuer: { code: 'invalid_token', description: 'signing key not valid for this issuer', claim: 'iss' },
  key_algorithm: { code: 'invalid_token', description: 'algorithm not accepted for this key', claim: 'alg' },
  key_unusable: { code: 'invalid_token', description: 'signing key not usable', claim: 'kid' },
  signature: { code: 'invalid_token', description: 'signature invalid' },
  // Who issued it.
  version: { code: 'invalid_token', description: 'token version not accepted', claim: 'ver' },
  tenant: { code: 'invalid_token', description: 'tenant not accepted', claim: 'tid' },
  issuer: { code: 'invalid_token', description: 'issuer not accepted', claim: 'iss' },
  // When it is valid.
  exp_missing: { code: 'invalid_token', description: 'token has no expiry', claim: 'exp' },
  exp_malformed: { code: 'invalid_token', description: 'expiry is malformed', claim: 'exp' },
  expired: { code: 'invalid_token', description: 'token expired', claim: 'exp' },
  nbf_missing: { code: 'invalid_token', description: 'token has no not-before time', claim: 'nbf' },
  nbf_malformed: { code: 'invalid_token', description: 'not-before time is malformed', claim: 'nbf' },
  not_yet_valid: { code: 'invalid_token', description: 'token not yet valid', claim: 'nbf' },
  iat_missing: { code: 'invalid_token', description: 'token has no issued-at time', claim: 'iat' },
  iat_malformed: { code: 'invalid_token', description: 'issued-at time is malformed', claim: 'iat' },
  issued_in_future: { code: 'invalid_token', description: 'token issued in the future', claim: 'iat' },
  too_old: { code: 'invalid_token', description: 'token too old', claim: 'iat' },
  // Whom it is for and what it grants.
  audience: { code: 'invalid_token', description: 'audience not accepted', claim: 'aud' },
  client: { code: 'invalid_token', description: 'client not allowed' },
  client_id_missing: {
    code: 'invalid_token',
    description: 'token lacks the client id claim of its version (azp on v2, appid on v1)',
  },
  certificate_credential: { code: 'invalid_token', description: 'certificate credential required' },
  app_only: { code: 'invalid_token', description: 'app-only token required' },
  user_only: { code: 'invalid_token', description: 'user token required' },
  required_claim: { code: 'invalid_token', description: 'required claim not satisfied' },
  revoked: { code: 'invalid_token', description: 'token revoked' },
  scope: { code: 'insufficient_scope', description: 'required scope missing', claim: 'scp' },
  role: { code: 'insufficient_scope', description: 'required role missing', claim: 'roles' },
  // What we could not check (503, never 401).
  keys_unavailable: { code: 'unavailable', description: 'signing keys unavailable' },
  keys_expired: {
    code: 'unavailable',
    description: 'signing keys expired while the identity provider is unreachable',
  },
  keys_unrefreshable: { code: 'unavailable', description: 'signing keys cannot be refreshed' },
  revocation_unavailable: { code: 'unavailable', description: 'revocation list unavailable' },
} as const satisfies Record<string, ReasonSpec>;

export type ValidationReason = keyof typeof REASONS;

export interface FailureOptions {
  /** Space-separated scopes/roles the request lacked (insufficient_scope only). */
  scope?: string;
  retryAfterSeconds?: number;
  /** Claims whose signature was verified before the failure (for usage records); never echoed. */
  verifiedClaims?: Record<string, unknown>;
}

export class ValidationFailure extends AppError<ValidationErrorCode> {
  readonly reason: ValidationReason;
  /** The claim (or header parameter) the failed check concerns, when there is one. */
  readonly claim: string | undefined;
  readonly description: string;
  readonly scope: string | undefined;
  readonly verifiedClaims: Record<string, unknown> | undefined;

  constructor(reason: ValidationReason, options: FailureOptions = {}) {
    const spec: ReasonSpec = REASONS[reason];
    super(spec.code, spec.description, {
      status: statusByCode[spec.code],
      retryAfterSeconds: options.retryAfterSeconds,
    });
    this.name = 'ValidationFailure';
    this.reason = reason;
    this.claim = spec.claim;
    this.description = spec.description;
    this.scope = options.scope;
    this.verifiedClaims = options.verifiedClaims;
  }

  withClaims(claims: Record<string, unknown>): ValidationFailure {
    return new ValidationFailure(this.reason, {
      ...(this.scope === undefined ? {} : { scope: this.scope }),
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
      verifiedClaims: claims,
    });
  }
}

export const fail = (reason: ValidationReason) => new ValidationFailure(reason);

export const unavailable = (reason: ValidationReason, retryAfterSeconds: number) =>
  new ValidationFailure(reason, { retryAfterSeconds });
