import type { CertificateMaterial } from '../../../shared/tokens/certificate.js';
import { TokenError } from '../../../shared/tokens/errors.js';
import type { ClientCredential, TokenClientFactory, TokenResult } from '../../../shared/tokens/msal.js';
import type { CertificateSource } from '../../../shared/tokens/sources.js';

/** A manual clock for the core. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** An in-memory certificate source with counters (the Key Vault port). */
export class FakeSource implements CertificateSource {
  readonly label: string;
  currentCalls = 0;
  materialCalls = 0;
  down = false;
  private versions: { version: string; material: CertificateMaterial }[] = [];
  gate: Promise<void> | undefined;

  constructor(label = "Key Vault certificate 'gw' (https://vault.test/)") {
    this.label = label;
  }
  addVersion(version: string, material: CertificateMaterial): void {
    this.versions.push({ version, material });
  }
  async current() {
    this.currentCalls += 1;
    await this.gate;
    if (this.down)
      throw new TokenError('keyvault_unavailable', 'Key Vault is unavailable (ECONNREFUSED)', {
        retryAfterSeconds: 5,
      });
    const latest = this.versions.at(-1);
    if (!latest) throw new TokenError('certificate_invalid', 'not found');
    return { version: latest.version };
  }
  async material(version: string) {
    this.materialCalls += 1;
    await this.gate;
    if (this.down)
      throw new TokenError('keyvault_unavailable', 'Key Vault is unavailable (ECONNREFUSED)', {
        retryAfterSeconds: 5,
      });
    const found = this.versions.find((v) => v.version === version);
    if (!found) throw new TokenError('certificate_invalid', 'not found');
    return found.material;
  }
}

/**
 * An in-process stand-in for msal-node + Entra: a per-client token cache with MSAL's 300 s early
 * expiry, and an "IdP" that accepts only registered thumbprints (AADSTS700027 otherwise).
 */
export class FakeIdp {
  requests = 0;
  /** Every call into the MSAL client (cache lookups included). */
  lookups = 0;
  failedAssertions = 0;
  clientsBuilt = 0;
  registered = new Set<string>();
  down = false;
  lifetimeMs = 3_600_000;
  /** When set, tokens carry `refreshOn` (Entra's `refresh_in`) this long after issue. */
  refreshInMs: number | undefined;
  gate: Promise<void> | undefined;
  credentials: ClientCredential[] = [];

  constructor(private readonly clock: () => number) {}

  factory: TokenClientFactory = (options) => {
    this.clientsBuilt += 1;
    this.credentials.push(options.credential);
    const cache = new Map<string, TokenResult>();
    const acquire = async (scope: string, { skipCache }: { skipCache: boolean }): Promise<TokenResult> => {
      this.lookups += 1;
      const cached = cache.get(scope);
      if (!skipCache && cached && this.clock() < cached.expiresOn.getTime() - 300_000) {
        // msal-node ClientCredentialClient: past refreshOn it awaits a token request in-request and
        // then returns the cached token (a failed request throws).
        if (cached.refreshOn && this.clock() >= cached.refreshOn.getTime()) await issue(scope);
        return { ...cached, fromCache: true };
      }
      return issue(scope);
    };
    const issue = async (scope: string): Promise<TokenResult> => {
      this.requests += 1;
      await this.gate;
      if (this.down)
        throw new TokenError('idp_unavailable', 'The identity provider is unreachable', {
          retryAfterSeconds: 5,
        });
      const credential = options.credential;
      const identity =
        credential.kind === 'certificate'
          ? credential.thumbprintSha256
          : `assertion:${await credential.getAssertion()}`;
      if (!this.registered.has(identity)) {
        this.failedAssertions += 1;
        throw new TokenError(
          'idp_rejected',
          'The identity provider rejected the token request: AADSTS700027',
          {
            aadsts: 700027,
            correlationId: 'corr-rejected',
          },
        );
      }
      const result: TokenResult = {
        accessToken: `token-${this.requests}`,
        expiresOn: new Date(this.clock() + this.lifetimeMs),
        ...(this.refreshInMs === undefined ? {} : { refreshOn: new Date(this.clock() + this.refreshInMs) }),
        fromCache: false,
        correlationId: `corr-${this.requests}`,
      };
      cache.set(scope, result);
      return result;
    };
    return { acquire };
  };
}
