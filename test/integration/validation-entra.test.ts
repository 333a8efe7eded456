import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningIdentity } from '../../local/entra/identity.js';
import { type LocalStack, startIdentity, startStack } from '../../local/stack.js';
import { createValidationRuntime } from '../../shared/validation/runtime.js';
import { certificateClient, claimsOf } from './helpers/certificate-client.js';

/**
 * /api/validate, /api/introspect, /api/revoke and /api/usage through the local host, with tokens
 * from the Entra stand-in (v1 and v2, app and user, secret and certificate clients), signing-key
 * rotation, a JWKS outage, and revocation seen by a second validator instance sharing storage.
 */
let id: RunningIdentity;
let stack: LocalStack;
let settings: Record<string, string>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = () => stack.keys.host.default ?? '';

async function clientSecretToken(version: 1 | 2): Promise<string> {
  const app = id.apps.secretClient;
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: app.appId,
    client_secret: app.secret ?? '',
    ...(version === 2
      ? { scope: `${id.apps.api.appId}/.default` }
      : { resource: id.apps.apiV1.identifierUri ?? '' }),
  });
  const res = await fetch(version === 2 ? id.tokenEndpointV2 : id.tokenEndpointV1, { method: 'POST', body });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function validate(token: string | undefined, policy = '') {
  const res = await fetch(`${stack.host.url}/api/validate${policy ? `/${policy}` : ''}`, {
    headers: { 'x-functions-key': key(), ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const form = (path: string, body: Record<string, string>) =>
  fetch(`${stack.host.url}/api/${path}`, {
    method: 'POST',
    headers: { 'x-functions-key': key(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

beforeAll(async () => {
  id = await startIdentity();
  const base = { tenants: [id.tenantId], instance: `${id.authorityHost}/` };
  const audiences = [id.apps.api.appId, id.apps.apiV1.identifierUri ?? ''];
  settings = {
    Validation__Policies: JSON.stringify({
      default: { ...base, audiences },
      cert: { ...base, audiences, requireCertificateCredential: true },
      writers: { ...base, audiences, requiredRoles: ['Tokens.Write'] },
      users: {
        ...base,
        audiences,
        tokenKind: 'user',
        requiredScopes: ['Tokens.Read'],
        headers: { claims: { 'X-AGW-upn': 'upn' } },
      },
    }),
    Validation__UnknownKidRefreshSeconds: '1',
    Validation__RevocationRefreshSeconds: '1',
    Validation__Usage__FlushSeconds: '1',
  };
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    identity: id,
    timers: false,
    log: () => undefined,
    settings: { IsEncrypted: false, Values: { ...id.productSettings(), ...settings } },
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await id?.stop();
});

describe('validation against the Entra stand-in', () => {
  it('accepts a v2 secret-client token and rejects it where a certificate is required', async () => {
    const token = await clientSecretToken(2);
    const ok = await validate(token);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-agw-client_id')).toBe(id.apps.secretClient.appId);
    expect(ok.body).toMatchObject({
      active: true,
      ver: '2.0',
      tid: id.tenantId,
      grant_type: 'client_credentials',
      roles: ['Tokens.Read'],
    });
    const cert = await validate(token, 'cert');
    expect(cert.status).toBe(401);
    expect(cert.headers.get('www-authenticate')).toContain('certificate credential required');
    const writers = await validate(token, 'writers');
    expect(writers.status).toBe(403);
    expect(writers.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it('accepts a v1 token (sts.windows.net issuer, App ID URI audience) side by side', async () => {
    const res = await validate(await clientSecretToken(1));
    expect(res.status).toBe(200);
    expect(res.body.ver).toBe('1.0');
  });

  it('certificate client (real private_key_jwt via msal-node): v2 and v1 tokens pass requireCertificateCredential; secret-client tokens do not', async () => {
    const gateway = id.apps.gateway;
    const client = await certificateClient(id, gateway.appId, gateway.certificateName ?? 'gateway-cert');
    expect(client.thumbprintSha256).toBe(gateway.thumbprintSha256);
    const issued = () => id.counters.tokenRequests({ clientId: gateway.appId, outcome: 'success' });
    const before = issued();
    const v2 = await client.token(`${id.apps.api.appId}/.default`);
    const v1 = await client.token(`${id.apps.apiV1.identifierUri}/.default`);
    expect(issued() - before).toBe(2); // two real token requests, not minted tokens
    expect(claimsOf(v2)).toMatchObject({
      ver: '2.0',
      azp: gateway.appId,
      azpacr: '2',
      aud: id.apps.api.appId,
    });
    expect(claimsOf(v1)).toMatchObject({
      ver: '1.0',
      appid: gateway.appId,
      appidacr: '2',
      aud: id.apps.apiV1.identifierUri,
      iss: id.issuerV1,
    });
    for (const [token, ver] of [
      [v2, '2.0'],
      [v1, '1.0'],
    ] as const) {
      const res = await validate(token, 'cert');
      expect(res.status, ver).toBe(200);
      expect(res.body).toMatchObject({ active: true, ver, client_id: gateway.appId, tid: id.tenantId });
      expect(res.headers.get('x-agw-client_id')).toBe(gateway.appId);
    }
    for (const version of [2, 1] as const) {
      const secretToken = await clientSecretToken(version);
      expect(claimsOf(secretToken)[version === 2 ? 'azpacr' : 'appidacr']).toBe('1');
      const refused = await validate(secretToken, 'cert');
      expect(refused.status, `v${version}`).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(refused.headers.get('www-authenticate')).toContain('certificate credential required');
      expect(JSON.stringify(refused.body)).not.toContain(secretToken);
    }
  });

  it('user tokens: X-AGW-userid and mapped headers; app tokens refused by a user policy', async () => {
    const token = await id.controls.mintUserToken({
      scp: 'Tokens.Read',
      upn: 'ada@contoso.example',
      aud: id.apps.api.appId,
    });
    const res = await validate(token, 'users');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-agw-userid')).toBe(res.body.uid);
    expect(res.headers.get('x-agw-upn')).toBe('ada@contoso.example');
    expect((await validate(await clientSecretToken(2), 'users')).status).toBe(401);
    const none = await validate(undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"');
  });

  it('introspection (RFC 7662) and revocation (RFC 7009), and a second instance sees it', async () => {
    const token = await clientSecretToken(2);
    const active = await (await form('introspect', { token })).json();
    expect(active).toMatchObject({
      active: true,
      client_id: id.apps.secretClient.appId,
      token_type: 'Bearer',
      iss: id.issuerV2,
    });
    expect(await (await form('introspect', { token: 'garbage' })).text()).toBe('{"active":false}');

    // A second validator instance over the same storage (same tables, its own memory).
    const other = createValidationRuntime({ ...process.env, ...settings });
    if (!other.ok) throw new Error(other.problems.join('; '));
    const source = {
      authorization: `Bearer ${token}`,
      contentType: null,
      query: new URLSearchParams(),
      body: undefined,
    };
    expect((await other.service.validate(source, 'default')).status).toBe(200);

    expect((await form('revoke', { token, token_type_hint: 'access_token' })).status).toBe(200);
    expect((await form('revoke', { token: 'garbage' })).status).toBe(200);
    expect((await validate(token)).status).toBe(401);
    expect(await (await form('introspect', { token })).text()).toBe('{"active":false}');
    await sleep(1100); // Validation__RevocationRefreshSeconds = 1
    const late = await other.service.validate(source, 'default');
    expect(late.status).toBe(401);
    expect(late.headers['www-authenticate']).toContain('token revoked');
    await other.usage.stop();
  });

  it('picks up a rotated signing key with no failed request', async () => {
    const before = await clientSecretToken(2);
    expect((await validate(before)).status).toBe(200);
    const { kid } = await id.controls.rotateSigningKey();
    await sleep(1100); // past the unknown-kid refresh floor (1 s here, 5 min by default)
    const after = await clientSecretToken(2);
    expect(JSON.parse(Buffer.from(after.split('.')[0] ?? '', 'base64url').toString()).kid).toBe(kid);
    const results = await Promise.all([validate(after), validate(after), validate(before)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('JWKS outage: last-known-good keys keep working; an unknown kid gives 503 with Retry-After', async () => {
    const known = await clientSecretToken(2);
    // A second token, signed with the same key but never validated: during the outage its
    // signature must be checked with the last-known-good keys (not answered from the token cache).
    const unseen = await clientSecretToken(2);
    expect(unseen).not.toBe(known);
    expect((await validate(known)).status).toBe(200);
    id.controls.setJwks('fail');
    try {
      await id.controls.rotateSigningKey();
      await sleep(1100);
      const unknown = await clientSecretToken(2);
      // The new kid sends the validator to the JWKS, which fails: it now knows the IdP is down.
      const jwksBefore = id.counters.jwksRequests();
      const res = await validate(unknown);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(id.counters.jwksRequests()).toBeGreaterThan(jwksBefore);
      expect((await validate(unseen)).status).toBe(200);
      expect((await validate(known)).status).toBe(200);
    } finally {
      id.controls.reset();
    }
  });

  it('usage records per client, flushed in batches', async () => {
    const res = await fetch(`${stack.host.url}/api/usage?clientId=${id.apps.secretClient.appId}`, {
      headers: { 'x-functions-key': key() },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      records: Array<{ policy: string; success: number; failure: number; tenantId: string }>;
    };
    const byPolicy = Object.fromEntries(body.records.map((r) => [r.policy, r]));
    expect(byPolicy.default?.success).toBeGreaterThanOrEqual(5);
    expect(byPolicy.cert?.failure).toBe(3); // v2 in the first test, v2 and v1 in the certificate test
    expect(byPolicy.default?.tenantId).toBe(id.tenantId);
  });
});
