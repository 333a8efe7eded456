import { randomUUID } from 'node:crypto';

/**
 * Graph's error shape ("Microsoft Graph error responses and resource types"): a JSON object with
 * one `error` property holding `code`, `message` and `innerError` (`date`, `request-id`,
 * `client-request-id`). Codes and messages below are those Graph sends in the same case.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Graph's optional `details` array (`code`, `target`, `message`). */
    readonly details?: Array<Record<string, string>>,
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    details?: Array<Record<string, string>>;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function graphErrorBody(
  error: GraphError,
  requestId: string = randomUUID(),
  clientRequestId: string = requestId,
): GraphErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ''),
        'request-id': requestId,
        'client-request-id': clientRequestId,
      },
    },
  };
}

export const graphErrors = {
  /** "Microsoft Graph authorization errors": 401 for a missing, expired or invalid token. */
  invalidToken: (message: string) => new GraphError(401, 'InvalidAuthenticationToken', message),
  /** Application permission missing ("Microsoft Graph authorization errors", 403). */
  denied: () =>
    new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  notFound: (id: string) =>
    new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  /** Unknown path segment: Graph answers 400, not 404. */
  noSegment: (segment: string) =>
    new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
  badRequest: (message: string) => new GraphError(400, 'Request_BadRequest', message),
  unsupportedQuery: (message: string) => new GraphError(400, 'Request_UnsupportedQuery', message),
  methodNotAllowed: () =>
    new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request uri.'),
  /** "Microsoft Graph throttling guidance": 429 TooManyRequests, usually with Retry-After. */
  throttled: (headers: Record<string, string>) =>
    new GraphError(429, 'TooManyRequests', 'Too many requests.', headers),
  /** "Microsoft Graph error responses": 503 Service Unavailable, maybe with Retry-After. */
  unavailable: (headers: Record<string, string>) =>
    new GraphError(
      503,
      'serviceNotAvailable',
      'The service is temporarily unavailable. Please retry after a delay. (test control: Graph set to unavailable)',
      headers,
    ),
};
