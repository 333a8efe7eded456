import { importJWK, type JWK } from 'jose';
import type { Logger } from '../platform/log.js';
import { unavailable } from './errors.js';
import type { FetchJson } from './http-json.js';
import { observeKeySetAge, recordKeyRefresh } from './metrics.js';

/**
 * Signing keys per issuer: the OIDC discovery document gives the issuer and `jwks_uri`, the JWKS
 * gives the keys. Keys are held in memory and refreshed in the background; a request only waits
 * when there are no keys yet, or once per `unknownKidRefreshMs` for an unknown `kid`. When
 * discovery or JWKS fails, the last good keys keep working for `lastKnownGoodMs`. No keys at all
 * means 503 (with Retry-After), never 401.
 *
 * Keys come only from the configured metadata URL: nothing in a token (`jku`, `x5u`, `jwk`, `kid`)
 * ever becomes part of a URL (RFC 8725 §3.10). `kid` is only a map key.
 */
export interface KeySetTimings {
  /** Background refresh interval. 12 h: Entra rolls keys with weeks of overlap (Microsoft.Identity.Web's AutomaticRefreshInterval). */
  refreshMs: number;
  /** Floor between unknown-kid refreshes per issuer: 5 min, as APIM and IdentityModel, so random kids cannot hammer the IdP. */
  unknownKidRefreshMs: number;
  /** How long the last good keys stay usable while the IdP is failing. */
  lastKnownGoodMs: number;
}

export interface KeySetOptions extends KeySetTimings {
  fetchJson: FetchJson;
  clock: () => number;
  /** Wait after a failed fetch before trying again: 30 s, so an outage is not turned into a retry storm. */
  retryAfterFailureMs?: number;
  log?: Logger;
}

export type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

export interface SigningKey {
  kid: string;
  kty: string;
  alg: string | undefined;
  /** The key's own `issuer` (Entra multi-tenant JWKS), possibly a `{tenantid}` template. */
  issuer: string | undefined;
  jwk: JWK;
  imported: Map<string, Promise<ImportedKey>>;
}

export interface KeySnapshot {
  issuer: string;
  keys: Map<string, SigningKey>;
  loadedAt: number;
}

const MAX_KEYS = 100;

function parseDiscovery(document: unknown, metadataUrl: string): { issuer: string; jwksUri: string } {
  const doc = document as { issuer?: unknown; jwks_uri?: unknown } | null;
  if (!doc || typeof doc.issuer !== 'string' || typeof doc.jwks_uri !== 'string') {
    throw new Error('discovery document lacks issuer or jwks_uri');
  }
  const jwks = new URL(doc.jwks_uri);
  if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && metadataUrl.startsWith('http://'))) {
    throw new Error('jwks_uri must be https');
  }
  return { issuer: doc.issuer, jwksUri: jwks.href };
}

function parseJwks(document: unknown): Map<string, SigningKey> {
  const keys = new Map<string, SigningKey>();
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('JWKS has no keys array');
  for (const item of list.slice(0, MAX_KEYS)) {
    if (!item || typeof item !== 'object') continue;
    const jwk = item as JWK & { issuer?: unknown };
    if (typeof jwk.kid !== 'string' || (jwk.kty !== 'RSA' && jwk.kty !== 'EC')) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    // Public members only: a JWKS that leaks private parts is not trusted for anything.
    if ('d' in jwk) continue;
    keys.set(jwk.kid, {
      kid: jwk.kid,
      kty: jwk.kty,
      alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
      issuer: typeof jwk.issuer === 'string' ? jwk.issuer : undefined,
      jwk,
      imported: new Map(),
    });
  }
  if (keys.size === 0) throw new Error('JWKS holds no usable signing keys');
  return keys;
}

/** Imports (once per algorithm) the public key for `alg`. */
export function importSigningKey(key: SigningKey, alg: string): Promise<ImportedKey> {
  let imported = key.imported.get(alg);
  if (!imported) {
    const { kid: _kid, use: _use, key_ops: _ops, x5c: _x5c, ...publicJwk } = key.jwk;
    imported = importJWK({ ...publicJwk, alg }, alg);
    imported.catch(() => key.imported.delete(alg));
    key.imported.set(alg, imported);
  }
  return imported;
}

export class IssuerKeySet {
  readonly metadataUrl: string;
  readonly #options: KeySetOptions;
  readonly #retryAfterFailureMs: number;
  #snapshot: KeySnapshot | undefined;
  #inflight: Promise<void> | undefined;
  #lastAttemptAt = Number.NEGATIVE_INFINITY;
  #lastSuccessAt = Number.NEGATIVE_INFINITY;
  #lastKidRefreshAt = Number.NEGATIVE_INFINITY;
  #failing = false;
  /** Number of discovery+JWKS fetch rounds started (observability and tests). */
  fetches = 0;

  constructor(metadataUrl: string, options: KeySetOptions) {
    this.metadataUrl = metadataUrl;
    this.#options = options;
    this.#retryAfterFailureMs = options.retryAfterFailureMs ?? 30_000;
    observeKeySetAge(this);
  }

  /** Seconds since the last successful refresh; undefined before the first. */
  lastGoodAgeSeconds(): number | undefined {
    if (this.#lastSuccessAt === Number.NEGATIVE_INFINITY) return undefined;
    return (this.#options.clock() - this.#lastSuccessAt) / 1000;
  }

  #retryAfterSeconds(): number {
    const wait = this.#lastAttemptAt + this.#retryAfterFailureMs - this.#options.clock();
    return Math.max(1, Math.ceil(wait / 1000));
  }

  /** One refresh at a time (single-flight): concurrent callers share the same promise. */
  refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    this.#lastAttemptAt = this.#options.clock();
    this.fetches += 1;
    this.#inflight = (async () => {
      try {
        const discovery = parseDiscovery(await this.#options.fetchJson(this.metadataUrl), this.metadataUrl);
        const keys = parseJwks(await this.#options.fetchJson(discovery.jwksUri));
        this.#snapshot = { issuer: discovery.issuer, keys, loadedAt: this.#options.clock() };
        this.#lastSuccessAt = this.#snapshot.loadedAt;
        this.#failing = false;
        recordKeyRefresh(true);
      } catch (error) {
        this.#failing = true;
        recordKeyRefresh(false);
        this.#options.log?.warn('Signing key refresh failed', {
          metadataUrl: this.metadataUrl,
          error: error instanceof Error ? error.message : String(error),
          keptKeys: this.#snapshot?.keys.size ?? 0,
        });
      } finally {
        this.#inflight = undefined;
      }
    })();
    return this.#inflight;
  }

  /** The current keys; starts a background refresh when they are due, waits only when there are none. */
  async current(): Promise<KeySnapshot> {
    const held = this.heldKeys();
    if (held) return held;
    if (this.#inflight) await this.#inflight;
    else if (this.#options.clock() - this.#lastAttemptAt >= this.#retryAfterFailureMs) await this.refresh();
    const loaded = this.heldKeys();
    if (!loaded) throw unavailable('keys_unavailable', this.#retryAfterSeconds());
    return loaded;
  }

  /**
   * current() without waiting: the keys held (a background refresh starts when they are due), or
   * undefined when there are none yet. Throws when they are past the last-known-good window.
   */
  heldKeys(): KeySnapshot | undefined {
    const snapshot = this.#snapshot;
    if (!snapshot) return undefined;
    const now = this.#options.clock();
    if (
      // Due, or the last attempt failed (e.g. an unknown-kid refresh): retry after the back-off.
      (now - snapshot.loadedAt >= this.#options.refreshMs || this.#failing) &&
      !this.#inflight &&
      now - this.#lastAttemptAt >= this.#retryAfterFailureMs
    ) {
      void this.refresh();
    }
    if (this.#failing && now - this.#lastSuccessAt > this.#options.lastKnownGoodMs) {
      throw unavailable('keys_expired', this.#retryAfterSeconds());
    }
    return snapshot;
  }

  /**
   * The key for `kid`. An unknown kid triggers at most one refresh per `unknownKidRefreshMs`
   * (coalesced with any refresh in flight). While the IdP is failing an unknown kid is 503: the
   * key may well exist, we just cannot see it.
   */
  async keyFor(kid: string): Promise<SigningKey | undefined> {
    const snapshot = await this.current();
    const known = snapshot.keys.get(kid);
    if (known) return known;
    const now = this.#options.clock();
    if (this.#inflight) {
      await this.#inflight;
    } else if (now - this.#lastKidRefreshAt >= this.#options.unknownKidRefreshMs) {
      this.#lastKidRefreshAt = now;
      await this.refresh();
    }
    const found = this.#snapshot?.keys.get(kid);
    if (found) return found;
    if (this.#failing) throw unavailable('keys_unrefreshable', this.#retryAfterSeconds());
    return undefined;
  }
}

/** One IssuerKeySet per metadata URL, bounded (URLs only come from configured policies). */
export class KeySetRegistry {
  readonly #sets = new Map<string, IssuerKeySet>();
  readonly #options: KeySetOptions;
  static readonly MAX_ISSUERS = 1000;

  constructor(options: KeySetOptions) {
    this.#options = options;
  }

  get(metadataUrl: string): IssuerKeySet {
    let set = this.#sets.get(metadataUrl);
    if (!set) {
      if (this.#sets.size >= KeySetRegistry.MAX_ISSUERS) {
        const oldest = this.#sets.keys().next();
        if (!oldest.done) this.#sets.delete(oldest.value);
      }
      set = new IssuerKeySet(metadataUrl, this.#options);
      this.#sets.set(metadataUrl, set);
    }
    return set;
  }

  all(): IssuerKeySet[] {
    return [...this.#sets.values()];
  }
}
