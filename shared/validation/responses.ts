import type { PlainResponse } from '../platform/problem.js';
import { type Claims, clientIdOf, factsOf, isUserToken, scopesOf, type TokenFacts } from './claims.js';
import type { ValidationFailure } from './errors.js';
import type { Policy } from './policy.js';

/**
 * Response shapes, independent of the Functions SDK: `/api/validate` (OpenAM/Mule-compatible body,
 * X-AGW-* headers, RFC 6750 challenges) and `/api/introspect` (RFC 7662).
 */
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The user id exposed to gateways: `oid` (immutable), else `sub`. */
export const userIdOf = (claims: Claims): string | undefined => str(claims.oid) ?? str(claims.sub);

const MAX_HEADER_VALUE = 1024;

/**
 * A claim value as a header value: printable ASCII passes, anything else is percent-encoded (UTF-8),
 * arrays are comma-joined (commas inside an element are encoded), objects, oversize values and
 * strings that are not well-formed UTF-16 are rejected (undefined: the header is not sent). Never
 * raw: no CR, LF or control characters.
 */
export function headerSafe(value: unknown): string | undefined {
  const one = (item: unknown): string | undefined => {
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    if (typeof item !== 'string') return undefined;
    if (/^[\x20-\x2b\x2d-\x7e]*$/.test(item)) return item;
    try {
      return encodeURIComponent(item);
    } catch {
      return undefined; // a lone surrogate (JSON allows "\ud800"): no header rather than a 500
    }
  };
  let out: string | undefined;
  if (Array.isArray(value)) {
    const parts = value.map(one);
    if (parts.some((p) => p === undefined)) return undefined;
    out = parts.join(',');
  } else {
    out = one(value);
  }
  if (out === undefined || out.length > MAX_HEADER_VALUE) return undefined;
  return out.trim();
}

export function validateSuccess(claims: Claims, policy: Policy, nowSeconds: number): PlainResponse {
  const facts = factsOf(claims);
  const expiresIn = typeof claims.exp === 'number' ? Math.max(0, claims.exp - nowSeconds) : undefined;
  const body =
    policy.selectedClaims.length === 0 && expiresIn !== undefined
      ? renderedBody(claims, facts, expiresIn)
      : JSON.stringify(successBody(claims, facts, policy.selectedClaims, expiresIn));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  };
  const identity = headerSafe(facts.user ? userIdOf(claims) : facts.clientId);
  if (identity) headers[facts.user ? policy.headers.userId : policy.headers.clientId] = identity;
  for (const [header, claim] of Object.entries(policy.headers.claims)) {
    const value = headerSafe(claims[claim]);
    if (value !== undefined && value !== '') headers[header] = value;
  }
  return { status: 200, headers, body };
}

function successBody(
  claims: Claims,
  facts: TokenFacts,
  selectedClaims: string[],
  expiresIn: number | undefined,
): Record<string, unknown> {
  const selected: Record<string, unknown> = {};
  for (const name of selectedClaims) if (claims[name] !== undefined) selected[name] = claims[name];
  // Selected claims come first; the fields below override any of the same name.
  const body: Record<string, unknown> = {
    ...selected,
    active: true,
    client_id: facts.clientId,
    token_type: 'Bearer',
    expires_in: expiresIn,
    tid: claims.tid,
    ver: claims.ver,
    scope: facts.scopes,
    roles: facts.roles,
  };
  if (!facts.user) body.grant_type = 'client_credentials';
  else {
    const uid = userIdOf(claims);
    const mail = str(claims.email) ?? str(claims.upn) ?? str(claims.preferred_username);
    if (uid) body.uid = uid;
    if (mail) body.mail = mail;
    if (str(claims.name)) body.cn = claims.name;
  }
  return body;
}

const EXPIRES = '"expires_in":';
const renderedByClaims = new WeakMap<Claims, { head: string; tail: string }>();

/**
 * successBody() without selected claims, as JSON rendered once per claims object (a cached token's
 * are the same object on every hit) around the one value that changes, `expires_in`. Its key
 * occurs once: every other member is a string, a string array or a fixed value.
 */
function renderedBody(claims: Claims, facts: TokenFacts, expiresIn: number): string {
  let parts = renderedByClaims.get(claims);
  if (!parts) {
    const text = JSON.stringify(successBody(claims, facts, [], 0));
    const at = text.indexOf(`${EXPIRES}0`) + EXPIRES.length;
    parts = { head: text.slice(0, at), tail: text.slice(at + 1) };
    renderedByClaims.set(claims, parts);
  }
  return parts.head + expiresIn + parts.tail;
}

/** RFC 6750 §3 challenge. Descriptions are fixed strings of ours, never token content. */
export function challenge(realm: string, failure?: ValidationFailure): string {
  let value = `Bearer realm="${realm}"`;
  if (failure && failure.code !== 'unavailable') {
    value += `, error="${failure.code}", error_description="${failure.description}"`;
    if (failure.scope) value += `, scope="${failure.scope}"`;
  }
  return value;
}

export function noTokenResponse(realm: string): PlainResponse {
  return {
    status: 401,
    headers: { ...JSON_HEADERS, 'www-authenticate': challenge(realm) },
    body: JSON.stringify({ active: false }),
  };
}

export function validateFailure(
  failure: ValidationFailure,
  policy: Policy | undefined,
  realm: string,
): PlainResponse {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  let status = failure.status;
  if (failure.code === 'unavailable') {
    headers['retry-after'] = String(failure.retryAfterSeconds ?? 30);
  } else {
    headers['www-authenticate'] = challenge(realm, failure);
    if (policy?.failedValidationStatus && (status === 401 || status === 403))
      status = policy.failedValidationStatus;
  }
  const body: Record<string, unknown> = {
    active: false,
    error: failure.code,
    error_description: failure.description,
  };
  if (failure.scope) body.scope = failure.scope;
  return { status, headers, body: JSON.stringify(body) };
}

/** RFC 7662 §2.2 response for an active token. */
export function introspectionActive(claims: Claims): PlainResponse {
  const body = {
    active: true,
    scope: scopesOf(claims).join(' ') || undefined,
    client_id: clientIdOf(claims),
    username: isUserToken(claims)
      ? (str(claims.preferred_username) ?? str(claims.upn) ?? str(claims.email))
      : undefined,
    token_type: 'Bearer',
    exp: claims.exp,
    iat: claims.iat,
    nbf: claims.nbf,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    jti: str(claims.jti) ?? str(claims.uti),
  };
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

/** RFC 7662 §2.2: an inactive token gives exactly this, nothing more. */
export const introspectionInactive = (): PlainResponse => ({
  status: 200,
  headers: JSON_HEADERS,
  body: '{"active":false}',
});

/** RFC 6749 §5.2-shaped error for the OAuth endpoints (introspection, revocation). */
export function oauthError(
  status: number,
  error: string,
  description: string,
  retryAfter?: number,
): PlainResponse {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  return { status, headers, body: JSON.stringify({ error, error_description: description }) };
}
