import { describe, expect, it } from 'vitest';
import { extractToken, type TokenSource } from '../../../shared/validation/request.js';

const FORM = 'application/x-www-form-urlencoded';

function source(authorization: string | null, query = '', body?: string, contentType = FORM): TokenSource {
  return { authorization, contentType, query: new URLSearchParams(query), body };
}

/** The token, undefined, or the failure's reason. */
function extracted(from: TokenSource): string | undefined {
  try {
    return extractToken(from);
  } catch (error) {
    return `fails: ${(error as { reason: string }).reason}`;
  }
}

describe('extractToken (RFC 6750 §2)', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['  Bearer abc', 'abc'],
    ['Bearer\tabc', 'abc'],
    ['Bearer', 'fails: empty_token'],
    ['Bearer ', 'fails: empty_token'],
    ['Bearer    ', 'fails: empty_token'],
    ['Bearerabc', undefined],
    ['Basic dXNlcjpwYXNz', undefined],
    ['', undefined],
    ['   ', undefined],
  ])('the header %j gives %j', (header, expected) => {
    expect(extracted(source(header))).toBe(expected);
  });

  it.each([
    ['a query token', source(null, 'access_token=q'), 'q'],
    ['an empty query token', source(null, 'access_token='), 'fails: empty_access_token'],
    ['two query tokens', source(null, 'access_token=a&access_token=b'), 'fails: duplicate_token'],
    ['a form token', source(null, '', 'access_token=f'), 'f'],
    ['a form token in a JSON body', source(null, '', 'access_token=f', 'application/json'), undefined],
    ['two form tokens', source(null, '', 'access_token=a&access_token=b'), 'fails: duplicate_token'],
    ['header and query', source('Bearer h', 'access_token=q'), 'fails: several_methods'],
    ['header and an empty query token', source('Bearer h', 'access_token='), 'fails: several_methods'],
    ['query and form', source(null, 'access_token=q', 'access_token=f'), 'fails: several_methods'],
    ['another query parameter', source('Bearer h', 'token=q'), 'h'],
    ['nothing', source(null), undefined],
  ])('%s', (_name, from, expected) => {
    expect(extracted(from)).toBe(expected);
  });
});
