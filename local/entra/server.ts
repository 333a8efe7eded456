import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Provider } from 'oidc-provider';
import type { CredentialActivity } from '../directory/credential-activity.js';
import type { Directory } from '../directory/directory.js';
import type { Users } from '../directory/users.js';
import { BodyTooLargeError, readBody } from '../http-body.js';
import type { ServerCertificate } from '../tls/ca.js';
import { type AadstsError, aadsts, entraErrorBody } from './aadsts.js';
import type { Counters } from './counters.js';
import type { SigningKeys } from './keys.js';
import { createTenantProvider, RESOURCE_PREFIX, type RequestState, requestState } from './provider.js';
import {
  asIndicator,
  entraUserTokenBody,
  loginInteraction,
  type UserScopes,
  userScopes,
} from './user-flow.js';

/**
 * The HTTPS front of the Entra stand-in. It maps Entra's tenant paths to the tenant's
 * oidc-provider, turns `scope={resource}/.default` (v2) or `resource=` (v1) into an RFC 8707
 * resource indicator, reshapes errors as Entra sends them (AADSTS codes) and carries the test
 * controls. The OAuth work itself is oidc-provider's.
 */
export type EndpointMode = 'ok' | 'fail' | 'hang';
/** The token endpoints also have `throttle`: 429 with `Retry-After`, as Entra throttles a client. */
export type TokenMode = EndpointMode | 'throttle';

export interface ThrottleOptions {
  /** The `Retry-After` the throttled answers carry, in whole seconds (default 60, as Entra sends). */
  retryAfterSeconds?: number;
}

/** Entra's Retry-After for a throttled client_credentials request ("MSAL.NET client and server throttling"). */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

export interface EntraServerOptions {
  directory: Directory;
  /** People who sign in to single-page applications (the dashboard), with their consents. */
  users: Users;
  keys: SigningKeys;
  certificate: ServerCertificate;
  counters: Counters;
  /** Where each successful client-credentials request records the credential (keyId) it used. */
  activity?: CredentialActivity;
  /** `sts`: v1 tokens carry https://sts.windows.net/{tid}/ (as Entra); `local`: this host. */
  v1Issuer?: 'sts' | 'local';
  port?: number;
  /** Test-control routes under `/_test` (loopback only). */
  admin?: (req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) => Promise<void>;
}

export interface RunningEntra {
  authorityHost: string;
  issuerV2: string;
  issuerV1: string;
  modes: { jwks: EndpointMode; token: TokenMode; retryAfterSeconds: number };
  setMode(endpoint: 'jwks', mode: EndpointMode): void;
  setMode(endpoint: 'token', mode: TokenMode, options?: ThrottleOptions): void;
  /** Rebuilds the provider after a signing-key change so the JWKS and signer follow. */
  reloadKeys(): void;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** "Refresh tokens sent to a redirect URI registered as spa expire after 24 hours." */
const SPA_REFRESH_SECONDS = 24 * 3600;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function clientIdOf(params: URLSearchParams, req: IncomingMessage): string | undefined {
  const fromParam = params.get('client_id');
  if (fromParam) return fromParam;
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) return decodeURIComponent(decoded.slice(0, i));
  }
  const assertion = params.get('client_assertion');
  if (assertion) {
    try {
      const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8'));
      if (typeof payload?.sub === 'string') return payload.sub;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function assertionThumbprint(assertion: string | null): string {
  try {
    const header = JSON.parse(
      Buffer.from((assertion ?? '').split('.')[0] ?? '', 'base64url').toString('utf8'),
    );
    const x5t = header?.['x5t#S256'] ?? header?.x5t;
    return typeof x5t === 'string' ? Buffer.from(x5t, 'base64url').toString('hex').toUpperCase() : '(none)';
  } catch {
    return '(unreadable)';
  }
}

/**
 * The registered certificate an accepted assertion was signed with: the one its `x5t#S256` or
 * `x5t` header names, or the app's only active certificate (oidc-provider verified the signature
 * against the active ones).
 */
function certificateKeyId(
  directory: Directory,
  clientId: string,
  assertion: string | null,
): string | undefined {
  const active = directory.activeKeys(clientId);
  try {
    const header = JSON.parse(
      Buffer.from((assertion ?? '').split('.')[0] ?? '', 'base64url').toString('utf8'),
    );
    const named = active.find((k) => k.x5tS256 === header?.['x5t#S256'] || k.x5t === header?.x5t);
    if (named) return named.keyId;
  } catch {
    // fall through to the single-certificate case
  }
  return active.length === 1 ? active[0]?.keyId : undefined;
}

function isLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

export async function startEntra(options: EntraServerOptions): Promise<RunningEntra> {
  const { directory, keys, counters } = options;
  const tid = directory.tenantId;
  const grantErrors = new WeakMap<object, unknown>();
  const hanging = new Set<ServerResponse>();
  const modes: RunningEntra['modes'] = {
    jwks: 'ok',
    token: 'ok',
    retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
  };
  let authorityHost = '';
  let issuerV1 = '';
  let provider: Provider;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;

  /** Maps oidc-provider's token endpoint errors to the AADSTS error Entra gives in the same case. */
  function toAadsts(
    error: unknown,
    state: RequestState | undefined,
    oauthError: string,
    assertion: string | null,
  ) {
    const e = (error ?? {}) as {
      error_detail?: string;
      error_description?: string;
      cause?: { name?: string; message?: string; code?: string };
    };
    const clientId = state?.clientId ?? '';
    if (e.error_detail === 'client not found') return aadsts.unknownClient(clientId, tid);
    if (oauthError === 'invalid_target') return aadsts.unknownResource(state?.requestedResource ?? '', tid);
    if (oauthError === 'invalid_client' && state?.method === 'secret') {
      return state.secretCheck === 'outside-window'
        ? aadsts.expiredSecret(clientId)
        : aadsts.invalidSecret(clientId);
    }
    if (oauthError === 'invalid_client' && state?.method === 'certificate') {
      const cause = e.cause?.message ?? '';
      if (/expired|not active yet|issued in the future/.test(cause)) return aadsts.assertionTimeRange(cause);
      if (
        e.cause?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ||
        e.cause?.code === 'ERR_JWKS_NO_MATCHING_KEY'
      )
        return aadsts.certificateNotRegistered(clientId, assertionThumbprint(assertion));
      return aadsts.invalidAssertion(e.error_detail ?? cause);
    }
    return {
      ...aadsts.badRequest(e.error_description ?? oauthError),
      error: oauthError,
    } satisfies AadstsError;
  }

  /**
   * Entra logs every sign-in with the credential that authenticated it; the "application
   * credential activity" report (Graph beta appCredentialSignInActivity) is built from those
   * logs. The request id is sent as `x-ms-request-id`, as Entra's token responses carry one.
   */
  function recordCredentialUse(
    state: RequestState | undefined,
    assertion: string | null,
    ctx: { set(name: string, value: string): void },
  ): void {
    const clientId = state?.clientId;
    if (!options.activity || !clientId || state.method === 'spa') return;
    const keyId = state.method === 'secret' ? state.keyId : certificateKeyId(directory, clientId, assertion);
    if (!keyId) return;
    const requestId = randomUUID();
    ctx.set('x-ms-request-id', requestId);
    options.activity.record({
      appId: clientId,
      keyId,
      keyType: state.method === 'secret' ? 'clientSecret' : 'certificate',
      resourceAppId: directory.findResource(state.requestedResource)?.appId ?? '',
      lastSignInDateTime: new Date(directory.clock()).toISOString(),
      lastSignInRequestId: requestId,
    });
  }

  function buildProvider(): void {
    provider = createTenantProvider({
      directory,
      users: options.users,
      keys,
      authorityHost,
      v1Issuer: issuerV1,
      onGrantError: (ctx, error) => grantErrors.set(ctx as object, error),
    });
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.oidc?.route !== 'token') return;
      const state = requestState.getStore();
      const body = ctx.body as Record<string, unknown> | undefined;
      const assertion =
        (ctx as unknown as { oidc: { params?: { client_assertion?: string } } }).oidc.params
          ?.client_assertion ?? null;
      if (body && typeof body.error === 'string') {
        const mapped = toAadsts(grantErrors.get(ctx), state, body.error, assertion);
        counters.recordToken(state?.clientId, mapped.error);
        if (state?.method === 'certificate' && mapped.error === 'invalid_client')
          counters.recordFailedAssertion(state.clientId);
        ctx.status = mapped.status;
        ctx.body = entraErrorBody(mapped, authorityHost);
        return;
      }
      counters.recordToken(state?.clientId, 'success');
      recordCredentialUse(state, assertion, ctx);
      if (body && state?.userScopes) {
        ctx.body = entraUserTokenBody(body, state.userScopes, SPA_REFRESH_SECONDS);
        return;
      }
      if (body && typeof body.expires_in === 'number') {
        // Entra's response: token_type, expires_in, ext_expires_in, access_token (no scope echo).
        const { access_token, expires_in, token_type } = body;
        ctx.body = { token_type, expires_in, ext_expires_in: expires_in, access_token };
      }
    });
    handle = provider.callback();
  }

  function entraError(
    res: ServerResponse,
    e: AadstsError,
    clientId?: string,
    headers: Record<string, string> = {},
  ) {
    counters.recordToken(clientId, e.error);
    sendJson(res, e.status, entraErrorBody(e, authorityHost), headers);
  }

  function hang(res: ServerResponse) {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  }

  async function token(req: IncomingMessage, res: ServerResponse, v1: boolean) {
    if (modes.token === 'hang') return hang(res);
    const params = new URLSearchParams((await readBody(req, MAX_BODY)).toString('utf8'));
    const clientId = clientIdOf(params, req);
    if (modes.token === 'fail') return entraError(res, aadsts.serviceUnavailable(), clientId);
    if (modes.token === 'throttle')
      return entraError(res, aadsts.throttled(), clientId, {
        'retry-after': String(modes.retryAfterSeconds),
      });
    const grant = params.get('grant_type') ?? '';
    if (!v1 && (grant === 'authorization_code' || grant === 'refresh_token'))
      return userToken(req, res, params, clientId);
    if (grant !== 'client_credentials') return entraError(res, aadsts.unsupportedGrant(grant), clientId);
    let resource: string;
    if (v1) {
      // v1 endpoint: `resource` names the API ("Service to service calls using client credentials", v1.0).
      const named = params.get('resource');
      if (!named) return entraError(res, aadsts.missingResource(), clientId);
      resource = named;
    } else {
      // v2 endpoint: exactly one `{resource}/.default` scope ("OAuth 2.0 client credentials flow", scope).
      const scope = params.get('scope')?.trim();
      if (!scope) return entraError(res, aadsts.missingScope(), clientId);
      const scopes = scope.split(/\s+/);
      const only = scopes[0] ?? '';
      if (scopes.length !== 1 || !only.endsWith('/.default'))
        return entraError(res, aadsts.scopeNotDefault(scope), clientId);
      resource = only.slice(0, -'/.default'.length);
    }
    const app = directory.findResource(resource);
    params.delete('scope');
    params.set('resource', `${RESOURCE_PREFIX}${app?.appId ?? 'unknown'}`);
    const state: RequestState = {
      method: params.has('client_assertion') ? 'certificate' : 'secret',
      clientId,
      requestedResource: resource,
    };
    // oidc-provider reads an already-parsed body from req.body.
    (req as IncomingMessage & { body?: unknown }).body = Object.fromEntries(params);
    req.url = `/${tid}/oauth2/v2.0/token`;
    requestState.run(state, () => handle(req, res));
  }

  /** The origin of a request from a page whose URL is a SPA redirect URI of the client (Entra's CORS rule). */
  function spaOrigin(req: IncomingMessage, clientId: string | undefined): string | undefined {
    const origin = req.headers.origin;
    const uris = clientId ? (directory.find(clientId)?.spaRedirectUris ?? []) : [];
    return origin && uris.some((uri) => new URL(uri).origin === origin) ? origin : undefined;
  }

  /**
   * Authorization code redemption and refresh for a single-page application: the public client's
   * PKCE verifier instead of a secret, Entra's full scope names turned into a resource indicator
   * ("Microsoft identity platform and OAuth 2.0 authorization code flow", redeem a code; refresh).
   * Cross-origin redemption is allowed only from a SPA redirect URI's origin.
   */
  function userToken(req: IncomingMessage, res: ServerResponse, params: URLSearchParams, clientId?: string) {
    const origin = spaOrigin(req, clientId);
    const cors: Record<string, string> = origin
      ? { 'access-control-allow-origin': origin, vary: 'Origin' }
      : {};
    const scopes = userScopes(directory, params.get('scope') ?? '', tid);
    if ('code' in scopes) return entraError(res, scopes, clientId, cors);
    const state: RequestState = {
      method: 'spa',
      clientId,
      requestedResource: scopes.resource?.appId ?? '',
      userScopes: scopes,
    };
    const rewritten = asIndicator(params, scopes);
    // A refresh keeps what was granted: oidc-provider narrows to a requested scope only within it.
    if (params.get('grant_type') === 'refresh_token') rewritten.delete('scope');
    (req as IncomingMessage & { body?: unknown }).body = Object.fromEntries(rewritten);
    req.url = `/${tid}/oauth2/v2.0/token`;
    requestState.run(state, () => handle(req, res));
  }

  function spaState(clientId: string | undefined, scopes?: UserScopes): RequestState {
    return {
      method: 'spa',
      clientId,
      requestedResource: scopes?.resource?.appId ?? '',
      ...(scopes ? { userScopes: scopes } : {}),
    };
  }

  /** The authorization endpoint (v2), its resume step after the login page, and the login page. */
  async function userRoutes(req: IncomingMessage, res: ServerResponse, url: URL, rest: string) {
    const clientId = url.searchParams.get('client_id') ?? undefined;
    if (rest === '/oauth2/v2.0/authorize') {
      const scopes = userScopes(directory, url.searchParams.get('scope') ?? '', tid);
      if ('code' in scopes) return sendJson(res, scopes.status, entraErrorBody(scopes, authorityHost));
      req.url = `/${tid}/oauth2/v2.0/authorize?${asIndicator(url.searchParams, scopes)}`;
      return requestState.run(spaState(clientId, scopes), () => handle(req, res));
    }
    if (rest.startsWith('/oauth2/v2.0/authorize/'))
      return requestState.run(spaState(clientId), () => handle(req, res));
    const uid = rest.slice('/login/'.length);
    return requestState.run(spaState(clientId), () =>
      loginInteraction(provider, directory, options.users, req, res, uid),
    );
  }

  /**
   * Sign-out ("Send a sign-out request"): the session ends and the browser goes back to
   * `post_logout_redirect_uri` when it is a redirect URI of a registered application.
   */
  function logout(res: ServerResponse, url: URL) {
    const target = url.searchParams.get('post_logout_redirect_uri') ?? '';
    const known = directory.applications().some((app) => (app.spaRedirectUris ?? []).includes(target));
    const expired = ['_session', '_session.sig', '_session.legacy', '_session.legacy.sig'].map(
      (name) => `${name}=; Path=/; Max-Age=0; Secure; HttpOnly`,
    );
    if (known) {
      res.writeHead(302, { location: target, 'set-cookie': expired, 'cache-control': 'no-store' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'set-cookie': expired });
    res.end('You signed out of your account.');
  }

  function v1Discovery(res: ServerResponse) {
    // "OpenID Connect on the Microsoft identity platform": v1 metadata at /{tenant}/.well-known/openid-configuration.
    sendJson(res, 200, {
      token_endpoint: `${authorityHost}/${tid}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${authorityHost}/${tid}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
      scopes_supported: ['openid'],
      issuer: issuerV1,
      authorization_endpoint: `${authorityHost}/${tid}/oauth2/authorize`,
      tenant_region_scope: null,
      cloud_instance_name: 'local.test',
    });
  }

  const server: Server = createServer(
    { cert: options.certificate.certPem, key: options.certificate.keyPem },
    async (req, res) => {
      try {
        const url = new URL(req.url ?? '/', 'https://localhost');
        const path = url.pathname.replace(/\/+$/, '');
        const method = req.method ?? 'GET';
        if (path.startsWith('/_test')) {
          if (!isLoopback(req))
            return sendJson(res, 403, {
              error: 'forbidden',
              error_description: 'Test controls answer loopback callers only.',
            });
          if (!options.admin) return sendJson(res, 404, { error: 'not_found' });
          return await options.admin(req, res, path.slice('/_test'.length), await readBody(req, MAX_BODY));
        }
        const segments = path.split('/').filter(Boolean);
        const tenant = segments[0];
        if (tenant && tenant.toLowerCase() !== tid.toLowerCase() && segments.length > 1) {
          return sendJson(
            res,
            400,
            entraErrorBody(
              { status: 400, error: 'invalid_tenant', code: 90002, message: `Tenant '${tenant}' not found.` },
              authorityHost,
            ),
          );
        }
        const rest = `/${segments.slice(1).join('/')}`;
        if (method === 'OPTIONS' && rest === '/oauth2/v2.0/token') {
          // The CORS preflight of a SPA's code redemption (oidc-provider answers it).
          req.url = `/${tid}/oauth2/v2.0/token`;
          return handle(req, res);
        }
        if (method === 'POST' && rest === '/oauth2/v2.0/token') return await token(req, res, false);
        if (
          (method === 'GET' &&
            (rest === '/oauth2/v2.0/authorize' || rest.startsWith('/oauth2/v2.0/authorize/'))) ||
          ((method === 'GET' || method === 'POST') && /^\/login\/[A-Za-z0-9_-]{1,64}$/.test(rest))
        )
          return await userRoutes(req, res, url, rest);
        if (method === 'GET' && rest === '/oauth2/v2.0/logout') return logout(res, url);
        if (method === 'POST' && rest === '/oauth2/token') return await token(req, res, true);
        if (method === 'GET' && (rest === '/discovery/v2.0/keys' || rest === '/discovery/keys')) {
          counters.recordJwks();
          if (modes.jwks === 'hang') return hang(res);
          if (modes.jwks === 'fail')
            return sendJson(res, 500, {
              error: 'server_error',
              error_description: 'test control: JWKS set to fail',
            });
          req.url = `/${tid}/discovery/v2.0/keys`;
          return handle(req, res);
        }
        if (method === 'GET' && rest === '/v2.0/.well-known/openid-configuration') {
          req.url = '/.well-known/openid-configuration';
          return handle(req, res);
        }
        if (method === 'GET' && rest === '/.well-known/openid-configuration') return v1Discovery(res);
        sendJson(res, 404, { error: 'not_found', error_description: `No endpoint at ${path}.` });
      } catch (error) {
        if (error instanceof BodyTooLargeError)
          return sendJson(res, 413, { error: 'invalid_request', error_description: error.message });
        if (!res.headersSent)
          sendJson(res, 500, { error: 'server_error', error_description: (error as Error).message });
        else res.end();
      }
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  authorityHost = `https://127.0.0.1:${port}`;
  issuerV1 = options.v1Issuer === 'local' ? `${authorityHost}/${tid}/` : `https://sts.windows.net/${tid}/`;
  buildProvider();

  const releaseHanging = () => {
    for (const res of hanging) res.destroy();
    hanging.clear();
  };

  return {
    authorityHost,
    issuerV2: `${authorityHost}/${tid}/v2.0`,
    issuerV1,
    modes,
    setMode(endpoint: 'jwks' | 'token', mode: TokenMode, options: ThrottleOptions = {}) {
      if (endpoint === 'jwks') {
        if (mode === 'throttle') throw new Error("The JWKS endpoint has no 'throttle' mode");
        modes.jwks = mode;
      } else {
        const seconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
        if (!Number.isInteger(seconds) || seconds < 1)
          throw new Error('retryAfterSeconds must be a whole number of seconds, at least 1');
        modes.token = mode;
        modes.retryAfterSeconds = seconds;
      }
      if (mode !== 'hang') releaseHanging();
    },
    reloadKeys: buildProvider,
    async close() {
      releaseHanging();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
