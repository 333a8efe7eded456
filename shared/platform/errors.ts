/**
 * The product's one error base. Every typed error carries a stable snake_case `code` that callers,
 * logs and tests rely on, the HTTP status it maps to where one applies, and, when the condition is
 * transient, how long to wait. Capability errors (TokenError, ValidationFailure, configuration
 * errors) extend it; the HTTP mapping happens once, in `problem.ts`, or in a protocol's own shaper
 * (RFC 6749 for tokens, RFC 6750/7662 for validation).
 */

/** The platform's own codes; capabilities add theirs on their subclasses. */
export type ErrorCode =
  | 'bad_request'
  | 'payload_too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'configuration_invalid'
  | 'credential_configuration'
  | 'dependency_unavailable'
  | 'upstream_rejected'
  | 'internal';

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  internal: 500,
  upstream_rejected: 502,
  dependency_unavailable: 503,
  configuration_invalid: 503,
  credential_configuration: 503,
};

export interface AppErrorOptions {
  cause?: unknown;
  retryAfterSeconds?: number | undefined;
  /** The HTTP status; platform codes know theirs. */
  status?: number;
}

export class AppError<Code extends string = ErrorCode> extends Error {
  readonly code: Code;
  /** The HTTP status this error answers with, where one applies. */
  readonly status: number;
  /** Seconds a caller should wait before retrying, when the condition is transient. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: Code, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? statusByCode[code as unknown as ErrorCode] ?? 500;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function statusOf(code: ErrorCode): number {
  return statusByCode[code];
}

/** Settings are invalid; its message lists every problem at once (names, never values). */
export class ConfigurationError extends AppError<'configuration_invalid'> {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('configuration_invalid', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}
