import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ValidationFailure } from '../../../shared/validation/errors.js';
import type { PolicyInput } from '../../../shared/validation/policy.js';
import {
  API_CLIENT_ID,
  APP_ID_URI,
  CLIENT_ID,
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  OTHER_TENANT,
  rawSign,
  type SigningPair,
  startFakeIdp,
  TENANT,
  userClaims,
} from '../../helpers/fake-idp.js';
import { testVerifier } from '../../helpers/verifier.js';

let idp: FakeIdp;
let key: SigningPair;
let stranger: SigningPair;
let nowMs = Date.UTC(2026, 0, 1, 12);
const clock = () => nowMs;
const nowSeconds = () => Math.floor(nowMs / 1000);

function verifier(cache = true) {
  return testVerifier(clock, { maxEntries: cache ? 100 : 0, maxBytes: 1_000_000 });
}

beforeAll(async () => {
  key = await newKey('k1');
  stranger = await newKey('k1'); // same kid, different key: a forgery
  idp = await startFakeIdp([key]);
});
afterAll(() => idp.close());

interface Case {
  name: string;
  policy?: Partial<PolicyInput>;
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  version?: '1.0' | '2.0';
  signer?: () => SigningPair;
  /** Rewrites the JSON text of the header or claims before signing (what jose will not produce). */
  json?: { header?: (text: string) => string; claims?: (text: string) => string };
  /** undefined = accepted; otherwise [status, description]. */
  expect?: [number, string];
}

const cases: Case[] = [
  { name: 'a valid v2 app token' },
  { name: 'a valid v1 app token (App ID URI with trailing slash)', version: '1.0' },
  { name: 'v1 audience without trailing slash', version: '1.0', claims: { aud: APP_ID_URI } },
  {
    name: 'v1 audience with two trailing slashes',
    version: '1.0',
    claims: { aud: `${APP_ID_URI}//` },
    expect: [401, 'audience not accepted'],
  },
  { name: 'v1 audience as the client id', version: '1.0', claims: { aud: API_CLIENT_ID } },
  { name: 'audience array with one accepted value', claims: { aud: ['other', API_CLIENT_ID] } },
  {
    name: 'wrong audience',
    claims: { aud: '00000003-0000-0000-c000-000000000000' },
    expect: [401, 'audience not accepted'],
  },
  {
    name: 'v1 token against a v2-only policy',
    version: '1.0',
    policy: { versions: ['2.0'] },
    expect: [401, 'token version not accepted'],
  },
  { name: 'missing ver', claims: { ver: undefined }, expect: [401, 'token version not accepted'] },
  { name: 'tenant not in the list', claims: { tid: OTHER_TENANT }, expect: [401, 'tenant not accepted'] },
  { name: 'tid not a GUID', claims: { tid: '../../etc' }, expect: [401, 'tenant not accepted'] },
  {
    // Any tenant may call, so only the issuer check can see that tid and iss disagree.
    name: 'tid does not match iss',
    policy: { tenants: 'any' },
    claims: { tid: OTHER_TENANT, iss: 'base:TENANT' },
    expect: [401, 'issuer not accepted'],
  },
  {
    name: 'issuer of another tenant with our tid',
    claims: { iss: 'base:OTHER_TENANT' },
    expect: [401, 'issuer not accepted'],
  },
  {
    name: 'our tenant on another authority',
    claims: { iss: `https://login.microsoftonline.com/${TENANT}/v2.0` },
    expect: [401, 'issuer not accepted'],
  },
  {
    name: 'v1 issuer on a v2 token',
    claims: { iss: `https://sts.windows.net/${TENANT}/` },
    expect: [401, 'issuer not accepted'],
  },
  { name: 'any tenant accepted', policy: { tenants: 'any' } },
  {
    name: 'any tenant with allow-list excluding it',
    policy: { tenants: 'any', allowedTenants: [OTHER_TENANT] },
    expect: [401, 'tenant not accepted'],
  },
  { name: 'client allowed', policy: { allowedClientIds: [CLIENT_ID] } },
  {
    name: 'client not allowed',
    policy: { allowedClientIds: ['someone-else'] },
    expect: [401, 'client not allowed'],
  },
  { name: 'v1 client via appid', version: '1.0', policy: { allowedClientIds: [CLIENT_ID] } },
  // The client id claim by version (Entra: azp on v2, appid on v1), never one for the other.
  {
    name: 'v2 without azp but with an allowed appid',
    policy: { allowedClientIds: [CLIENT_ID] },
    claims: { azp: undefined, appid: CLIENT_ID },
    expect: [401, 'token lacks the client id claim of its version (azp on v2, appid on v1)'],
  },
  {
    name: 'v1 without appid but with an allowed azp',
    version: '1.0',
    policy: { allowedClientIds: [CLIENT_ID] },
    claims: { appid: undefined, azp: CLIENT_ID },
    expect: [401, 'token lacks the client id claim of its version (azp on v2, appid on v1)'],
  },
  {
    name: 'v2: azp is the client, whatever appid says',
    policy: { allowedClientIds: [CLIENT_ID] },
    claims: { appid: 'someone-else' },
  },
  {
    name: 'v2: an allowed appid does not stand in for a disallowed azp',
    policy: { allowedClientIds: [CLIENT_ID] },
    claims: { azp: 'someone-else', appid: CLIENT_ID },
    expect: [401, 'client not allowed'],
  },
  {
    name: 'v1: an allowed azp does not stand in for a disallowed appid',
    version: '1.0',
    policy: { allowedClientIds: [CLIENT_ID] },
    claims: { appid: 'someone-else', azp: CLIENT_ID },
    expect: [401, 'client not allowed'],
  },
  { name: 'v2 without azp where no client rule applies', claims: { azp: undefined } },
  // Duplicate member names (RFC 7515 §4, RFC 7519 §4): refused, never first- or last-wins.
  {
    name: 'claims repeat aud (first value foreign)',
    json: { claims: (text) => `{"aud":"api://someone-else",${text.slice(1)}` },
    expect: [401, 'token claims repeat a member name'],
  },
  {
    name: 'claims repeat aud with the same value',
    json: { claims: (text) => `{"aud":"${API_CLIENT_ID}",${text.slice(1)}` },
    expect: [401, 'token claims repeat a member name'],
  },
  {
    name: 'claims repeat azp, spelled with a unicode escape',
    json: { claims: (text) => `{"\\u0061zp":"someone-else",${text.slice(1)}` },
    expect: [401, 'token claims repeat a member name'],
  },
  {
    name: 'claims repeat a member inside a nested object',
    json: { claims: (text) => `{"cnf":{"kid":"a","kid":"b"},${text.slice(1)}` },
    expect: [401, 'token claims repeat a member name'],
  },
  {
    name: 'header repeats alg',
    json: { header: (text) => `{"alg":"none",${text.slice(1)}` },
    expect: [401, 'token header repeats a member name'],
  },
  {
    name: 'header repeats kid',
    json: { header: (text) => `{"kid":"other",${text.slice(1)}` },
    expect: [401, 'token header repeats a member name'],
  },
  {
    name: 'the same name in two objects is no repeat',
    json: { claims: (text) => `{"a":{"x":1},"b":[{"x":2},{"x":3}],${text.slice(1)}` },
  },
  {
    name: 'a name-like string in a value or an odd member name is no repeat',
    claims: { note: 'x", "aud": "evil', 'odd":"name': '\\":', list: ['"aud":'] },
  },
  { name: 'certificate credential present', policy: { requireCertificateCredential: true } },
  {
    name: 'secret credential where certificate required',
    policy: { requireCertificateCredential: true },
    claims: { azpacr: '1' },
    expect: [401, 'certificate credential required'],
  },
  {
    name: 'v1 appidacr 1 where certificate required',
    version: '1.0',
    policy: { requireCertificateCredential: true },
    claims: { appidacr: '1' },
    expect: [401, 'certificate credential required'],
  },
  {
    name: 'required scopes all present',
    policy: { requiredScopes: ['Tokens.Read', 'Tokens.Write'] },
    claims: userClaims(),
  },
  {
    name: 'one required scope missing',
    policy: { requiredScopes: ['Tokens.Read', 'Admin'] },
    claims: userClaims(),
    expect: [403, 'required scope missing'],
  },
  { name: 'roles all present', policy: { requiredRoles: ['Tokens.Read'] } },
  {
    name: 'roles all: one missing',
    policy: { requiredRoles: ['Tokens.Read', 'Tokens.Write'] },
    expect: [403, 'required role missing'],
  },
  {
    name: 'roles any: one present',
    policy: { requiredRoles: ['Tokens.Read', 'Tokens.Write'], rolesMatch: 'any' },
  },
  {
    name: 'roles any: none present',
    policy: { requiredRoles: ['X'], rolesMatch: 'any' },
    expect: [403, 'required role missing'],
  },
  {
    name: 'required claim all with separator',
    policy: { requiredClaims: [{ claim: 'scp', values: ['Tokens.Read', 'Tokens.Write'], separator: ' ' }] },
    claims: userClaims(),
  },
  {
    name: 'required claim all: one missing',
    policy: { requiredClaims: [{ claim: 'scp', values: ['Tokens.Read', 'Nope'], separator: ' ' }] },
    claims: userClaims(),
    expect: [401, 'required claim not satisfied'],
  },
  {
    name: 'required claim any',
    policy: { requiredClaims: [{ claim: 'roles', values: ['Nope', 'Tokens.Read'], match: 'any' }] },
  },
  {
    name: 'required claim absent',
    policy: { requiredClaims: [{ claim: 'department', values: ['x'] }] },
    expect: [401, 'required claim not satisfied'],
  },
  { name: 'app kind accepts app token', policy: { tokenKind: 'app' } },
  {
    name: 'user kind rejects app token',
    policy: { tokenKind: 'user' },
    expect: [401, 'user token required'],
  },
  {
    name: 'app kind rejects user token',
    policy: { tokenKind: 'app' },
    claims: userClaims(),
    expect: [401, 'app-only token required'],
  },
  {
    name: 'kind from scp when idtyp absent',
    policy: { tokenKind: 'user' },
    claims: { ...userClaims(), idtyp: undefined },
  },
  { name: 'expired beyond skew', claims: { exp: -120 }, expect: [401, 'token expired'] },
  { name: 'expired within default skew (60 s)', claims: { exp: -30 } },
  {
    name: 'expired beyond zero skew',
    policy: { clockSkewSeconds: 0 },
    claims: { exp: -1 },
    expect: [401, 'token expired'],
  },
  { name: 'nbf in the future', claims: { nbf: 600 }, expect: [401, 'token not yet valid'] },
  { name: 'iat in the future', claims: { iat: 600 }, expect: [401, 'token issued in the future'] },
  { name: 'no exp', claims: { exp: undefined }, expect: [401, 'token has no expiry'] },
  { name: 'no nbf', claims: { nbf: undefined }, expect: [401, 'token has no not-before time'] },
  { name: 'no nbf allowed by policy', policy: { requireNbf: false }, claims: { nbf: undefined } },
  { name: 'string exp', claims: { exp: 'tomorrow' }, expect: [401, 'expiry is malformed'] },
  {
    name: 'max age exceeded',
    policy: { maxTokenAgeSeconds: 60 },
    claims: { iat: -600 },
    expect: [401, 'token too old'],
  },
  { name: 'max age ok', policy: { maxTokenAgeSeconds: 600 } },
  { name: 'signed by a stranger with our kid', signer: () => stranger, expect: [401, 'signature invalid'] },
  {
    name: 'algorithm outside allow-list',
    policy: { algorithms: ['PS256'] },
    expect: [401, 'algorithm not accepted'],
  },
  { name: 'unknown kid', header: { kid: 'nope' }, expect: [401, 'signing key not found'] },
  {
    name: 'crit header',
    header: { crit: ['exp'] },
    expect: [401, 'critical header parameters are not supported'],
  },
  {
    name: 'nested JWT content type',
    header: { cty: 'JWT' },
    expect: [401, 'nested tokens are not accepted'],
  },
  {
    name: 'max size',
    policy: { maxTokenBytes: 600 },
    claims: { pad: 'x'.repeat(800) },
    expect: [401, 'token too large'],
  },
];

async function decodeClaims(c: Case, claims: Record<string, unknown>) {
  const token = await mint(key, {
    nowSeconds: nowSeconds(),
    base: idp.base,
    claims,
    ...(c.version ? { version: c.version } : {}),
  });
  return decodeJwt(token);
}

/** Claims given as small numbers are offsets from now (times only). */
function resolveTimes(claims: Record<string, unknown> = {}): Record<string, unknown> {
  const out = { ...claims };
  for (const name of ['exp', 'nbf', 'iat']) {
    const value = out[name];
    if (typeof value === 'number' && Math.abs(value) < 100_000) out[name] = nowSeconds() + value;
  }
  return out;
}

describe('verifier rules (table-driven)', () => {
  it.each(cases)('$name', async (c) => {
    const policy = makePolicy(idp, c.policy);
    const claims = resolveTimes(c.claims);
    // Issuers on this run's IdP (its port is known only now).
    if (claims.iss === 'base:TENANT') claims.iss = `${idp.base}/${TENANT}/v2.0`;
    if (claims.iss === 'base:OTHER_TENANT') claims.iss = `${idp.base}/${OTHER_TENANT}/v2.0`;
    const rawHeader = { alg: 'RS256', typ: 'JWT', kid: 'k1', ...c.header };
    const token = c.json
      ? rawSign(
          key,
          (c.json.header ?? ((t) => t))(JSON.stringify(rawHeader)),
          (c.json.claims ?? ((t) => t))(JSON.stringify(await decodeClaims(c, claims))),
        )
      : c.header?.crit
        ? rawSign(key, rawHeader, await decodeClaims(c, claims))
        : await mint(c.signer?.() ?? key, {
            nowSeconds: nowSeconds(),
            base: idp.base,
            ...(c.version ? { version: c.version } : {}),
            claims,
            ...(c.header ? { header: c.header } : {}),
          });
    const run = verifier(false).verify(token, policy);
    if (!c.expect) {
      const result = await run;
      expect(result.claims.tid).toBe(claims.tid ?? TENANT);
      return;
    }
    const error = (await run.then(
      () => undefined,
      (e: unknown) => e,
    )) as ValidationFailure;
    expect(error?.name).toBe('ValidationFailure');
    expect([error.status, error.description]).toEqual(c.expect);
    expect(error.description).not.toContain(token.slice(0, 20));
  });

  it('checks a JWKS key`s own issuer (multi-tenant keys)', async () => {
    idp.extra.k1 = { issuer: `${idp.base}/${OTHER_TENANT}/v2.0` };
    try {
      const token = await mint(key, { nowSeconds: nowSeconds(), base: idp.base });
      const v = verifier(false);
      await expect(v.verify(token, makePolicy(idp))).rejects.toMatchObject({
        description: 'signing key not valid for this issuer',
      });
      idp.extra.k1 = { issuer: `${idp.base}/{tenantid}/v2.0` };
      const ok = await verifier(false).verify(token, makePolicy(idp, { tenants: 'any' }));
      expect(ok.claims.tid).toBe(TENANT);
    } finally {
      delete idp.extra.k1;
    }
  });

  it('uses the explicit issuer template over the metadata issuer', async () => {
    const token = await mint(key, {
      nowSeconds: nowSeconds(),
      base: idp.base,
      claims: { iss: `https://issuer.example/${TENANT}` },
    });
    const policy = makePolicy(idp, { issuers: { v2: 'https://issuer.example/{tenantid}' } });
    expect((await verifier(false).verify(token, policy)).claims.iss).toBe(`https://issuer.example/${TENANT}`);
  });

  it('caches verified tokens but still runs time and policy checks on a hit', async () => {
    const v = verifier(true);
    const token = await mint(key, {
      nowSeconds: nowSeconds(),
      base: idp.base,
      claims: { exp: nowSeconds() + 120 },
    });
    expect((await v.verify(token, makePolicy(idp))).cacheHit).toBe(false);
    expect((await v.verify(token, makePolicy(idp))).cacheHit).toBe(true);
    await expect(v.verify(token, makePolicy(idp, { requiredRoles: ['Admin'] }))).rejects.toMatchObject({
      status: 403,
    });
    await expect(v.verify(token, makePolicy(idp, { versions: ['1.0'] }))).rejects.toMatchObject({
      status: 401,
    });
    // The algorithm allow-list is per policy (RFC 8725 §3.1), so it applies to cache hits too.
    await expect(v.verify(token, makePolicy(idp, { algorithms: ['PS256'] }))).rejects.toMatchObject({
      description: 'algorithm not accepted',
    });
    await expect(v.verify(token, makePolicy(idp, { maxTokenBytes: 512 }))).rejects.toMatchObject({
      description: 'token too large',
    });
    await expect(
      v.verify(token, makePolicy(idp, { issuers: { v2: 'https://other.example/{tenantid}' } })),
    ).rejects.toMatchObject({ description: 'issuer not accepted' });
    nowMs += 200_000;
    try {
      await expect(v.verify(token, makePolicy(idp))).rejects.toMatchObject({ description: 'token expired' });
    } finally {
      nowMs -= 200_000;
    }
  });

  it('answers cached tokens without waiting (verifyCached) and leaves the rest to verify()', async () => {
    const v = verifier(true);
    const policy = makePolicy(idp);
    const token = await mint(key, { nowSeconds: nowSeconds(), base: idp.base });
    expect(v.verifyCached(token, policy)).toBeUndefined();
    await v.verify(token, policy);
    expect(v.verifyCached(token, policy)?.cacheHit).toBe(true);
    expect(() => v.verifyCached(token, makePolicy(idp, { requiredRoles: ['Admin'] }))).toThrow(
      expect.objectContaining({ status: 403, description: 'required role missing' }),
    );
    expect(() => v.verifyCached(token, makePolicy(idp, { maxTokenBytes: 512 }))).toThrow(
      expect.objectContaining({ description: 'token too large' }),
    );
    // Another authority means another key set: its signature check has not happened yet.
    const elsewhere = makePolicy(idp, { instance: 'https://login.example/' });
    expect(v.verifyCached(token, elsewhere)).toBeUndefined();
  });

  it('a cached token is refused with 503 once its issuer`s keys are past last-known-good', async () => {
    const v = verifier(true);
    const policy = makePolicy(idp);
    const token = await mint(key, {
      nowSeconds: nowSeconds(),
      base: idp.base,
      claims: { exp: nowSeconds() + 3 * 86_400 },
    });
    await v.verify(token, policy);
    const started = nowMs;
    idp.mode = 'fail';
    try {
      nowMs += 43_200_000; // the 12 h refresh is due: it runs in the background and fails
      expect(v.verifyCached(token, policy)?.cacheHit).toBe(true);
      nowMs = started + 86_400_001;
      // Once the background refresh has failed, the held keys are past last-known-good.
      await vi.waitFor(() =>
        expect(() => v.verifyCached(token, policy)).toThrow(
          expect.objectContaining({ code: 'unavailable', status: 503 }),
        ),
      );
    } finally {
      idp.mode = 'ok';
      nowMs = started;
    }
  });
});
