import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IssuerKeySet } from '../../../shared/validation/keys.js';
import { cacheKeyOf, EXACT_KEY_MAX_CHARS, tokenHash } from '../../../shared/validation/verifier.js';
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

// Issue 19, part 2: the verified-token cache is keyed by the token itself up to EXACT_KEY_MAX_CHARS,
// by its SHA-256 beyond (V8 hashes only the first 16,383 characters' worth: equal-length long keys
// would share one hash), and the bad-signature cache always by the SHA-256.

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
    [1, 'exact'],
    [1500, 'exact'],
    [EXACT_KEY_MAX_CHARS, 'exact'],
    [EXACT_KEY_MAX_CHARS + 1, 'sha256'],
    [16_384, 'sha256'],
    [16_400, 'sha256'],
  ] as const)('a %i-character token is keyed %s', (length, kind) => {
    const token = 'a'.repeat(length);
    const key = cacheKeyOf(token);
    if (kind === 'exact') expect(key).toBe(token);
    else expect(key).toBe(tokenHash(token));
    if (kind === 'sha256') expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a long token hits under its SHA-256, and a string spelling that hash is no hit', async () => {
    const verifier = testVerifier(clock, { maxEntries: 100, maxBytes: 10_000_000 });
    const policy = makePolicy(idp);
    const [long = ''] = tokensOfLength(await baseClaims(), EXACT_KEY_MAX_CHARS + 500, 1);
    expect((await verifier.verify(long, policy)).cacheHit).toBe(false);
    expect(verifier.verifyCached(long, policy)?.cacheHit).toBe(true);
    // The cache holds the long token under tokenHash(long): that 43-character string is not the token.
    expect(verifier.verifyCached(tokenHash(long), policy)).toBeUndefined();
    await expect(verifier.verify(tokenHash(long), policy)).rejects.toMatchObject({ status: 401 });
    // One character changed (the signature's last) is another string: another entry, checked again.
    const altered = `${long.slice(0, -1)}${long.endsWith('A') ? 'B' : 'A'}`;
    expect(verifier.verifyCached(altered, policy)).toBeUndefined();
  });

  it('a short token is its own key: an entry costs its length, and no other string hits it', async () => {
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
    // The entries differ by their claims (counted twice) and by their keys, the tokens themselves.
    const claimsText = (token: string) => JSON.stringify(decodeJwt(token)).length;
    const keys = verifier.cacheStats.bytes - one - one - 2 * (claimsText(longer) - claimsText(short));
    expect(keys).toBe(longer.length - short.length);
    expect(verifier.verifyCached(short, policy)?.cacheHit).toBe(true);
    expect(verifier.verifyCached(`${short} `.trim().concat(''), policy)?.cacheHit).toBe(true);
    expect(verifier.verifyCached(tokenHash(short), policy)).toBeUndefined();
  });

  it('a flood of distinct, equal-length, maximum-size tokens is keyed by hash: each still hits, entries stay small', async () => {
    const verifier = testVerifier(clock, { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
    const policy = makePolicy(idp);
    const flood = tokensOfLength(await baseClaims(), 16_384 - 3, 300);
    expect(new Set(flood.map((token) => token.length)).size).toBe(1);
    for (const token of flood) expect((await verifier.verify(token, policy)).cacheHit).toBe(false);
    expect(verifier.cacheStats.entries).toBe(flood.length);
    // Keyed by the 43-character hash, an entry costs its claims (counted twice) and a little more,
    // not also the 16 KiB token it stands for.
    const perEntry = verifier.cacheStats.bytes / flood.length;
    expect(perEntry).toBeLessThan(2 * JSON.stringify(decodeJwt(flood[0] ?? '')).length + 1000);
    for (const token of flood) expect(verifier.verifyCached(token, policy)?.cacheHit).toBe(true);
    expect(flood.map(cacheKeyOf).every((k) => k.length === 43)).toBe(true);
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
