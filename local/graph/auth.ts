import { createLocalJWKSet, errors, type JWK, jwtVerify } from 'jose';
import { GRAPH_APP_ID } from '../directory/seed.js';
import { graphErrors } from './errors.js';

/**
 * Bearer tokens for Microsoft Graph: tokens from the Entra stand-in for the resource
 * `https://graph.microsoft.com` (v1 tokens: `aud` is the App ID URI, the client is `appid`),
 * verified for real (RS256 against the tenant's published keys, issuer, lifetime). Application
 * permissions are the token's `roles` ("Microsoft Graph permissions reference": application
 * permissions arrive in the roles claim). Failures are Graph's 401 InvalidAuthenticationToken
 * ("Microsoft Graph authorization errors"); the token itself never appears in an answer.
 */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';

export interface GraphCaller {
  appId: string;
  /** The caller's service principal (token `oid`). */
  servicePrincipalId: string;
  roles: string[];
}

export interface TokenCheck {
  issuers: string[];
  publishedKeys: () => JWK[];
}

export async function authenticate(header: string | undefined, check: TokenCheck): Promise<GraphCaller> {
  if (!header?.toLowerCase().startsWith('bearer ') || header.slice(7).trim() === '')
    throw graphErrors.invalidToken('Access token is empty.');
  try {
    const { payload } = await jwtVerify(
      header.slice(7).trim(),
      createLocalJWKSet({ keys: check.publishedKeys() }),
      {
        algorithms: ['RS256'],
        audience: [GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID],
        issuer: check.issuers,
        clockTolerance: 300,
      },
    );
    const appId = typeof payload.appid === 'string' ? payload.appid : payload.azp;
    return {
      appId: typeof appId === 'string' ? appId : '',
      servicePrincipalId: typeof payload.oid === 'string' ? payload.oid : '',
      roles: Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is string => typeof r === 'string')
        : [],
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired)
      throw graphErrors.invalidToken('Lifetime validation failed, the token is expired.');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud')
      throw graphErrors.invalidToken('Access token validation failure. Invalid audience.');
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss')
      throw graphErrors.invalidToken('Access token validation failure. Invalid issuer.');
    throw graphErrors.invalidToken('Access token validation failure.');
  }
}

/**
 * Application permissions each read accepts (the "Permissions" table of each reference page;
 * least privileged first).
 */
export const PERMISSIONS = {
  // "Get application", "List owners", "application: delta", "servicePrincipal: List ownedObjects".
  applicationRead: [
    'Application.Read.All',
    'Application.ReadWrite.OwnedBy',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  // "List appCredentialSignInActivities" (beta): AuditLog.Read.All, or Directory.Read.All.
  credentialActivity: ['AuditLog.Read.All', 'Directory.Read.All'],
} as const;

export function requireAny(caller: GraphCaller, permissions: readonly string[]): void {
  if (!caller.roles.some((role) => permissions.includes(role))) throw graphErrors.denied();
}
