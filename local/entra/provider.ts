import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync, randomBytes, randomInt, X509Certificate } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import type { Application, Directory } from '../directory/directory.js';
import type { Users } from '../directory/users.js';
import { htmlText } from './html.js';
import type { SigningKeys } from './keys.js';
import type { UserScopes } from './user-flow.js';

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
  /**
   * How the client authenticates in this request, decided by the front from the request shape:
   * `spa` is a single-page application's authorization code flow (a public client, PKCE, no secret).
   */
  method: 'secret' | 'certificate' | 'spa';
  clientId: string | undefined;
  /** The resource as the client named it (for AADSTS500011). */
  requestedResource: string;
  secretCheck?: 'ok' | 'mismatch' | 'outside-window';
  /** The password credential that matched (secret requests), for the credential activity record. */
  keyId?: string;
  /** A user token request's scopes as the client named them (the answer echoes them in full). */
  userScopes?: UserScopes;
}

export const requestState = new AsyncLocalStorage<RequestState>();

export interface TenantProviderOptions {
  directory: Directory;
  users: Users;
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
  if (method === 'spa') {
    // "Single-page application" redirect URIs: a public client, authorization code with PKCE
    // (required), refresh tokens ("Microsoft identity platform and OAuth 2.0 authorization code flow").
    const redirectUris = app.spaRedirectUris ?? [];
    if (redirectUris.length === 0) return undefined;
    return {
      client_id: app.appId,
      client_name: app.displayName,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
      token_endpoint_auth_method: 'none',
    };
  }
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
  /** Set on tokens issued to a signed-in user (authorization code and refresh grants). */
  accountId?: string;
}

/** OpenID Connect scopes Entra accepts beside resource scopes ("Scopes and permissions", OpenID Connect scopes). */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/** What loadExistingGrant reads from oidc-provider's context. */
interface GrantContext {
  oidc: {
    result?: { consent?: { grantId?: string } };
    session: { accountId?: string; grantIdFor(clientId: string): string | undefined };
    client: { clientId: string };
    resourceServers?: Record<string, { scopes: Set<string> }>;
    provider: {
      Grant: (new (init: {
        accountId: string;
        clientId: string;
      }) => {
        addOIDCScope(scope: string): void;
        addResourceScope(indicator: string, scope: string): void;
        rejectResourceScope(indicator: string, scope: string): void;
        save(): Promise<string>;
      }) & { find(id: string): Promise<unknown> };
    };
  };
}

export function createTenantProvider(options: TenantProviderOptions): Provider {
  const { directory, keys, authorityHost } = options;
  const tid = directory.tenantId;
  const issuerV2 = `${authorityHost}/${tid}/v2.0`;

  const users = options.users;
  const adapter = (name: string) => {
    const store = new Map<string, { value: Record<string, unknown>; expires: number }>();
    const MAX = 1000; // bounded: only short-lived artefacts are stored (JWT access tokens are not)
    return {
      async find(id: string) {
        if (name === 'Client') {
          const state = requestState.getStore();
          return clientMetadata(directory, id, state?.method ?? 'spa');
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
      // An authorization code is single-use: a second redemption is refused (and its grant revoked).
      async consume(id: string) {
        const entry = store.get(id);
        if (entry) entry.value.consumed = Math.floor(Date.now() / 1000);
      },
      async findByUid(uid: string) {
        for (const entry of store.values()) if (entry.value.uid === uid) return entry.value;
        return undefined;
      },
      async findByUserCode() {
        return undefined;
      },
      async revokeByGrantId(grantId: string) {
        for (const [id, entry] of store) if (entry.value.grantId === grantId) store.delete(id);
      },
    };
  };

  /**
   * A user's access token as Entra shapes it ("Access token claims reference"): v2.0 carries azp
   * and azpacr (0: a public client), preferred_username, name, oid, tid, scp (space-separated) and
   * no idtyp (an optional claim that would say `user`); v1.0 appid/appidacr, upn and unique_name.
   * `scp` holds the scopes the person consented to on that resource (Entra's token for a resource
   * carries every consented scope), `upn` is the optional claim most APIs add.
   */
  function userClaims(accountId: string, clientId: string, resource: Application) {
    const user = users.find(accountId);
    if (!user) return undefined;
    const v2 = resource.accessTokenAcceptedVersion === 2;
    const scp = users.scopes(clientId, user.id, resource.appId).join(' ');
    return {
      ...(v2
        ? { azp: clientId, azpacr: '0', preferred_username: user.userPrincipalName }
        : { appid: clientId, appidacr: '0', unique_name: user.userPrincipalName }),
      upn: user.userPrincipalName,
      name: user.displayName,
      oid: user.id,
      scp,
      tid,
      ver: v2 ? '2.0' : '1.0',
    };
  }

  const provider = new Provider(issuerV2, {
    adapter: adapter as never,
    jwks: { keys: keys.all().map((k) => k.jwk) } as never,
    // `none`: the public SPA client (its metadata is the only one that names it).
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    // "Microsoft identity platform application authentication certificate credentials": RS256 or PS256.
    enabledJWA: { clientAuthSigningAlgValues: ['RS256', 'PS256'] },
    clockTolerance: 300,
    scopes: [...OIDC_SCOPES],
    responseTypes: ['code', 'none'],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // ID token claims ("ID token claims reference": v2.0 tokens carry oid, tid, ver; name and
    // preferred_username with the profile scope).
    claims: {
      openid: ['sub', 'oid', 'tid', 'ver'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    async findAccount(_ctx: unknown, sub: string) {
      const user = users.find(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        async claims() {
          return {
            sub: user.id,
            oid: user.id,
            tid,
            ver: '2.0',
            name: user.displayName,
            preferred_username: user.userPrincipalName,
            email: user.userPrincipalName,
          };
        },
      };
    },
    // Entra issues a refresh token whenever `offline_access` is asked (OpenID Connect's rule of a
    // prompt=consent, which oidc-provider applies, is not Entra's).
    async issueRefreshToken(_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) {
      const asked = requestState.getStore()?.userScopes?.oidc.includes('offline_access') ?? false;
      return asked && client.grantTypeAllowed('refresh_token');
    },
    // Entra allows cross-origin redemption only from a SPA redirect URI's origin (server.ts checks first).
    clientBasedCORS(
      _ctx: unknown,
      origin: string,
      client: { clientAuthMethod: string; redirectUris: string[] },
    ) {
      return (
        client.clientAuthMethod === 'none' &&
        client.redirectUris.some((uri) => new URL(uri).origin === origin)
      );
    },
    // A plain error page: no script, no inline style, nothing fetched from elsewhere.
    async renderError(ctx: { type: string; body: string }, out: Record<string, string>) {
      ctx.type = 'html';
      const text = Object.entries(out)
        .map(([name, value]) => `${name}: ${htmlText(String(value))}`)
        .join('\n');
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><pre>${text}</pre></body></html>`;
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/${tid}/login/${interaction.uid}`,
    },
    // Consent is not asked on this stand-in: each person's consent is their delegated grant in the
    // directory (Users.grant), so the grant is built from it; a scope not granted is rejected.
    async loadExistingGrant(ctx: GrantContext) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      const accountId = oidc.session.accountId;
      if (!accountId) return undefined;
      const grant = new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
      grant.addOIDCScope(OIDC_SCOPES.join(' '));
      for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
        const resource = directory.find(indicator.slice(RESOURCE_PREFIX.length));
        const granted = resource ? users.scopes(oidc.client.clientId, accountId, resource.appId) : [];
        const exposed = [...server.scopes];
        grant.addResourceScope(indicator, exposed.filter((scope) => granted.includes(scope)).join(' '));
        grant.rejectResourceScope(indicator, exposed.filter((scope) => !granted.includes(scope)).join(' '));
      }
      await grant.save();
      return grant;
    },
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
        // A refresh or code redemption without `resource` gets the token of the resource it was granted for.
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx: unknown, indicator: string) {
          const app = indicator.startsWith(RESOURCE_PREFIX)
            ? directory.find(indicator.slice(RESOURCE_PREFIX.length))
            : undefined;
          if (!app) throw new errors.InvalidTarget('unknown resource');
          const v2 = app.accessTokenAcceptedVersion === 2;
          return {
            // v2 tokens: aud is the resource app's client id; v1: its App ID URI (first identifier URI).
            audience: v2 ? app.appId : (app.identifierUris[0] ?? app.appId),
            // Delegated scopes it exposes; `.default` for the client credentials grant.
            scope: [...(app.oauth2PermissionScopes ?? []), '.default'].join(' '),
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
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? tokenLifetimeSeconds(),
      // "Authorization codes are short lived": about 10 minutes.
      AuthorizationCode: 600,
      IdToken: 3600,
      // Refresh tokens sent to a redirect URI registered as spa expire after 24 hours.
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
    async extraTokenClaims(_ctx: unknown, token: TokenLike) {
      const audience = token.resourceServer?.audience;
      const resource = audience ? directory.findResource(audience) : undefined;
      if (token.accountId)
        return resource ? userClaims(token.accountId, token.clientId ?? '', resource) : undefined;
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
