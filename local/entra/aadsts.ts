import { randomUUID } from 'node:crypto';

/**
 * Token endpoint errors shaped as Entra sends them ("Microsoft identity platform and the OAuth 2.0
 * client credentials flow", error response; "Microsoft Entra authentication and authorization
 * error codes"): RFC 6749 §5.2 `error` + `error_description` starting with `AADSTSnnnn:`, plus
 * `error_codes`, `timestamp`, `trace_id`, `correlation_id` and `error_uri`.
 */
export interface AadstsError {
  status: number;
  error: string;
  code: number;
  message: string;
}

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export function entraErrorBody(
  e: AadstsError,
  authorityHost: string,
  correlationId?: string,
): EntraErrorBody {
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  return {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.message} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `${authorityHost}/error?code=${e.code}`,
  };
}

export const aadsts = {
  unknownClient: (clientId: string, tenantId: string): AadstsError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    message: `Application with identifier '${clientId}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  invalidSecret: (clientId: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
  }),
  expiredSecret: (clientId: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000222,
    message: `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app.`,
  }),
  certificateNotRegistered: (clientId: string, thumbprint: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 700027,
    message: `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`,
  }),
  assertionTimeRange: (detail: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 700024,
    message: `Client assertion is not within its valid time range. ${detail}`,
  }),
  invalidAssertion: (detail: string): AadstsError => ({
    status: 401,
    error: 'invalid_client',
    code: 50027,
    message: `JWT token is invalid or malformed. ${detail}`,
  }),
  unknownResource: (resource: string, tenantId: string): AadstsError => ({
    status: 400,
    error: 'invalid_resource',
    code: 500011,
    message: `The resource principal named ${resource} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  }),
  missingScope: (): AadstsError => ({
    status: 400,
    error: 'invalid_scope',
    code: 900144,
    message: "The request body must contain the following parameter: 'scope'.",
  }),
  scopeNotDefault: (scope: string): AadstsError => ({
    status: 400,
    error: 'invalid_scope',
    code: 1002012,
    message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  }),
  missingResource: (): AadstsError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message: "The request body must contain the following parameter: 'resource'.",
  }),
  unsupportedGrant: (grant: string): AadstsError => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    message: `The app requested an unsupported grant type '${grant}'.`,
  }),
  invalidScope: (scope: string): AadstsError => ({
    status: 400,
    error: 'invalid_scope',
    code: 70011,
    message: `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  }),
  crossOriginRedemption: (): AadstsError => ({
    status: 400,
    error: 'invalid_request',
    code: 9002326,
    message: "Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.",
  }),
  severalResources: (): AadstsError => ({
    status: 400,
    error: 'invalid_request',
    code: 28000,
    message:
      'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope names are not valid.',
  }),
  badRequest: (detail: string): AadstsError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message: detail,
  }),
  serviceUnavailable: (): AadstsError => ({
    status: 500,
    error: 'temporarily_unavailable',
    code: 90033,
    message: 'A transient error has occurred. Please try again. (test control: token endpoint set to fail)',
  }),
  /**
   * Entra throttling a client: for the client_credentials grant it answers HTTP 429 with
   * `Retry-After` ("MSAL.NET client and server throttling", server throttling). The code and text
   * are those of AADSTS50196 ("Troubleshooting confidential client applications", throttling (HTTP 429
   * and AADSTS50196); "Microsoft Entra authentication and authorization error codes", LoopDetected);
   * `error` is RFC 6749's `temporarily_unavailable`, which the error-code reference lists for an IdP
   * too busy to handle the request. The product must rely on the status and header only.
   */
  throttled: (): AadstsError => ({
    status: 429,
    error: 'temporarily_unavailable',
    code: 50196,
    message:
      'The server terminated an operation because it encountered a client request loop. Please contact your app vendor. (test control: token endpoint set to throttle)',
  }),
};
