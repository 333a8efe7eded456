import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { reusedToken } from '../../../shared/inventory/reused-token.js';

const MINUTE = 60_000;

/** A credential that counts its calls and answers tokens expiring `lifetime` after `now()`. */
function counting(now: () => number, lifetime = 60 * MINUTE, extra: Partial<AccessToken> = {}) {
  const calls: Array<{ scopes: string | string[]; claims?: string }> = [];
  let fail = false;
  const credential: TokenCredential = {
    async getToken(scopes, options) {
      calls.push({ scopes, ...(options?.claims ? { claims: options.claims } : {}) });
      if (fail) throw new Error('token endpoint down');
      return { token: `t${calls.length}`, expiresOnTimestamp: now() + lifetime, ...extra };
    },
  };
  return { credential, calls, failNext: (value: boolean) => (fail = value) };
}

describe('reusedToken', () => {
  it('answers repeated calls with one token until five minutes before it expires', async () => {
    let now = 0;
    const source = counting(() => now);
    const reused = reusedToken(source.credential, () => now);
    expect((await reused.getToken('https://graph.microsoft.com/.default'))?.token).toBe('t1');
    now = 54 * MINUTE;
    expect((await reused.getToken('https://graph.microsoft.com/.default'))?.token).toBe('t1');
    now = 55 * MINUTE;
    expect((await reused.getToken('https://graph.microsoft.com/.default'))?.token).toBe('t2');
    expect(source.calls).toHaveLength(2);
  });

  it('renews at refreshAfterTimestamp when the identity library gives one', async () => {
    let now = 0;
    const source = counting(() => now, 60 * MINUTE, { refreshAfterTimestamp: 30 * MINUTE });
    const reused = reusedToken(source.credential, () => now);
    await reused.getToken('s');
    now = 30 * MINUTE;
    expect((await reused.getToken('s'))?.token).toBe('t2');
  });

  it('shares one request among concurrent callers, keeps scopes apart, and sends claims challenges through', async () => {
    const source = counting(() => 0);
    const reused = reusedToken(source.credential, () => 0);
    const [a, b] = await Promise.all([reused.getToken('s'), reused.getToken('s')]);
    expect([a?.token, b?.token]).toEqual(['t1', 't1']);
    expect((await reused.getToken(['other']))?.token).toBe('t2');
    expect((await reused.getToken('s', { claims: 'challenge' }))?.token).toBe('t3');
    expect(source.calls).toHaveLength(3);
  });

  it('does not keep a failure: the next call asks again', async () => {
    const source = counting(() => 0);
    const reused = reusedToken(source.credential, () => 0);
    source.failNext(true);
    await expect(reused.getToken('s')).rejects.toThrow('token endpoint down');
    source.failNext(false);
    expect((await reused.getToken('s'))?.token).toBe('t2');
  });
});
