import { AppError } from './errors.js';

/** An HTTP answer without the Functions SDK: what every core module returns and the function files pass on. */
export interface PlainResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** RFC 9457 problem details, the error format of every endpoint that has no protocol of its own. */
export interface ProblemDetails {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  invocationId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemResponse(
  problem: ProblemDetails,
  headers: Record<string, string> = {},
): PlainResponse {
  return {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify({ type: 'about:blank', ...problem }),
  };
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function titleFor(status: number): string {
  return titles[status] ?? 'Error';
}

/** Maps a typed error to problem+json; anything untyped becomes an opaque 500 (its details go to the log only). */
export function errorResponse(error: unknown, invocationId?: string): PlainResponse {
  if (error instanceof AppError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    return problemResponse(
      {
        title: titleFor(error.status),
        status: error.status,
        code: error.code,
        detail: error.message,
        invocationId,
      },
      headers,
    );
  }
  return problemResponse({
    title: titleFor(500),
    status: 500,
    code: 'internal',
    detail: 'The function failed. Quote the invocation id when reporting this.',
    invocationId,
  });
}

/** Retry-After of a 503 for an unconfigured capability: settings change by redeploying, not in seconds. */
const CONFIGURATION_RETRY_AFTER_SECONDS = 60;

/** 503 for a capability whose settings are invalid, listing every problem (setting names, never values). */
export function configurationProblem(capability: string, problems: string[]): PlainResponse {
  return problemResponse(
    {
      title: titleFor(503),
      status: 503,
      code: 'configuration_invalid',
      detail: `${capability} is not configured correctly.`,
      problems,
    },
    { 'retry-after': String(CONFIGURATION_RETRY_AFTER_SECONDS) },
  );
}
