/**
 * The outcome of a rejected validation, in RFC 6750 terms. `description` names the failed check
 * and never contains any part of the token.
 */
export type ValidationErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'unavailable';

const statusByCode: Record<ValidationErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  unavailable: 503,
};

export class ValidationFailure extends Error {
  readonly code: ValidationErrorCode;
  readonly status: number;
  readonly description: string;
  /** Space-separated scopes/roles the request lacked (insufficient_scope only). */
  readonly scope: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** Claims whose signature was verified before the failure (for usage records); never echoed. */
  readonly verifiedClaims: Record<string, unknown> | undefined;

  constructor(
    code: ValidationErrorCode,
    description: string,
    options: { scope?: string; retryAfterSeconds?: number; verifiedClaims?: Record<string, unknown> } = {},
  ) {
    super(description);
    this.name = 'ValidationFailure';
    this.code = code;
    this.status = statusByCode[code];
    this.description = description;
    this.scope = options.scope;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.verifiedClaims = options.verifiedClaims;
  }

  withClaims(claims: Record<string, unknown>): ValidationFailure {
    return new ValidationFailure(this.code, this.description, {
      ...(this.scope === undefined ? {} : { scope: this.scope }),
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
      verifiedClaims: claims,
    });
  }
}

export const invalidToken = (description: string) => new ValidationFailure('invalid_token', description);

export const unavailable = (description: string, retryAfterSeconds: number) =>
  new ValidationFailure('unavailable', description, { retryAfterSeconds });
