import {
  AuthError,
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
  ServerError,
} from '@azure/msal-node';
import { retryAfterHeaderSeconds } from '../platform/keyvault.js';
import { TokenError } from './errors.js';

/**
 * The port the acquirer uses to get tokens, and its msal-node adapter: one
 * `ConfidentialClientApplication` per (client, credential version), its in-memory cache holding the
 * tokens. MSAL errors are mapped here to typed errors, so the core never sees MSAL types.
 */
export interface TokenResult {
  accessToken: string;
  expiresOn: Date;
  /** When the IdP asked for an early refresh (`refresh_in`); MSAL then refreshes in-request. */
  refreshOn?: Date;
  fromCache: boolean;
  /** MSAL's correlation id, sent as `client-request-id`: the id Entra logs the request under. */
  correlationId: string;
}

export interface TokenClient {
  acquire(scope: string, options: { skipCache: boolean }): Promise<TokenResult>;
}

export type ClientCredential =
  | { kind: 'certificate'; thumbprintSha256: string; privateKey: string; x5c?: string }
  | { kind: 'assertion'; getAssertion: () => Promise<string> };

export interface TokenClientOptions {
  clientId: string;
  /** `https://<instance>/<tenant>` */
  authority: string;
  credential: ClientCredential;
}

export type TokenClientFactory = (options: TokenClientOptions) => TokenClient;

/** Entra codes meaning "the credential you signed with is not (or no longer) right": reload and retry once. */
export const ROTATION_CODES: ReadonlySet<number> = new Set([
  700027, 700024, 7000214, 1000502, 7000274, 7000277,
]);

// MSAL's own numbers (msal-common ThrottlingUtils): a 429/5xx without Retry-After is replayed for
// 60 s, and never for more than an hour.
const DEFAULT_THROTTLE_SECONDS = 60;
const MAX_THROTTLE_SECONDS = 3600;
const REQUEST_TIMEOUT_MS = 10_000;

export interface Throttle {
  until: number;
  status: number;
}

/**
 * A fetch-based network module (as msal-node's own) that also remembers, per scope, how long MSAL
 * will replay a 429/5xx answer, so the replayed error can carry an honest Retry-After.
 */
export class ObservingNetwork implements INetworkModule {
  /**
   * Wall-clock times (`Date.now()`), not an injected clock: they mirror MSAL's own throttling
   * cache, which MSAL times with the real clock, and must agree with it.
   */
  readonly throttles = new Map<string, Throttle>();

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'GET', options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options);
  }

  private async send<T>(
    url: string,
    method: string,
    options: NetworkRequestOptions | undefined,
    timeout = REQUEST_TIMEOUT_MS,
  ): Promise<NetworkResponse<T>> {
    const response = await fetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
      signal: AbortSignal.timeout(timeout),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (response.status < 429)
        throw new Error(`Unreadable answer from the identity provider (HTTP ${response.status})`);
      // An overloaded IdP or proxy may answer 5xx/429 with HTML: keep the status, give MSAL an OAuth shape.
      body = { error: 'temporarily_unavailable', error_description: `HTTP ${response.status}` };
    }
    if (method === 'POST' && (response.status === 429 || response.status >= 500)) {
      const retryAfter = retryAfterHeaderSeconds(headers['retry-after']);
      const seconds = Math.min(retryAfter ?? DEFAULT_THROTTLE_SECONDS, MAX_THROTTLE_SECONDS);
      const scope = new URLSearchParams(options?.body ?? '').get('scope') ?? '';
      this.throttles.set(scope, { until: Date.now() + seconds * 1000, status: response.status });
    }
    return { headers, body: body as T, status: response.status };
  }
}

const AADSTS = /AADSTS(\d{5,8})/;

/** Maps what msal-node throws to a typed error (no token, key or assertion is ever in these texts). */
export function mapMsalError(
  error: unknown,
  scope: string,
  network?: { throttles: ReadonlyMap<string, Throttle> },
): unknown {
  if (error instanceof TokenError) return error;
  if (error instanceof ServerError) {
    const fromText = AADSTS.exec(`${error.errorMessage} ${error.errorCode}`)?.[1];
    const aadsts = Number(error.errorNo ?? fromText) || undefined;
    const correlationId = error.correlationId || undefined;
    const status = error.status;
    const throttle = network?.throttles.get(scope);
    const retryAfterSeconds = throttle
      ? Math.max(1, Math.ceil((throttle.until - Date.now()) / 1000))
      : undefined;
    const code = aadsts ? `AADSTS${aadsts}` : error.errorCode || 'no error code';
    const options = {
      cause: error,
      aadsts,
      correlationId,
      retryAfterSeconds: retryAfterSeconds ?? DEFAULT_THROTTLE_SECONDS,
    };
    // MSAL replays a recent 429/5xx locally (no status on the replayed error): same answer, honest wait.
    const effective = status ?? (throttle && throttle.until > Date.now() ? throttle.status : undefined);
    if (effective === 429)
      return new TokenError('throttled', `The identity provider throttled token requests (${code})`, options);
    if (effective !== undefined && effective >= 500) {
      return new TokenError(
        'idp_unavailable',
        `The identity provider is unavailable (HTTP ${effective}, ${code})`,
        options,
      );
    }
    return new TokenError('idp_rejected', `The identity provider rejected the token request: ${code}`, {
      cause: error,
      aadsts,
      correlationId,
    });
  }
  if (error instanceof AuthError) {
    if (
      /network|endpoints_resolution|timeout|openid_config/i.test(`${error.errorCode} ${error.errorMessage}`)
    ) {
      return new TokenError('idp_unavailable', `The identity provider is unreachable (${error.errorCode})`, {
        cause: error,
        retryAfterSeconds: 5,
      });
    }
  }
  return error;
}

/** The msal-node configuration for one client identity and credential. */
export function msalConfiguration(options: TokenClientOptions, network: INetworkModule): Configuration {
  const { credential } = options;
  return {
    auth: {
      clientId: options.clientId,
      authority: options.authority,
      // The authority is trusted as configured; no instance discovery round trip (works for
      // sovereign clouds and the local stand-in alike).
      knownAuthorities: [new URL(options.authority).host],
      ...(credential.kind === 'certificate'
        ? {
            clientCertificate: {
              thumbprintSha256: credential.thumbprintSha256,
              privateKey: credential.privateKey,
              ...(credential.x5c ? { x5c: credential.x5c } : {}),
            },
          }
        : { clientAssertion: () => credential.getAssertion() }),
    },
    system: { networkClient: network },
  };
}

/** Adapts one `ConfidentialClientApplication` to the `TokenClient` port. */
export function tokenClientOf(app: ConfidentialClientApplication, network?: ObservingNetwork): TokenClient {
  return {
    async acquire(scope, { skipCache }) {
      try {
        const result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache });
        if (!result?.accessToken || !result.expiresOn) {
          throw new TokenError('idp_rejected', 'The identity provider returned no access token');
        }
        return {
          accessToken: result.accessToken,
          expiresOn: result.expiresOn,
          ...(result.refreshOn ? { refreshOn: result.refreshOn } : {}),
          fromCache: result.fromCache,
          correlationId: result.correlationId,
        };
      } catch (error) {
        throw mapMsalError(error, scope, network);
      }
    },
  };
}

export function createObservingNetwork(): ObservingNetwork {
  return new ObservingNetwork();
}

export const msalTokenClient: TokenClientFactory = (options) => {
  const network = new ObservingNetwork();
  return tokenClientOf(new ConfidentialClientApplication(msalConfiguration(options, network)), network);
};
