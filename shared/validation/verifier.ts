import { hash as digest } from 'node:crypto';
import { compactVerify } from 'jose';
import { ENTRA_PUBLIC_CLOUD } from '../platform/identity-settings.js';
import { type Claims, checkAuthorization, checkTimes, tokenVersion } from './claims.js';
import { fail, ValidationFailure } from './errors.js';
import { importSigningKey, type KeySetRegistry } from './keys.js';
import { GUID, type Policy } from './policy.js';
import { SecondChanceCache } from './second-chance-cache.js';

/**
 * The verifier (RFC 8725): size, shape, algorithm allow-list, issuer (from the configured metadata
 * only), signature with a key from that issuer's JWKS, then the policy's claim checks. It fails
 * closed: anything it does not understand is rejected.
 */
export interface VerifierOptions {
  keySets: KeySetRegistry;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Authority for policies without their own `instance`. */
  defaultInstance?: string;
  /** The verified-token cache's bounds (`Validation__Cache__*`); 0 entries turns it off. */
  cache: { maxEntries: number; maxBytes: number };
  /** Bad-signature cache: small, 10 min (a bad signature never becomes good for the same kid). */
  negativeCache?: { maxEntries: number; ttlMs: number };
}

export interface VerifiedToken {
  claims: Claims;
  /**
   * SHA-256 of the signed part (`header.payload`), base64url: the revocation key for tokens without
   * `jti`. Not of the whole token: one signed token has several valid signature spellings (unused
   * bits of the last base64url character; (r, n - s) for ECDSA), and each must hit the denylist.
   */
  hash: string;
  version: '1.0' | '2.0';
  cacheHit: boolean;
}

interface CachedToken {
  /** The whole token: a hit is this exact string (the cache key is only its signature, see cacheKeyOf). */
  token: string;
  claims: Claims;
  metadataUrl: string;
  /** VerifiedToken.hash (of the signed part). */
  signedHash: string;
  /** The JWS algorithm it was signed with: each policy's allow-list applies on a hit too. */
  alg: string;
}

interface IssuerRoute {
  version: '1.0' | '2.0';
  tenant: string;
  metadataUrl: string;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Every string literal in JSON text, and whether a colon follows it (a member name). */
const JSON_STRING = /"(?:[^"\\]|\\.)*"(\s*:)?/g;

/** Member names in the whole tree, counted after JSON.parse merged any duplicates (no recursion: any depth). */
function memberCount(root: unknown): number {
  let count = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      pending.push(...value);
      continue;
    }
    for (const key in value) {
      count += 1;
      pending.push((value as Record<string, unknown>)[key]);
    }
  }
  return count;
}

/**
 * Whether the text names a member twice in some object (at any depth), however it is spelled
 * (`"aud"` and `"\u0061ud"` are one name). JSON.parse keeps the last one, so its tree holds fewer
 * members than the text names. Outside strings JSON has no `"`, so the scan sees every string.
 */
function repeatsMember(text: string, parsed: unknown): boolean {
  let named = 0;
  for (const match of text.matchAll(JSON_STRING)) if (match[1] !== undefined) named += 1;
  return named !== memberCount(parsed);
}

/**
 * A header or claims set, refused when malformed or when it repeats a member name: RFC 7515 §4
 * and RFC 7519 §4 allow only rejecting that or taking the last one, and a backend that re-reads
 * the token may take the first, so rejecting leaves no room for the two to disagree.
 */
function decodeJson(part: string, what: 'header' | 'payload'): Record<string, unknown> {
  const malformed = what === 'header' ? 'malformed_header' : 'malformed_payload';
  const text = Buffer.from(part, 'base64url').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail(malformed);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw fail(malformed);
  if (repeatsMember(text, value))
    throw fail(what === 'header' ? 'duplicate_header_member' : 'duplicate_claim');
  return value as Record<string, unknown>;
}

export function tokenHash(token: string): string {
  return digest('sha256', token, 'base64url');
}

/**
 * The verified-token cache key: the token's signature segment (after its last `.`), and a hit is
 * the entry whose whole token equals the one presented. V8 hashes a new string over all its
 * characters (up to 16,383) on every lookup: the 342 characters of an RS256 signature instead of
 * the 1–2 KiB token (the largest part of a hit, measured), and never a SHA-256. Only verified
 * tokens are stored, so every key is a signature the issuer made: short, and not chosen by an
 * attacker, so a flood of long, equal-length tokens cannot make keys share a hash. A different
 * string with a stored token's signature finds that entry, fails the comparison, and is verified.
 */
export function cacheKeyOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

/** Whether `iss` equals an issuer template with `{tenantid}` = `tid`. */
const issuerMatches = (claims: Claims, template: string, tenant: string): boolean =>
  claims.iss === template.replaceAll('{tenantid}', tenant);

function checkIssuer(claims: Claims, template: string, tenant: string): void {
  if (!issuerMatches(claims, template, tenant)) throw fail('issuer');
}

export function metadataUrlFor(
  policy: Policy,
  version: '1.0' | '2.0',
  tenant: string,
  defaultInstance: string,
): string {
  const template = version === '1.0' ? policy.metadataUrls.v1 : policy.metadataUrls.v2;
  const instance = (policy.instance ?? defaultInstance).replace(/\/*$/, '/');
  const fallback =
    version === '1.0'
      ? `${instance}{tenantid}/.well-known/openid-configuration`
      : `${instance}{tenantid}/v2.0/.well-known/openid-configuration`;
  return (template ?? fallback).replaceAll('{tenantid}', tenant);
}

export class Verifier {
  readonly #options: VerifierOptions;
  readonly #cache: SecondChanceCache<CachedToken> | undefined;
  readonly #badSignatures: SecondChanceCache<true>;
  readonly #negativeTtlMs: number;
  readonly #routes = new WeakMap<Policy, Map<string, { '1.0'?: IssuerRoute; '2.0'?: IssuerRoute }>>();

  constructor(options: VerifierOptions) {
    this.#options = options;
    const { cache } = options;
    this.#cache =
      cache.maxEntries > 0 ? new SecondChanceCache({ ...cache, clock: options.clock }) : undefined;
    const negative = options.negativeCache ?? { maxEntries: 1000, ttlMs: 600_000 };
    this.#negativeTtlMs = negative.ttlMs;
    this.#badSignatures = new SecondChanceCache({
      maxEntries: negative.maxEntries,
      maxBytes: negative.maxEntries * 64,
      clock: options.clock,
    });
  }

  get cacheStats(): { entries: number; bytes: number } {
    return { entries: this.#cache?.size ?? 0, bytes: this.#cache?.bytes ?? 0 };
  }

  /** Signature, issuer and time checks, then the policy's authorization checks. */
  async verify(token: string, policy: Policy): Promise<VerifiedToken> {
    return this.#authorize(await this.authenticate(token, policy), policy);
  }

  /** verify() for a token already in the cache, without waiting: undefined when it must be verified. */
  verifyCached(token: string, policy: Policy): VerifiedToken | undefined {
    const verified = this.#fromCache(this.#admit(token, policy), token, policy);
    return verified && this.#authorize(verified, policy);
  }

  /** Everything that proves the token is genuine and current (no audience/scope checks). */
  async authenticate(token: string, policy: Policy): Promise<VerifiedToken> {
    const key = this.#admit(token, policy);
    return this.#fromCache(key, token, policy) ?? (await this.#verifySignature(token, key, policy));
  }

  #authorize(verified: VerifiedToken, policy: Policy): VerifiedToken {
    try {
      checkAuthorization(verified.claims, policy);
    } catch (error) {
      throw error instanceof ValidationFailure ? error.withClaims(verified.claims) : error;
    }
    return verified;
  }

  /** The size limit, then the cache key (cacheKeyOf). */
  #admit(token: string, policy: Policy): string {
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit: the length bounds the byte count without a scan.
    const max = policy.maxTokenBytes;
    if (token.length > max || (token.length * 3 > max && Buffer.byteLength(token, 'utf8') > max))
      throw fail('too_large');
    return cacheKeyOf(token);
  }

  /**
   * A hit is this exact string, already parsed and verified: only the policy-dependent checks
   * rerun. Undefined when the signature must be (re)checked for this policy.
   */
  #fromCache(key: string, token: string, policy: Policy): VerifiedToken | undefined {
    const cached = this.#cache?.get(key);
    // The same signature on another string is not that token.
    if (!cached || cached.token !== token) return undefined;
    const claims = cached.claims;
    if (!(policy.algorithms as string[]).includes(cached.alg)) throw fail('algorithm');
    // A cached signature only counts if this policy would trust the same issuer key set.
    const route = this.#issuerRoute(claims, policy);
    if (route.metadataUrl !== cached.metadataUrl) return undefined;
    // This policy may name its own issuer template: the issuer check runs on a hit too.
    const issuer = this.#issuerTemplateNow(policy, route);
    if (issuer === undefined) return undefined;
    checkIssuer(claims, issuer, route.tenant);
    checkTimes(claims, policy, Math.floor(this.#options.clock() / 1000));
    return { claims, hash: cached.signedHash, version: route.version, cacheHit: true };
  }

  async #verifySignature(token: string, cacheKey: string, policy: Policy): Promise<VerifiedToken> {
    const nowMs = this.#options.clock();
    const parts = token.split('.');
    if (parts.length === 5) throw fail('encrypted');
    if (parts.length !== 3) throw fail('malformed');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    if (!B64URL.test(headerPart) || !B64URL.test(payloadPart)) throw fail('malformed');
    if (!signaturePart) throw fail('unsigned');
    if (!B64URL.test(signaturePart)) throw fail('malformed');
    // Always the SHA-256: the bad-signature cache holds attacker-chosen strings of any length.
    const hash = tokenHash(token);
    if (this.#badSignatures.get(hash)) throw fail('signature');

    const header = decodeJson(headerPart, 'header');
    const alg = header.alg;
    if (typeof alg !== 'string' || !(policy.algorithms as string[]).includes(alg)) {
      throw fail('algorithm');
    }
    if (header.crit !== undefined) throw fail('critical_header');
    if (typeof header.cty === 'string' && header.cty.toUpperCase() === 'JWT') {
      throw fail('nested');
    }
    if (header.zip !== undefined || header.enc !== undefined) throw fail('encrypted');
    const kid = header.kid;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw fail('key_id');
    // jku, x5u and jwk are deliberately ignored: keys only ever come from the configured metadata.

    const claims = decodeJson(payloadPart, 'payload');
    const route = this.#issuerRoute(claims, policy);
    const version = route.version;
    const keySet = this.#options.keySets.get(route.metadataUrl);
    const issuer = this.#issuerTemplateNow(policy, route) ?? (await keySet.current()).issuer;
    checkIssuer(claims, issuer, route.tenant);

    const key = await keySet.keyFor(kid);
    if (!key) throw fail('key_not_found');
    if (key.issuer !== undefined && !issuerMatches(claims, key.issuer, route.tenant)) {
      throw fail('key_issuer');
    }
    if (key.alg !== undefined && key.alg !== alg) throw fail('key_algorithm');
    if ((key.kty === 'RSA') !== (alg.startsWith('RS') || alg.startsWith('PS'))) {
      throw fail('key_algorithm');
    }
    let cryptoKey: Awaited<ReturnType<typeof importSigningKey>>;
    try {
      cryptoKey = await importSigningKey(key, alg);
    } catch {
      throw fail('key_unusable');
    }
    try {
      await compactVerify(token, cryptoKey, { algorithms: [alg] });
    } catch {
      this.#badSignatures.set(hash, true, 64, nowMs + this.#negativeTtlMs);
      throw fail('signature');
    }
    checkTimes(claims, policy, Math.floor(nowMs / 1000));
    const signedHash = tokenHash(`${headerPart}.${payloadPart}`);
    if (this.#cache && typeof claims.exp === 'number') {
      // The parsed claims (under twice their JSON), the token (one byte a character, as the HTTP
      // parser makes header strings), the slot, its key (a slice of the token) and the signed
      // part's hash, and what hits derive from the claims (factsOf and the rendered /api/validate
      // body: about 750 bytes, measured).
      const bytes = 900 + token.length + 2 * JSON.stringify(claims).length;
      const entry = { token, claims, metadataUrl: route.metadataUrl, signedHash, alg };
      this.#cache.set(cacheKey, entry, bytes, claims.exp * 1000);
    }
    return { claims, hash: signedHash, version, cacheHit: false };
  }

  /** The policy's issuer template, else the discovery document's if it is loaded (else undefined). */
  #issuerTemplateNow(policy: Policy, route: IssuerRoute): string | undefined {
    const explicit = route.version === '1.0' ? policy.issuers.v1 : policy.issuers.v2;
    return explicit ?? this.#options.keySets.get(route.metadataUrl).heldKeys()?.issuer;
  }

  /**
   * Which configured issuer would vouch for these (unverified) claims, from `ver` and `tid` only.
   * Accepted routes are remembered per policy and `tid` (bounded: tenants come from tokens).
   */
  #issuerRoute(claims: Claims, policy: Policy): IssuerRoute {
    const version = tokenVersion(claims);
    if (!version || !policy.versions.includes(version)) throw fail('version');
    const tid = claims.tid;
    if (typeof tid !== 'string') throw fail('tenant');
    let byTenant = this.#routes.get(policy);
    if (!byTenant) {
      byTenant = new Map();
      this.#routes.set(policy, byTenant);
    }
    const known = byTenant.get(tid)?.[version];
    if (known) return known;
    if (!GUID.test(tid)) throw fail('tenant');
    const tenant = tid.toLowerCase();
    let metadataTenant = tenant;
    if (policy.tenants === 'any') {
      if (policy.allowedTenants && !policy.allowedTenants.some((t) => t.toLowerCase() === tenant)) {
        throw fail('tenant');
      }
      metadataTenant = 'common';
    } else if (!policy.tenants.some((t) => t.toLowerCase() === tenant)) {
      throw fail('tenant');
    }
    const instance = this.#options.defaultInstance ?? ENTRA_PUBLIC_CLOUD;
    const route = {
      version,
      tenant: tid,
      metadataUrl: metadataUrlFor(policy, version, metadataTenant, instance),
    };
    if (byTenant.size < 1000) byTenant.set(tid, { ...byTenant.get(tid), [version]: route });
    return route;
  }
}
