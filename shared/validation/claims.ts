import { fail, ValidationFailure } from './errors.js';
import type { Policy } from './policy.js';

/**
 * Claim checks that run on every request, cache hit or not: time window, then who the token is for
 * and what it grants. Pure functions of (claims, policy, now).
 */
export type Claims = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function tokenVersion(claims: Claims): '1.0' | '2.0' | undefined {
  const ver = claims.ver;
  return ver === '1.0' || ver === '2.0' ? ver : undefined;
}

/**
 * Exactly the claim Entra sends for the token's version: `azp` on v2, `appid` on v1 ("Access token
 * claims reference"). Never one for the other: a v2 token's `appid` is not who Entra says asked.
 */
export function clientIdOf(claims: Claims): string | undefined {
  const version = tokenVersion(claims);
  if (version === '2.0') return str(claims.azp);
  return version === '1.0' ? str(claims.appid) : undefined;
}

/** `idtyp` when present (Entra's optional claim), else user when delegated scopes (`scp`) are present. */
export function isUserToken(claims: Claims): boolean {
  if (claims.idtyp === 'app') return false;
  if (claims.idtyp === 'user') return true;
  return typeof claims.scp === 'string';
}

export function scopesOf(claims: Claims): string[] {
  return typeof claims.scp === 'string' ? claims.scp.split(' ').filter((s) => s.length > 0) : [];
}

export function rolesOf(claims: Claims): string[] {
  return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
}

/**
 * What the checks and responses read from verified claims, derived once per claims object: a
 * cached token's claims are the same object on every hit (verified claims are never mutated).
 */
export interface TokenFacts {
  clientId: string | undefined;
  user: boolean;
  scopes: string[];
  roles: string[];
  /** Non-empty `aud` values without trailing slashes. */
  audiences: string[];
}

/** One trailing slash at most: the App ID URI "with or without a trailing slash", no more. */
const trimSlash = (value: string) => (value.endsWith('/') ? value.slice(0, -1) : value);
const factsByClaims = new WeakMap<Claims, TokenFacts>();

export function factsOf(claims: Claims): TokenFacts {
  let facts = factsByClaims.get(claims);
  if (!facts) {
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    facts = {
      clientId: clientIdOf(claims),
      user: isUserToken(claims),
      scopes: scopesOf(claims),
      roles: rolesOf(claims),
      audiences: auds
        .filter((aud): aud is string => typeof aud === 'string' && aud.length > 0)
        .map(trimSlash),
    };
    factsByClaims.set(claims, facts);
  }
  return facts;
}

export function checkTimes(claims: Claims, policy: Policy, nowSeconds: number): void {
  const skew = policy.clockSkewSeconds;
  const { exp, nbf, iat } = claims;
  if (exp === undefined) {
    if (policy.requireExp) throw fail('exp_missing');
  } else if (typeof exp !== 'number' || !Number.isFinite(exp)) throw fail('exp_malformed');
  else if (nowSeconds > exp + skew) throw fail('expired');
  if (nbf === undefined) {
    if (policy.requireNbf) throw fail('nbf_missing');
  } else if (typeof nbf !== 'number' || !Number.isFinite(nbf)) throw fail('nbf_malformed');
  else if (nbf > nowSeconds + skew) throw fail('not_yet_valid');
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw fail('iat_malformed');
    if (iat > nowSeconds + skew) throw fail('issued_in_future');
  }
  if (policy.maxTokenAgeSeconds !== undefined) {
    if (typeof iat !== 'number') throw fail('iat_missing');
    if (nowSeconds - iat > policy.maxTokenAgeSeconds + skew) throw fail('too_old');
  }
}

const acceptedByPolicy = new WeakMap<Policy, Set<string>>();

/** v1 audiences may be the App ID URI with or without its trailing slash, or the client id. */
export function audienceAccepted(claims: Claims, policy: Policy): boolean {
  let accepted = acceptedByPolicy.get(policy);
  if (!accepted) {
    accepted = new Set(policy.audiences.map(trimSlash));
    acceptedByPolicy.set(policy, accepted);
  }
  const set = accepted;
  return factsOf(claims).audiences.some((aud) => set.has(aud));
}

function claimValues(value: unknown, separator: string | undefined): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return separator ? value.split(separator).map((v) => v.trim()) : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}

export function checkAuthorization(claims: Claims, policy: Policy): void {
  if (!audienceAccepted(claims, policy)) throw fail('audience');
  const { clientId, user, scopes, roles } = factsOf(claims);
  if (policy.allowedClientIds.length > 0) {
    if (!clientId) throw fail('client_id_missing');
    if (!policy.allowedClientIds.includes(clientId)) throw fail('client');
  }
  if (policy.requireCertificateCredential) {
    const acr = tokenVersion(claims) === '1.0' ? claims.appidacr : claims.azpacr;
    if (acr !== '2') throw fail('certificate_credential');
  }
  if (policy.tokenKind === 'app' && user) throw fail('app_only');
  if (policy.tokenKind === 'user' && !user) throw fail('user_only');
  for (const rule of policy.requiredClaims) {
    const present = new Set(claimValues(claims[rule.claim], rule.separator));
    const ok =
      rule.match === 'all'
        ? rule.values.every((v) => present.has(v))
        : rule.values.some((v) => present.has(v));
    if (!ok) throw fail('required_claim');
  }
  if (policy.requiredScopes.length > 0) {
    if (!policy.requiredScopes.every((s) => scopes.includes(s))) {
      throw new ValidationFailure('scope', {
        scope: policy.requiredScopes.join(' '),
      });
    }
  }
  if (policy.requiredRoles.length > 0) {
    const ok =
      policy.rolesMatch === 'all'
        ? policy.requiredRoles.every((r) => roles.includes(r))
        : policy.requiredRoles.some((r) => roles.includes(r));
    if (!ok) {
      throw new ValidationFailure('role', {
        scope: policy.requiredRoles.join(' '),
      });
    }
  }
}
