import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync, randomInt, X509Certificate } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import type { Directory } from '../directory/directory.js';
import type { SigningKeys } from './keys.js';

/**
 * An oidc-provider instance for one tenant, configured to behave like Entra's token endpoint for
 * the client credentials grant ("Microsoft identity platform and the OAuth 2.0 client credentials
 * flow"). oidc-provider does the OAuth work (client authentication, assertion verification, JWT
 * access tokens); the configuration below shapes it as Entra:
 * - clients come from the directory, authenticated by a secret or by a certificate registered on
 *   the app (both allowed on the same app, as Entra does);
 * - `resource` (mapped by the front from `scope={resource}/.default`) selects the resource app,
 *   whose `accessTokenAcceptedVersion` picks the v1 or v2 token shape;
 * - tokens carry Entra's claims ("Microsoft identity platform access tokens", claims reference).
 */
export interface RequestState {
  /** How the client authenticates in this request, decided by the front from the request shape. */
  method: 'secret' | 'certificate';
  clientId: string | undefined;
  /** The resource as the client named it (for AADSTS500011). */
  requestedResource: string;
  secretCheck?: 'ok' | 'mismatch' | 'outside-window';
  /** The password credential that matched (secret requests), for the credential activity record. */
  keyId?: string;
}

export const requestState = new AsyncLocalStorage<RequestState>();

export interface TenantProviderOptions {
  directory: Directory;
  keys: SigningKeys;
  authorityHost: string;
  v1Issuer: string;
  /** Called for each failed token request with the error oidc-provider raised. */
  onGrantError: (ctx: unknown, error: unknown) => void;
}

export const RESOURCE_PREFIX = 'urn:local-entra:app:';
/** Entra's default access token lifetime: a random value between 60 and 90 minutes. */
export const tokenLifetimeSeconds = () => randomInt(3600, 5400);

// A key no assertion can match, for apps with no valid certificate (oidc-provider needs one).
let unusable: Record<string, unknown> | undefined;
function unusableKey(): Record<string, unknown> {
  unusable ??= {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
    kid: 'no-registered-certificate',
  };
  return unusable;
}

/** The client metadata oidc-provider sees for an app, per request (see `RequestState.method`). */
function clientMetadata(directory: Directory, appId: string, method: RequestState['method']) {
  const app = directory.find(appId);
  if (!app) return undefined;
  const base = {
    client_id: app.appId,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  };
  if (method === 'secret') {
    // The secret itself is checked against the directory's hashes (compareClientSecret below).
    return {
      ...base,
      token_endpoint_auth_method: 'client_secret_post',
      client_secret: 'hashed-in-directory',
    };
  }
  const keys = directory.activeKeys(appId).map((k) => {
    const der = new X509Certificate(k.certificatePem);
    return { ...der.publicKey.export({ format: 'jwk' }), x5c: [der.raw.toString('base64')], use: 'sig' };
  });
  return {
    ...base,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: keys.length > 0 ? keys : [unusableKey()] },
  };
}

interface TokenLike {
  resourceServer?: { audience?: string };
  clientId?: string;
}

export function createTenantProvider(options: TenantProviderOptions): Provider {
  const { directory, keys, authorityHost } = options;
  const tid = directory.tenantId;
  const issuerV2 = `${authorityHost}/${tid}/v2.0`;

  const adapter = (name: string) => {
    const store = new Map<string, { value: Record<string, unknown>; expires: number }>();
    const MAX = 1000; // bounded: only short-lived artefacts are stored (JWT access tokens are not)
    return {
      async find(id: string) {
        if (name === 'Client') {
          const state = requestState.getStore();
          return clientMetadata(directory, id, state?.method ?? 'secret');
        }
        // Entra accepts the same client assertion until it expires (msal-node reuses it for up to
        // 10 minutes), so there is no replay store for assertions.
        if (name === 'ReplayDetection') return undefined;
        const entry = store.get(id);
        if (!entry || entry.expires < Date.now()) return undefined;
        return entry.value;
      },
      async upsert(id: string, value: Record<string, unknown>, expiresIn: number) {
        if (name === 'ReplayDetection') return;
        if (store.size >= MAX) store.delete(store.keys().next().value as string);
        store.set(id, { value, expires: Date.now() + expiresIn * 1000 });
      },
      async destroy(id: string) {
        store.delete(id);
      },
      async consume() {},
      async findByUid() {
        return undefined;
      },
      async findByUserCode() {
        return undefined;
      },
      async revokeByGrantId() {},
    };
  };

  const provider = new Provider(issuerV2, {
    adapter: adapter as never,
    jwks: { keys: keys.all().map((k) => k.jwk) } as never,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    // "Microsoft identity platform application authentication certificate credentials": RS256 or PS256.
    enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'PS256'] },
    clockTolerance: 300,
    scopes: [],
    responseTypes: ['none'],
    routes: {
      authorization: `/${tid}/oauth2/v2.0/authorize`,
      token: `/${tid}/oauth2/v2.0/token`,
      jwks: `/${tid}/discovery/v2.0/keys`,
      end_session: `/${tid}/oauth2/v2.0/logout`,
      userinfo: `/${tid}/openid/userinfo`,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        async getResourceServerInfo(_ctx: unknown, indicator: string) {
          const app = indicator.startsWith(RESOURCE_PREFIX)
            ? directory.find(indicator.slice(RESOURCE_PREFIX.length))
            : undefined;
          if (!app) throw new errors.InvalidTarget('unknown resource');
          const v2 = app.accessTokenAcceptedVersion === 2;
          return {
            // v2 tokens: aud is the resource app's client id; v1: its App ID URI (first identifier URI).
            audience: v2 ? app.appId : (app.identifierUris[0] ?? app.appId),
            scope: '.default',
            accessTokenFormat: 'jwt',
            accessTokenTTL: tokenLifetimeSeconds(),
            jwt: { sign: { alg: 'RS256', kid: keys.current.kid } },
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? tokenLifetimeSeconds(),
    },
    async extraTokenClaims(_ctx: unknown, token: TokenLike) {
      const audience = token.resourceServer?.audience;
      const resource = audience ? directory.findResource(audience) : undefined;
      const client = token.clientId ? directory.find(token.clientId) : undefined;
      if (!resource || !client) return undefined;
      const v2 = resource.accessTokenAcceptedVersion === 2;
      // azpacr/appidacr: 1 = client secret, 2 = certificate ("Microsoft identity platform access tokens").
      const acr = requestState.getStore()?.method === 'certificate' ? '2' : '1';
      const roles = directory.rolesFor(client.appId, resource.appId);
      return {
        ...(v2
          ? { azp: client.appId, azpacr: acr }
          : { appid: client.appId, appidacr: acr, idp: options.v1Issuer }),
        idtyp: 'app',
        oid: client.servicePrincipalId,
        ...(roles.length > 0 ? { roles } : {}),
        tid,
        ver: v2 ? '2.0' : '1.0',
      };
    },
    formats: {
      customizers: {
        // Entra access tokens: `typ: JWT` (not at+jwt), v1 headers also carry `x5t`; no
        // client_id/scope/jti claims but `uti`; `nbf` = `iat`; v1 issuer is sts.windows.net.
        async jwt(
          _ctx: unknown,
          _token: unknown,
          jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> },
        ) {
          const { client_id: _clientId, scope: _scope, jti, ...payload } = jwt.payload;
          const v1 = payload.ver === '1.0';
          jwt.header = { typ: 'JWT', ...(v1 ? { x5t: keys.current.kid } : {}) };
          jwt.payload = {
            ...payload,
            iss: v1 ? options.v1Issuer : issuerV2,
            nbf: payload.iat,
            sub: payload.oid ?? payload.sub,
            uti: jti,
          };
        },
      },
    },
  } as never);

  // Secrets are compared with the directory's hashes; the outcome is remembered for the error shape.
  const clientPrototype = (provider.Client as unknown as { prototype: Record<string, unknown> }).prototype;
  clientPrototype.compareClientSecret = async function compare(this: { clientId: string }, actual: string) {
    const match = directory.matchSecret(this.clientId, actual);
    const state = requestState.getStore();
    if (state) {
      state.secretCheck = match.result;
      if (match.keyId) state.keyId = match.keyId;
    }
    return match.result === 'ok';
  };

  // Assertions name the token endpoint they are sent to as `aud`, v1 or v2 ("Microsoft identity
  // platform application authentication certificate credentials"); the v1 endpoint is served by
  // the same provider, so its URL is an accepted audience too.
  const contextPrototype = (provider as unknown as { OIDCContext: { prototype: Record<string, unknown> } })
    .OIDCContext.prototype;
  const expectedAudience = contextPrototype.clientJwtAuthExpectedAudience as (this: unknown) => Set<string>;
  contextPrototype.clientJwtAuthExpectedAudience = function audiences(this: unknown) {
    return expectedAudience.call(this).add(`${authorityHost}/${tid}/oauth2/token`);
  };

  provider.on('grant.error', (ctx: unknown, error: unknown) => options.onGrantError(ctx, error));
  provider.on('server_error', (ctx: unknown, error: unknown) => options.onGrantError(ctx, error));
  return provider;
}
