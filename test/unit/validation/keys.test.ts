import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFetchJson } from '../../../shared/validation/http-json.js';
import { IssuerKeySet } from '../../../shared/validation/keys.js';
import { type FakeIdp, newKey, type SigningPair, startFakeIdp, TENANT } from '../../helpers/fake-idp.js';

let idp: FakeIdp;
let k1: SigningPair;
let now = 1_000_000_000_000;
const clock = () => now;

function keySet() {
  return new IssuerKeySet(`${idp.base}/${TENANT}/v2.0/.well-known/openid-configuration`, {
    fetchJson: createFetchJson({ timeoutMs: 2000 }),
    clock,
    refreshMs: 43_200_000,
    unknownKidRefreshMs: 300_000,
    lastKnownGoodMs: 86_400_000,
  });
}

beforeAll(async () => {
  k1 = await newKey('k1');
  idp = await startFakeIdp([k1]);
});
afterAll(() => idp.close());

describe('IssuerKeySet', () => {
  it('coalesces concurrent first loads into one fetch (single-flight)', async () => {
    idp.mode = 'ok';
    idp.keys = [k1];
    const before = idp.requests.jwks;
    const set = keySet();
    const results = await Promise.all(Array.from({ length: 50 }, () => set.keyFor('k1')));
    expect(results.every((k) => k?.kid === 'k1')).toBe(true);
    expect(idp.requests.jwks - before).toBe(1);
  });

  it('refreshes once for an unknown kid, then not again within 5 minutes', async () => {
    idp.keys = [k1];
    const set = keySet();
    await set.keyFor('k1');
    const before = idp.requests.jwks;
    const misses = await Promise.all(Array.from({ length: 100 }, (_, i) => set.keyFor(`random-${i}`)));
    expect(misses.every((k) => k === undefined)).toBe(true);
    expect(idp.requests.jwks - before).toBe(1);
    const k2 = await newKey('k2');
    idp.keys = [k1, k2];
    expect(await set.keyFor('k2')).toBeUndefined(); // still within the 5-minute floor
    now += 300_000;
    expect((await set.keyFor('k2'))?.kid).toBe('k2');
    expect(idp.requests.jwks - before).toBe(2);
  });

  it('refreshes in the background after 12 h without blocking', async () => {
    idp.keys = [k1];
    const set = keySet();
    await set.current();
    const loadedAt = now;
    const before = idp.requests.jwks;
    now += 43_200_000;
    const release = idp.holdJwks();
    try {
      const answered = set.current().then((snapshot) => ({ snapshot }));
      // The refresh is under way: its JWKS request has reached the IdP, which holds the answer.
      await vi.waitFor(() => expect(idp.requests.jwks - before).toBe(1));
      const first = await Promise.race([
        answered,
        new Promise<'still waiting'>((resolve) => setImmediate(() => resolve('still waiting'))),
      ]);
      expect(first).not.toBe('still waiting');
      expect((first as Awaited<typeof answered>).snapshot.loadedAt).toBe(loadedAt); // the held keys
    } finally {
      release();
    }
    await vi.waitFor(() => expect(set.heldKeys()?.loadedAt).toBe(now));
    expect(idp.requests.jwks - before).toBe(1);
  });

  it('keeps the last good keys during an outage, 503 for unknown kids and after the window', async () => {
    idp.keys = [k1];
    const set = keySet();
    await set.current();
    idp.mode = 'fail';
    now += 43_200_000;
    expect((await set.keyFor('k1'))?.kid).toBe('k1');
    // That started a background refresh; refresh() joins the one in flight rather than starting one.
    const fetches = set.fetches;
    await set.refresh();
    expect(set.fetches).toBe(fetches);
    now += 300_000;
    await expect(set.keyFor('new-kid')).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    now += 86_400_000;
    await expect(set.keyFor('k1')).rejects.toMatchObject({ code: 'unavailable' });
    idp.mode = 'ok';
  });

  it('after a failed refresh, retries once the 30 s back-off has passed (not only at the next 12 h refresh)', async () => {
    idp.mode = 'ok';
    idp.keys = [k1];
    // Last-known-good shorter than the refresh interval: a failure must not leave it stuck on 503.
    const set = new IssuerKeySet(`${idp.base}/${TENANT}/v2.0/.well-known/openid-configuration`, {
      fetchJson: createFetchJson({ timeoutMs: 2000 }),
      clock,
      refreshMs: 43_200_000,
      unknownKidRefreshMs: 300_000,
      lastKnownGoodMs: 3_600_000,
    });
    await set.current();
    idp.mode = 'fail';
    // An unknown kid's refresh fails: 503 for it, the held keys keep working.
    await expect(set.keyFor('rotated-away')).rejects.toMatchObject({ code: 'unavailable' });
    expect((await set.keyFor('k1'))?.kid).toBe('k1');
    idp.mode = 'ok';
    now += 3_600_001;
    const fetches = set.fetches;
    await set.current().catch(() => undefined); // past last-known-good: 503 now, but a refresh starts
    expect(set.fetches).toBe(fetches + 1);
    await vi.waitFor(() => expect(set.heldKeys()?.loadedAt).toBe(now));
    expect((await set.keyFor('k1'))?.kid).toBe('k1');
  });

  it('answers 503 with Retry-After when no keys were ever loaded, and does not hammer', async () => {
    idp.mode = 'fail';
    const set = keySet();
    const before = { ...idp.requests };
    const error = await set.current().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    expect((error as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    await expect(set.current()).rejects.toMatchObject({ code: 'unavailable' });
    expect(set.fetches).toBe(1);
    // One attempt reached the IdP (its discovery request failed, so no JWKS request followed).
    expect(idp.requests).toEqual({ discovery: before.discovery + 1, jwks: before.jwks });
    idp.mode = 'ok';
  });
});
