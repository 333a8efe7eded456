import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../../shared/validation/policy.js';
import type { TokenSource } from '../../../shared/validation/request.js';
import { headerSafe } from '../../../shared/validation/responses.js';
import { Denylist, memoryDenylistStore } from '../../../shared/validation/revocation.js';
import { ValidationService } from '../../../shared/validation/service.js';
import { aggregateUsage, type UsageRecord, UsageRecorder } from '../../../shared/validation/usage.js';
import {
  CLIENT_ID,
  type FakeIdp,
  makePolicy,
  mint,
  newKey,
  type SigningPair,
  startFakeIdp,
  TENANT,
  userClaims,
} from '../../helpers/fake-idp.js';
import { testVerifier } from '../../helpers/verifier.js';

let idp: FakeIdp;
let key: SigningPair;
let now = Date.UTC(2026, 0, 1, 12);
const clock = () => now;
const written: UsageRecord[][] = [];

function service(overrides: Partial<PolicyInput> = {}, callerPolicy?: string) {
  const store = memoryDenylistStore();
  const usage = new UsageRecorder({
    store: { write: async (_i, records) => void written.push(records), read: async () => [] },
    clock,
    instance: 'test',
  });
  return {
    store,
    usage,
    svc: new ValidationService({
      policies: new Map([
        ['default', makePolicy(idp, overrides)],
        ['strict', makePolicy(idp, { requiredRoles: ['Admin'], failedValidationStatus: 418 }, 'strict')],
        [
          'mapped',
          makePolicy(
            idp,
            {
              headers: {
                clientId: 'X-Client',
                userId: 'X-User',
                claims: { 'X-Roles': 'roles', 'X-Name': 'name' },
              },
              selectedClaims: ['oid'],
            },
            'mapped',
          ),
        ],
      ]),
      verifier: testVerifier(clock),
      denylist: new Denylist({ store, clock, refreshMs: 10_000 }),
      usage,
      clock,
      ...(callerPolicy ? { callerPolicy } : {}),
    }),
  };
}

const src = (over: Partial<TokenSource>): TokenSource => ({
  authorization: null,
  contentType: null,
  query: new URLSearchParams(),
  body: undefined,
  ...over,
});
const bearer = (token: string) => src({ authorization: `Bearer ${token}` });
const form = (body: Record<string, string>) =>
  src({ contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams(body).toString() });

beforeAll(async () => {
  key = await newKey('k1');
  idp = await startFakeIdp([key]);
});
afterAll(() => idp.close());

const token = (claims: Record<string, unknown> = {}) =>
  mint(key, { nowSeconds: Math.floor(now / 1000), base: idp.base, claims });

describe('/api/validate shapes', () => {
  it('200 for an app token with the OpenAM/Mule body and X-AGW-client_id', async () => {
    const { svc } = service();
    const res = await svc.validate(bearer(await token()), 'default');
    expect(res.status).toBe(200);
    expect(res.headers['X-AGW-client_id']).toBe(CLIENT_ID);
    expect(JSON.parse(res.body)).toEqual({
      active: true,
      client_id: CLIENT_ID,
      token_type: 'Bearer',
      expires_in: 3600,
      tid: TENANT,
      ver: '2.0',
      scope: [],
      roles: ['Tokens.Read'],
      grant_type: 'client_credentials',
    });
  });

  it('a cached token answers the same JSON text with expires_in counting down (app and user tokens)', async () => {
    const { svc } = service();
    const app = await token();
    const user = await token(userClaims());
    const expected = (expiresIn: number, fields: Record<string, unknown>) =>
      JSON.stringify({
        active: true,
        client_id: CLIENT_ID,
        token_type: 'Bearer',
        expires_in: expiresIn,
        tid: TENANT,
        ver: '2.0',
        ...fields,
      });
    const appFields = { scope: [], roles: ['Tokens.Read'], grant_type: 'client_credentials' };
    const userFields = {
      scope: ['Tokens.Read', 'Tokens.Write'],
      roles: [],
      uid: '99999999-aaaa-bbbb-cccc-dddddddddddd',
      mail: 'ada@contoso.example',
      cn: 'Ada Lovelace',
    };
    expect((await svc.validate(bearer(app), 'default')).body).toBe(expected(3600, appFields));
    expect((await svc.validate(bearer(user), 'default')).body).toBe(expected(3600, userFields));
    now += 61_000;
    try {
      expect((await svc.validate(bearer(app), 'default')).body).toBe(expected(3539, appFields));
      expect((await svc.validate(bearer(user), 'default')).body).toBe(expected(3539, userFields));
    } finally {
      now -= 61_000;
    }
  });

  it('user tokens give uid/mail/cn and X-AGW-userid; mappings are header-safe', async () => {
    const { svc } = service();
    const t = await token(userClaims({ name: 'Åda\r\nX-Evil: 1', roles: ['a,b', 'c'] }));
    const res = await svc.validate(src({ query: new URLSearchParams({ access_token: t }) }), 'mapped');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      uid: '99999999-aaaa-bbbb-cccc-dddddddddddd',
      mail: 'ada@contoso.example',
      scope: ['Tokens.Read', 'Tokens.Write'],
      oid: body.uid,
    });
    expect(body.grant_type).toBeUndefined();
    expect(res.headers['X-User']).toBe(body.uid);
    expect(res.headers['X-Roles']).toBe('a%2Cb,c');
    expect(res.headers['X-Name']).toBe(encodeURIComponent('Åda\r\nX-Evil: 1'));
    expect(headerSafe({ nested: true })).toBeUndefined();
  });

  it('a claim that is not well-formed UTF-16 (lone surrogate) drops its header instead of failing', async () => {
    const { svc } = service();
    const t = await token(userClaims({ name: 'Ada \ud800' }));
    const res = await svc.validate(bearer(t), 'mapped');
    expect(res.status).toBe(200);
    expect(res.headers['X-Name']).toBeUndefined();
    expect(res.headers['X-User']).toBe('99999999-aaaa-bbbb-cccc-dddddddddddd');
    expect(headerSafe(['ok', '\udc00'])).toBeUndefined();
  });

  it('reads the token from the form body', async () => {
    const { svc } = service();
    const res = await svc.validate(form({ access_token: await token() }), 'default');
    expect(res.status).toBe(200);
  });

  it('no token: 401 with a bare Bearer challenge', async () => {
    const { svc } = service();
    const res = await svc.validate(src({ authorization: 'Basic abc' }), 'default');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
  });

  it('bad token: 401 invalid_token naming the check, never echoing the token', async () => {
    const { svc } = service();
    const t = await token({ aud: 'someone-else' });
    const res = await svc.validate(bearer(t), 'default');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="audience not accepted"',
    );
    expect(res.body + JSON.stringify(res.headers)).not.toContain(t.split('.')[1]);
  });

  it('insufficient scope: 403 with scope, and the per-policy status override', async () => {
    const { svc } = service({ requiredScopes: ['Admin'] });
    const res = await svc.validate(bearer(await token(userClaims())), 'default');
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(res.headers['www-authenticate']).toContain('scope="Admin"');
    const strict = await svc.validate(bearer(await token()), 'strict');
    expect(strict.status).toBe(418);
  });

  it('malformed requests: 400 invalid_request', async () => {
    const { svc } = service();
    const t = await token();
    for (const bad of [
      src({ authorization: 'Bearer ' }),
      src({ authorization: `Bearer ${t}`, query: new URLSearchParams({ access_token: t }) }),
      src({ authorization: 'Bearer a b"c' }),
    ]) {
      const res = await svc.validate(bad, 'default');
      expect(res.status).toBe(400);
      expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
    }
    expect((await svc.validate(bearer(t), 'nope')).status).toBe(404);
  });

  it('no keys at all: 503 with Retry-After, not 401', async () => {
    idp.mode = 'fail';
    try {
      const { svc } = service();
      const res = await svc.validate(bearer(await token()), 'default');
      expect(res.status).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      idp.mode = 'ok';
    }
  });
});

describe('introspection and revocation', () => {
  it('RFC 7662: active shape, and exactly {"active":false} when inactive', async () => {
    const { svc } = service();
    const t = await token(userClaims({ preferred_username: 'ada' }));
    const res = await svc.introspect(form({ token: t, token_type_hint: 'access_token' }));
    expect(JSON.parse(res.body)).toMatchObject({
      active: true,
      scope: 'Tokens.Read Tokens.Write',
      client_id: CLIENT_ID,
      username: 'ada',
      token_type: 'Bearer',
    });
    const inactive = await svc.introspect(form({ token: 'garbage' }));
    expect([inactive.status, inactive.body]).toEqual([200, '{"active":false}']);
    expect((await svc.introspect(src({}))).status).toBe(400);
  });

  it('optional caller authentication: the caller token must pass the caller policy', async () => {
    const { svc } = service({}, 'strict');
    const subject = await token();
    const noCaller = await svc.introspect(form({ token: subject }));
    expect([noCaller.status, noCaller.headers['www-authenticate']]).toEqual([401, 'Bearer realm="api"']);
    const weak = await svc.revoke({ ...form({ token: subject }), authorization: `Bearer ${await token()}` });
    expect(weak.status).toBe(418); // strict policy: role Admin required, failedValidationStatus 418
    const admin = `Bearer ${await token({ roles: ['Admin'] })}`;
    const ok = await svc.introspect({ ...form({ token: subject }), authorization: admin });
    expect(JSON.parse(ok.body).active).toBe(true);
  });

  it('RFC 7009: revoked tokens are rejected; garbage gets 200 and stores nothing', async () => {
    const { svc, store } = service();
    const t = await token();
    const noJti = await token({ jti: undefined });
    expect((await svc.validate(bearer(t), 'default')).status).toBe(200);
    expect((await svc.revoke(form({ token: t }))).status).toBe(200);
    expect((await svc.revoke(form({ token: noJti }))).status).toBe(200);
    expect((await svc.revoke(form({ token: 'not.a.token' }))).status).toBe(200);
    expect(store.entries.map((e) => e.key.split('-')[0])).toEqual(['jti', 'sha256']);
    const res = await svc.validate(bearer(t), 'default');
    expect(res.headers['www-authenticate']).toContain('token revoked');
    expect((await svc.validate(bearer(noJti), 'default')).status).toBe(401);
    expect((await svc.introspect(form({ token: t }))).body).toBe('{"active":false}');
  });

  it('RFC 7009: a revocation that cannot be stored answers 503 temporarily_unavailable with Retry-After', async () => {
    const { svc, store } = service();
    store.add = async () => {
      throw new Error('storage down');
    };
    const res = await svc.revoke(form({ token: await token() }));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(JSON.parse(res.body)).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('a revoked token without jti stays revoked when its signature is re-encoded (base64url, ECDSA s)', async () => {
    // Entra access tokens carry no jti, so the denylist key is a hash. The same signed token has
    // other valid spellings: unused bits of the last base64url character, and (r, n - s) for ECDSA.
    const ec = await newKey('e1', 'ES256');
    idp.keys.push(ec);
    try {
      const { svc } = service({ algorithms: ['RS256', 'ES256'] });
      const rsa = await token({ jti: undefined });
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(rsa.at(-1) ?? '');
      const respelled = `${rsa.slice(0, -1)}${alphabet[last ^ 1]}`;
      expect((await svc.validate(bearer(respelled), 'default')).status).toBe(200);
      expect((await svc.revoke(form({ token: rsa }))).status).toBe(200);
      expect((await svc.validate(bearer(rsa), 'default')).status).toBe(401);
      const res = await svc.validate(bearer(respelled), 'default');
      expect([res.status, res.headers['www-authenticate']]).toEqual([
        401,
        expect.stringContaining('token revoked'),
      ]);

      const es = await mint(ec, {
        nowSeconds: Math.floor(now / 1000),
        base: idp.base,
        claims: { jti: undefined },
        header: { alg: 'ES256' },
      });
      const [h, p, sig] = es.split('.') as [string, string, string];
      const raw = Buffer.from(sig, 'base64url');
      const n = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');
      const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
      const flipped = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
      const twin = `${h}.${p}.${Buffer.concat([raw.subarray(0, 32), flipped]).toString('base64url')}`;
      expect((await svc.validate(bearer(twin), 'default')).status).toBe(200);
      expect((await svc.revoke(form({ token: es }))).status).toBe(200);
      expect((await svc.validate(bearer(twin), 'default')).status).toBe(401);
    } finally {
      idp.keys.pop();
    }
  });

  it('another instance sees a revocation within the refresh interval', async () => {
    const store = memoryDenylistStore();
    const a = new Denylist({ store, clock, refreshMs: 10_000 });
    const b = new Denylist({ store, clock, refreshMs: 10_000 });
    expect(b.revokedNow('jti-x')).toBeUndefined(); // not loaded yet: the caller must wait
    expect(await b.isRevoked('jti-x')).toBe(false);
    expect(b.revokedNow('jti-x')).toBe(false);
    await a.revoke({ key: 'jti-x', exp: Math.floor(now / 1000) + 60 });
    expect(await a.isRevoked('jti-x')).toBe(true);
    expect(a.revokedNow('jti-x')).toBe(true);
    now += 10_000;
    expect(b.revokedNow('jti-x')).toBeUndefined(); // too old to answer without a re-read
    expect(await b.isRevoked('jti-x')).toBe(true);
    expect(b.revokedNow('jti-x')).toBe(true);
    now += 120_000;
    expect(await b.isRevoked('jti-x')).toBe(false); // expired entries drop
  });
});

describe('usage records', () => {
  it('counts per tenant/client/policy, flushes in one batch, unverified failures bucketed', async () => {
    const { svc, usage } = service();
    written.length = 0;
    for (let i = 0; i < 5; i++) await svc.validate(bearer(await token()), 'default');
    await svc.validate(bearer(await token({ aud: 'x' })), 'default');
    await svc.validate(bearer('eyJhbGciOiJub25lIn0.e30.'), 'default');
    // Malformed requests (400) are not validations and are not counted.
    expect((await svc.validate(bearer('a"b'), 'default')).status).toBe(400);
    expect((await svc.validate(src({ authorization: 'Bearer ' }), 'default')).status).toBe(400);
    expect(written).toHaveLength(0);
    await usage.flush();
    expect(written).toHaveLength(1);
    const records = aggregateUsage(written[0] ?? []);
    expect(records.find((r) => r.clientId === CLIENT_ID)).toMatchObject({
      tenantId: TENANT,
      policy: 'default',
      success: 5,
      failure: 1,
    });
    expect(records.find((r) => r.clientId === '(unverified)')).toMatchObject({ failure: 1 });
    await usage.flush();
    expect(written).toHaveLength(1); // nothing changed, nothing written
  });
});
