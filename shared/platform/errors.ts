/**
 * The product's typed errors. Each carries a stable `code` that callers, logs and tests can rely on;
 * the HTTP mapping happens once, in `problem.ts` (or in a protocol's own response shaper).
 */
export type ErrorCode =
  | 'bad_request'
  | 'payload_too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'configuration_invalid'
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
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a caller should wait before retrying, when the condition is transient. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = statusByCode[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function statusOf(code: ErrorCode): number {
  return statusByCode[code];
}
