import type { Logger } from '../platform/log.js';
import type { CertificateCache, LoadedCertificate } from './certificate-cache.js';
import { type ClientConfig, DEFAULT_CLIENT, type TokenConfig } from './config.js';
import { TokenError } from './errors.js';
import { recordIdpRequest, recordRotationRetry } from './metrics.js';
import { ROTATION_CODES, type TokenClient, type TokenClientFactory, type TokenResult } from './msal.js';
import type { CertificateSource } from './sources.js';

/**
 * Token acquisition for gateways, around msal-node: what MSAL lacks is added here.
 * - single-flight per (client, scope): N concurrent misses make one IdP request;
 * - proactive refresh in the background before MSAL would refresh in-request;
 * - certificate rotation pickup: a rejected assertion reloads the certificate and retries once;
 * - outage tolerance: a still-valid token is served when the IdP or Key Vault is down.
 */
export type CredentialProvider =
  | { kind: 'certificate'; source: CertificateSource }
  | { kind: 'assertion'; label: string; getAssertion: () => Promise<string> };

export interface AcquirerOptions {
  config: TokenConfig;
  certificates: CertificateCache;
  /** The credential providers of a client, in configuration order (tried until one loads). */
  credentialsOf: (client: ClientConfig) => CredentialProvider[];
  createClient: TokenClientFactory;
  clock: () => number;
  logger?: Logger;
}

export type CacheOutcome = 'hit' | 'miss' | 'coalesced' | 'stale';

export interface AcquiredToken {
  accessToken: string;
  expiresOn: Date;
  client: string;
  scope: string;
  cache: CacheOutcome;
  correlationId: string;
}

/** MSAL treats a token as expired 300 s before `exp` (msal-common DEFAULT_TOKEN_RENEWAL_OFFSET_SEC). */
const MSAL_RENEWAL_OFFSET_MS = 300_000;
/** We refresh this long before MSAL's own refresh point, so no caller waits on the IdP. */
const REFRESH_LEAD_MS = 120_000;
/** After a failed background refresh, wait this long before the next attempt. */
const REFRESH_BACKOFF_MS = 30_000;
/** During an outage, a token is still served until this close to its real expiry. */
const OUTAGE_SAFETY_MS = 30_000;
/** Bound on built MSAL clients: one per (client, credential version); old versions are dropped on rotation. */
const MAX_CLIENTS = 256;

interface Handle {
  key: string;
  client: TokenClient;
  credential: string;
}

/**
 * Per (client, scope): the MSAL client holding the token and when to refresh it, plus the last
 * token as the outage fallback. Bounded by configuration: one per allowed (client, scope) pair.
 */
interface TokenState {
  handle: Handle;
  expiresAt: number;
  refreshAt: number;
  last: TokenResult;
  /** The answer to a cache hit, built once per token. */
  hit: AcquiredToken;
}

const SCOPE = /^[^\s,]{1,512}\/\.default$/;

export class TokenAcquirer {
  private readonly states = new Map<string, TokenState>();
  private readonly handles = new Map<string, Handle>();
  private readonly inflight = new Map<string, Promise<AcquiredToken>>();
  private readonly refreshing = new Set<string>();
  private readonly grantableScopes = new WeakMap<ClientConfig, ReadonlySet<string>>();

  constructor(private readonly options: AcquirerOptions) {}

  /** Whether a client of that name is configured (valid or not): an attribute value metrics may carry. */
  isConfigured(name: string): boolean {
    return this.options.config.clients.has(name) || this.options.config.invalidClients.has(name);
  }

  /** Checks the request against configuration; throws typed errors for the caller's mistakes. */
  resolve(clientName: string | undefined, scope: string): ClientConfig {
    const name = clientName ?? DEFAULT_CLIENT;
    const known = this.options.config.clients.get(name);
    // The usual request, a configured client and one of its scopes: no pattern to test again.
    if (known !== undefined && this.grantable(known).has(scope)) return known;
    if (!SCOPE.test(scope)) {
      throw new TokenError('invalid_scope', 'scope must be a single <resource>/.default scope');
    }
    const client = this.options.config.clients.get(name);
    if (!client) {
      const problems = this.options.config.invalidClients.get(name);
      if (problems) {
        throw new TokenError(
          'client_misconfigured',
          `Client '${name}' is misconfigured: ${problems.join('; ')}`,
        );
      }
      throw new TokenError('unknown_client', `Client '${name}' is not configured`);
    }
    if (!client.allowedScopes.has(scope)) {
      throw new TokenError('scope_not_allowed', `Client '${name}' may not request scope '${scope}'`);
    }
    return client;
  }

  /** The client's allowed scopes that pass SCOPE, so that resolve() answers them without the pattern. */
  private grantable(client: ClientConfig): ReadonlySet<string> {
    let scopes = this.grantableScopes.get(client);
    if (scopes === undefined) {
      scopes = new Set([...client.allowedScopes].filter((scope) => SCOPE.test(scope)));
      this.grantableScopes.set(client, scopes);
    }
    return scopes;
  }

  /**
   * acquire() for a token held and valid past MSAL's renewal point, without waiting (the path of
   * nearly every call): undefined when acquire() must run. Throws resolve()'s errors.
   */
  cached(clientName: string | undefined, scope: string): AcquiredToken | undefined {
    const client = this.resolve(clientName, scope);
    return this.held(client, scope, `${client.name}\n${scope}`);
  }

  async acquire(clientName: string | undefined, scope: string): Promise<AcquiredToken> {
    const client = this.resolve(clientName, scope);
    const key = `${client.name}\n${scope}`;
    const held = this.held(client, scope, key);
    if (held) return held;
    const running = this.inflight.get(key);
    if (running) return { ...(await running), cache: 'coalesced' };
    const promise = this.fetch(client, scope, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private held(client: ClientConfig, scope: string, key: string): AcquiredToken | undefined {
    const now = this.options.clock();
    const state = this.states.get(key);
    if (!state || now >= state.expiresAt - MSAL_RENEWAL_OFFSET_MS || !this.isCurrent(state.handle))
      return undefined;
    if (now >= state.refreshAt) this.refreshInBackground(client, scope, key, state);
    // The remembered token is what msal-node's cache would return (the same token until MSAL's
    // renewal point), without its cache lookup on every call. Past refresh_in, msal-node would
    // also call the IdP in-request for every caller (uncoalesced); the background refresh above
    // renews it once.
    return state.hit;
  }

  private async fetch(client: ClientConfig, scope: string, key: string): Promise<AcquiredToken> {
    try {
      const { handle, result } = await this.acquireWithRetry(client, scope, false);
      return this.remember(client, scope, key, handle, result, result.fromCache ? 'hit' : 'miss');
    } catch (error) {
      return this.fallback(client, scope, key, error);
    }
  }

  /** Acquires with the current credential; on a rotation-code rejection reloads it and retries once. */
  private async acquireWithRetry(
    client: ClientConfig,
    scope: string,
    skipCache: boolean,
  ): Promise<{ handle: Handle; result: TokenResult }> {
    let retries = 0;
    let rejected: Handle | undefined;
    for (;;) {
      const handle = await this.handleFor(client, retries > 0, rejected?.key);
      const started = performance.now();
      try {
        const result = await handle.client.acquire(scope, { skipCache: skipCache || retries > 0 });
        if (!result.fromCache) recordIdpRequest(client.name, true, performance.now() - started);
        return { handle, result };
      } catch (error) {
        recordIdpRequest(client.name, false, performance.now() - started);
        const rotation =
          error instanceof TokenError &&
          error.code === 'idp_rejected' &&
          error.aadsts !== undefined &&
          ROTATION_CODES.has(error.aadsts);
        if (!rotation || retries >= 1) throw error;
        retries += 1;
        recordRotationRetry(client.name);
        this.options.logger?.warn('Assertion rejected; reloading the credential and retrying once', {
          client: client.name,
          scope,
          aadsts: error.aadsts,
          correlationId: error.correlationId,
          credential: handle.credential,
        });
        this.handles.delete(handle.key);
        rejected = handle;
      }
    }
  }

  /**
   * The MSAL client for the client's current credential (rebuilt when the certificate version
   * changes). After a rejection (`rejectedKey`), when the reload finds no newer version, the
   * previous version is used if still valid: the auto-renewal gap, before Entra knows the new key.
   */
  private async handleFor(client: ClientConfig, force: boolean, rejectedKey?: string): Promise<Handle> {
    const providers = this.options.credentialsOf(client);
    let lastError: unknown = new TokenError(
      'client_misconfigured',
      `Client '${client.name}' has no credential`,
    );
    for (const provider of providers) {
      try {
        if (provider.kind === 'assertion') {
          const key = `${client.name}\n${provider.label}`;
          return this.cachedHandle(
            key,
            provider.label,
            force,
            () => ({
              kind: 'assertion',
              getAssertion: provider.getAssertion,
            }),
            client,
          );
        }
        let cert = await this.options.certificates.get(provider.source, { force });
        const previous = this.options.certificates.previousOf(provider.source);
        if (rejectedKey === handleKey(client, cert) && previous) {
          this.options.logger?.warn(
            'The identity provider does not accept the current certificate version; using the previous one',
            {
              client: client.name,
              certificate: cert.label,
              rejected: cert.version,
              previous: previous.version,
            },
          );
          cert = previous;
        }
        const key = handleKey(client, cert);
        return this.cachedHandle(
          key,
          `${cert.label} version ${cert.version}`,
          force,
          () => certificateCredential(client, cert),
          client,
        );
      } catch (error) {
        lastError = error;
        this.options.logger?.warn('Credential could not be loaded', {
          client: client.name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    throw lastError;
  }

  private cachedHandle(
    key: string,
    credential: string,
    force: boolean,
    build: () => Parameters<TokenClientFactory>[0]['credential'],
    client: ClientConfig,
  ): Handle {
    const existing = this.handles.get(key);
    if (existing && !force) return existing;
    for (const [other] of this.handles) {
      if (other.startsWith(`${client.name}\n`) && other !== key) this.handles.delete(other);
    }
    const handle: Handle = {
      key,
      credential,
      client: this.options.createClient({
        clientId: client.clientId,
        authority: `${client.instance}${client.tenantId}`,
        credential: build(),
      }),
    };
    this.handles.set(key, handle);
    while (this.handles.size > MAX_CLIENTS) {
      const oldest = this.handles.keys().next().value;
      if (oldest === undefined) break;
      this.handles.delete(oldest);
    }
    return handle;
  }

  private remember(
    client: ClientConfig,
    scope: string,
    key: string,
    handle: Handle,
    result: TokenResult,
    cache: CacheOutcome,
  ): AcquiredToken {
    const expiresAt = result.expiresOn.getTime();
    const previous = this.states.get(key);
    if (!previous || previous.last.accessToken !== result.accessToken || previous.handle !== handle) {
      const msalRefreshPoint = Math.min(
        result.refreshOn?.getTime() ?? Infinity,
        expiresAt - MSAL_RENEWAL_OFFSET_MS,
      );
      this.states.set(key, {
        handle,
        expiresAt,
        refreshAt: msalRefreshPoint - REFRESH_LEAD_MS,
        last: result,
        hit: Object.freeze(acquired(client, scope, result, 'hit')),
      });
    }
    return acquired(client, scope, result, cache);
  }

  /**
   * A remembered token stays servable while the MSAL client that acquired it is the client's
   * current one: a certificate reload (new version) or a rotation-code rejection replaces or drops
   * that client, and the next request acquires with the current credential.
   */
  private isCurrent(handle: Handle): boolean {
    return this.handles.get(handle.key) === handle;
  }

  /** When the IdP or the credential source is down, a token that is still valid is better than a 503. */
  private fallback(client: ClientConfig, scope: string, key: string, error: unknown): AcquiredToken {
    const transient =
      error instanceof TokenError &&
      (error.code === 'idp_unavailable' ||
        error.code === 'keyvault_unavailable' ||
        error.code === 'throttled');
    const last = this.states.get(key)?.last;
    if (transient && last && this.options.clock() < last.expiresOn.getTime() - OUTAGE_SAFETY_MS) {
      this.options.logger?.warn('Serving a cached token while a dependency is down', {
        client: client.name,
        scope,
        error: (error as Error).message,
      });
      return acquired(client, scope, last, 'stale');
    }
    throw error;
  }

  private refreshInBackground(client: ClientConfig, scope: string, key: string, state: TokenState): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    const started = this.options.clock();
    this.acquireWithRetry(client, scope, true)
      .then(({ handle, result }) => {
        this.remember(client, scope, key, handle, result, 'miss');
        this.options.logger?.info('Token refreshed in the background', {
          client: client.name,
          scope,
          correlationId: result.correlationId,
          latencyMs: this.options.clock() - started,
        });
      })
      .catch((error: unknown) => {
        state.refreshAt = this.options.clock() + REFRESH_BACKOFF_MS;
        this.options.logger?.warn('Background token refresh failed; the cached token is still served', {
          client: client.name,
          scope,
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => this.refreshing.delete(key));
  }
}

function acquired(
  client: ClientConfig,
  scope: string,
  result: TokenResult,
  cache: CacheOutcome,
): AcquiredToken {
  return {
    accessToken: result.accessToken,
    expiresOn: result.expiresOn,
    client: client.name,
    scope,
    cache,
    correlationId: result.correlationId,
  };
}

function handleKey(client: ClientConfig, cert: LoadedCertificate): string {
  return `${client.name}\n${cert.label}\n${cert.version}`;
}

function certificateCredential(client: ClientConfig, cert: LoadedCertificate) {
  return {
    kind: 'certificate' as const,
    thumbprintSha256: cert.thumbprintSha256,
    privateKey: cert.privateKeyPem,
    ...(client.sendX5C ? { x5c: cert.chainPem.join('\n') } : {}),
  };
}
