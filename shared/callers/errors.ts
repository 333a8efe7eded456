import { AppError } from '../platform/errors.js';
import { type PlainResponse, problemResponse, titleFor } from '../platform/problem.js';

/**
 * Refusals of a caller that proved who it is: its settings are wrong (503, that caller only), or it
 * is not granted the operation (403). Messages name neither other callers nor their clients.
 */
export type CallerErrorCode = 'caller_misconfigured' | 'operation_not_granted';

const statusByCode: Record<CallerErrorCode, number> = {
  operation_not_granted: 403,
  caller_misconfigured: 503,
};

/** Retry-After of a misconfigured caller: its settings change by redeploying, not in seconds. */
const MISCONFIGURED_RETRY_AFTER_SECONDS = 60;

export class CallerError extends AppError<CallerErrorCode> {
  constructor(code: CallerErrorCode, message: string) {
    super(code, message, {
      status: statusByCode[code],
      ...(code === 'caller_misconfigured' ? { retryAfterSeconds: MISCONFIGURED_RETRY_AFTER_SECONDS } : {}),
    });
    this.name = 'CallerError';
  }
}

/** The problem+json answer; a 403 also carries the RFC 6750 §3.1 `insufficient_scope` challenge. */
export function callerRefusal(error: CallerError, realm: string): PlainResponse {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  if (error.status === 403)
    headers['www-authenticate'] =
      `Bearer realm="${realm}", error="insufficient_scope", error_description="operation not granted to this caller"`;
  return problemResponse(
    { title: titleFor(error.status), status: error.status, code: error.code, detail: error.message },
    headers,
  );
}
