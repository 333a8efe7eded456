import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { Directory } from '../directory/directory.js';
import type { SigningKeys } from './keys.js';

/**
 * Test-only token minting with the tenant's current signing key: user-delegated tokens (which the
 * client credentials stand-in cannot issue) and app tokens without the HTTP round trip. Claims
 * follow "Microsoft identity platform access tokens" (claims reference).
 */
export interface UserTokenRequest {
  /** Resource app id (v2) or App ID URI (v1); defaults to the first resource app with v2 tokens. */
  aud?: string;
  scp: string;
  upn?: string;
  preferred_username?: string;
  name?: string;
  oid?: string;
  /** The client app the user signed in to; defaults to a new GUID. */
  clientId?: string;
  version?: 1 | 2;
  lifetimeSeconds?: number;
  /** Seconds to shift iat/nbf/exp (negative: already issued in the past). */
  offsetSeconds?: number;
  extra?: Record<string, unknown>;
}

export interface AppTokenRequest {
  clientId: string;
  /** Resource app id or identifier URI. */
  resource: string;
  version?: 1 | 2;
  acr?: '1' | '2';
  lifetimeSeconds?: number;
  offsetSeconds?: number;
  extra?: Record<string, unknown>;
}

export interface MintContext {
  directory: Directory;
  keys: SigningKeys;
  issuerV2: string;
  issuerV1: string;
}

async function sign(ctx: MintContext, v1: boolean, claims: Record<string, unknown>): Promise<string> {
  const key = ctx.keys.current;
  const privateKey = await importJWK(key.jwk as never, 'RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...(v1 ? { x5t: key.kid } : {}) })
    .sign(privateKey);
}

function times(lifetime: number | undefined, offset: number | undefined) {
  const iat = Math.floor(Date.now() / 1000) + (offset ?? 0);
  return { iat, nbf: iat, exp: iat + (lifetime ?? 3900) };
}

export async function mintUserToken(ctx: MintContext, request: UserTokenRequest): Promise<string> {
  const tid = ctx.directory.tenantId;
  const fallback = ctx.directory.applications().find((a) => a.accessTokenAcceptedVersion === 2);
  const resource = request.aud ? ctx.directory.findResource(request.aud) : fallback;
  const version = request.version ?? (resource?.accessTokenAcceptedVersion === 2 ? 2 : 1);
  const v1 = version === 1;
  const aud = request.aud ?? (v1 ? (resource?.identifierUris[0] ?? resource?.appId) : resource?.appId);
  const oid = request.oid ?? randomUUID();
  const clientId = request.clientId ?? randomUUID();
  const username = request.preferred_username ?? request.upn ?? 'user@contoso.local';
  return sign(ctx, v1, {
    aud,
    iss: v1 ? ctx.issuerV1 : ctx.issuerV2,
    ...times(request.lifetimeSeconds, request.offsetSeconds),
    ...(v1
      ? { appid: clientId, appidacr: '0', upn: request.upn ?? username, unique_name: username }
      : {
          azp: clientId,
          azpacr: '0',
          preferred_username: username,
          ...(request.upn ? { upn: request.upn } : {}),
        }),
    name: request.name ?? 'Local Test User',
    oid,
    scp: request.scp,
    sub: oid,
    tid,
    uti: randomUUID(),
    ver: v1 ? '1.0' : '2.0',
    ...request.extra,
  });
}

export async function mintAppToken(ctx: MintContext, request: AppTokenRequest): Promise<string> {
  const tid = ctx.directory.tenantId;
  const resource = ctx.directory.findResource(request.resource);
  const client = ctx.directory.find(request.clientId);
  const version = request.version ?? (resource?.accessTokenAcceptedVersion === 2 ? 2 : 1);
  const v1 = version === 1;
  const aud = v1 ? (resource?.identifierUris[0] ?? request.resource) : (resource?.appId ?? request.resource);
  const roles = client && resource ? ctx.directory.rolesFor(client.appId, resource.appId) : [];
  const oid = client?.servicePrincipalId ?? randomUUID();
  const acr = request.acr ?? '2';
  return sign(ctx, v1, {
    aud,
    iss: v1 ? ctx.issuerV1 : ctx.issuerV2,
    ...times(request.lifetimeSeconds, request.offsetSeconds),
    ...(v1
      ? { appid: request.clientId, appidacr: acr, idp: ctx.issuerV1 }
      : { azp: request.clientId, azpacr: acr }),
    idtyp: 'app',
    oid,
    ...(roles.length > 0 ? { roles } : {}),
    sub: oid,
    tid,
    uti: randomUUID(),
    ver: v1 ? '1.0' : '2.0',
    ...request.extra,
  });
}
