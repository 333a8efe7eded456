import { fail } from './errors.js';

/**
 * Where the bearer token comes from (RFC 6750 §2): the Authorization header, the form body field
 * `access_token`, or the `access_token` query parameter (Mule style). Using more than one method,
 * or an empty/ill-formed value, is an invalid_request (400).
 */
export interface TokenSource {
  authorization: string | null;
  contentType: string | null;
  query: URLSearchParams;
  /** The raw body, when the method has one. */
  body: string | undefined;
}

/** The `Bearer` scheme and the whitespace after it (matching only the prefix keeps long tokens cheap). */
const BEARER_SCHEME = /^\s*bearer(?:\s+|$)/i;

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function isForm(contentType: string | null): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** The value after the `Bearer` scheme, trimmed; undefined for a blank header or another scheme. */
function bearerValue(authorization: string): string | undefined {
  // What nearly every gateway sends, without the regex's match array.
  if (authorization.startsWith('Bearer ')) return authorization.slice(7).trim();
  if (authorization.trim() === '') return undefined;
  const scheme = BEARER_SCHEME.exec(authorization);
  return scheme ? authorization.slice(scheme[0].length).trim() : undefined;
}

/**
 * Returns the token, or undefined when the request carries none (401 without an error code). Its
 * characters are checked by checkBearerSyntax.
 */
export function extractToken(source: TokenSource): string | undefined {
  let token: string | undefined;
  let methods = 0;
  if (source.authorization !== null) {
    const value = bearerValue(source.authorization);
    if (value !== undefined) {
      if (!value) throw fail('empty_token');
      token = value;
      methods += 1;
    }
  }
  if (source.query.has('access_token')) {
    const queryValues = source.query.getAll('access_token');
    if (queryValues.length > 1) throw fail('duplicate_token');
    token = queryValues[0] ?? '';
    methods += 1;
  }
  if (source.body !== undefined && source.body.length > 0 && isForm(source.contentType)) {
    const formValues = new URLSearchParams(source.body).getAll('access_token');
    if (formValues.length > 1) throw fail('duplicate_token');
    if (formValues.length === 1) {
      token = formValues[0] ?? '';
      methods += 1;
    }
  }
  if (methods > 1) throw fail('several_methods');
  if (token === undefined) return undefined;
  if (!token) throw fail('empty_access_token');
  return token;
}

/** RFC 6750 §2.1: a bearer token is a b64token (run on every token not already verified and cached). */
export function checkBearerSyntax(token: string): void {
  if (!B64TOKEN.test(token)) throw fail('token_syntax');
}
