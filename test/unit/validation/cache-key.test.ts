import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IssuerKeySet } from '../../../shared/validation/keys.js';
import { cacheKeyOf, tokenHash } from '../../../shared/validation/verifier.js';
import {
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  rawSign,
  type SigningPair,
  startFakeIdp,
} from '../../helpers/fake-idp.js';
import { testVerifier } from '../../helpers/verifier.js';

// Issue 19, part 2: the verified-token cache is keyed by the token's signature segment, a hit being
// the entry whose whole token is the presented string (V8 hashes each new key string in full, up to
// 16,383 characters: equal-length longer keys would share one hash, so keys must not be long
// attacker-chosen strings); the bad-signature cache always by the SHA-256.

let idp: FakeIdp;
let key: SigningPair;
let stranger: SigningPair;
let nowMs = Date.UTC(2026, 0, 1, 12);
const clock = () => nowMs;
const nowSeconds = () => Math.floor(nowMs / 1000);

beforeAll(async () => {
  key = await newKey('k1');
  stranger = await newKey('k1'); // same kid, another key: a forgery
  idp = await startFakeIdp([key]);
});
afterAll(() => idp.close());

const header = () => ({ alg: 'RS256', typ: 'JWT', kid: key.kid });

/** A valid token's claims, from the helper, with a fixed-length jti. */
async function baseClaims(): Promise<Record<string, unknown>> {
  return decodeJwt(await mint(key, { nowSeconds: nowSeconds(), base: idp.base })) as Record<string, unknown>;
}

/**
 * Tokens `length` characters long (RS256, 2048-bit), distinct by their `jti` (same length each):
 * the claims get a `pad` claim that brings the whole token to exactly that length.
 */
function tokensOfLength(
  claims: Record<string, unknown>,
  length: number,
  count: number,
  signer = key,
): string[] {
  const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signatureLength = 342;
  const jti = (i: number) => `flood-${String(i).padStart(8, '0')}`;
  let pad = '';
  const unsignedLength = () => `${enc(header())}.${enc({ ...claims, jti: jti(0), pad })}`.length + 1;
  while (unsignedLength() + signatureLength < length) pad += 'x';
  const tokens = Array.from({ length: count }, (_, i) =>
    rawSign(signer, header(), { ...claims, jti: jti(i), pad }),
  );
  for (const token of tokens) expect(token.length).toBeGreaterThanOrEqual(length);
  return tokens;
}

describe('verified-token cache key', () => {
  it.each([
    ['a.b.signature', 'signature'],
    ['a.b.', ''],
    ['no-dots', 'no-dots'],
  ])('%s is keyed %j', (token, key) => {
    expect(cacheKeyOf(token)).toBe(key);
  });

  it('a hit is the exact token: its signature on other claims, an altered one or its hash is no hit', async () => {
    const verifier = testVerifier(clock, { maxEntries: 100, maxBytes: 10_000_000 });
    const policy = makePolicy(idp);
    const [token = ''] = tokensOfLength(await baseClaims(), 1500, 1);
    expect((await verifier.verify(token, policy)).cacheHit).toBe(false);
    expect(verifier.verifyCached(token, policy)?.cacheHit).toBe(true);
    // A copy of the string (as each request brings its own) hits.
    expect(verifier.verifyCached(`${token} `.trim().concat(''), policy)?.cacheHit).toBe(true);
    // The genuine signature on other claims finds the entry's key, is not the token, and fails.
    const [header64 = '', , signature = ''] = token.split('.');
    const claims = { ...(decodeJwt(token) as Record<string, unknown>), roles: ['Admin'] };
    const grafted = `${header64}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    expect(cacheKeyOf(grafted)).toBe(cacheKeyOf(token));
    expect(verifier.verifyCached(grafted, policy)).toBeUndefined();
    await expect(verifier.verify(grafted, policy)).rejects.toMatchObject({ reason: 'signature' });
    // ...and the genuine entry is untouched by it.
    expect(verifier.verifyCached(token, policy)?.claims.roles).toEqual(decodeJwt(token).roles);
    // One character changed (the signature's last) is another string: another key, checked again.
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(verifier.verifyCached(altered, policy)).toBeUndefined();
    expect(verifier.verifyCached(tokenHash(token), policy)).toBeUndefined();
  });

  it('an entry costs its token length: the token is held for the comparison', async () => {
    const verifier = testVerifier(clock, { maxEntries: 100, maxBytes: 10_000_000 });
    const policy = makePolicy(idp);
    const claims = await baseClaims();
    const [short = '', longer = ''] = [
      ...tokensOfLength(claims, 1500, 1),
      ...tokensOfLength({ ...claims, jti: undefined }, 6000, 1),
    ];
    await verifier.verify(short, policy);
    const one = verifier.cacheStats.bytes;
    await verifier.verify(longer, policy);
    // The entries differ by their claims (counted twice) and by their tokens.
    const claimsText = (token: string) => JSON.stringify(decodeJwt(token)).length;
    const tokens = verifier.cacheStats.bytes - one - one - 2 * (claimsText(longer) - claimsText(short));
    expect(tokens).toBe(longer.length - short.length);
  });

  it('a flood of distinct, equal-length, maximum-size tokens: short distinct keys, each token still hits', async () => {
    const verifier = testVerifier(clock, { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
    const policy = makePolicy(idp);
    const flood = tokensOfLength(await baseClaims(), 16_384 - 3, 300);
    expect(new Set(flood.map((token) => token.length)).size).toBe(1);
    for (const token of flood) expect((await verifier.verify(token, policy)).cacheHit).toBe(false);
    expect(verifier.cacheStats.entries).toBe(flood.length);
    for (const token of flood) expect(verifier.verifyCached(token, policy)?.cacheHit).toBe(true);
    // Each key is the token's 342-character RS256 signature, hashed in full by V8: no two share it.
    const keys = flood.map(cacheKeyOf);
    expect(keys.every((k) => k.length === 342)).toBe(true);
    expect(new Set(keys).size).toBe(flood.length);
  });
});

describe('bad-signature cache (negative cache)', () => {
  it.each([
    ['a typical', 1500],
    ['a long', 16_000],
  ])('refuses %s forged token again without fetching its key', async (_name, length) => {
    const verifier = testVerifier(clock, { maxEntries: 100, maxBytes: 10_000_000 });
    const policy = makePolicy(idp);
    const [forged = ''] = tokensOfLength(await baseClaims(), length, 1, stranger);
    const keyFor = vi.spyOn(IssuerKeySet.prototype, 'keyFor');
    try {
      await expect(verifier.verify(forged, policy)).rejects.toMatchObject({ reason: 'signature' });
      expect(keyFor).toHaveBeenCalledTimes(1);
      await expect(verifier.verify(forged, policy)).rejects.toMatchObject({ reason: 'signature' });
      expect(keyFor).toHaveBeenCalledTimes(1);
      // The genuine token with the same claims is not refused with it.
      const [genuine = ''] = tokensOfLength(decodeJwt(forged) as Record<string, unknown>, length, 1);
      expect((await verifier.verify(genuine, policy)).cacheHit).toBe(false);
    } finally {
      keyFor.mockRestore();
    }
  });
});

// Keep the shared clock untouched for other files run in the same worker.
afterAll(() => {
  nowMs = Date.UTC(2026, 0, 1, 12);
});
