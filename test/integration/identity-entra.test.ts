import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { selfSigned } from '../../local/keyvault/certs.js';

let id: RunningIdentity;
beforeAll(async () => {
  id = await startIdentity();
});
afterAll(async () => {
  await id?.stop();
});

interface TokenResponse {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  ext_expires_in?: number;
  error?: string;
  error_description?: string;
  error_codes?: number[];
}

async function post(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: TokenResponse }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse };
}

function secretForm(app: 'secretClient' | 'dcr', scope: string): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: id.apps[app].appId,
    client_secret: id.apps[app].secret as string,
    scope,
  };
}

/** A client assertion as msal-node builds it ("certificate credentials"): x5t#S256, no kid. */
async function assertion(
  clientId: string,
  keyPem: string,
  certPem: string,
  options: { alg?: 'PS256' | 'RS256'; exp?: number; nbf?: number } = {},
): Promise<string> {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const alg = options.alg ?? 'PS256';
  const now = Math.floor(Date.now() / 1000);
  const header =
    alg === 'PS256'
      ? { alg, typ: 'JWT', 'x5t#S256': createHash('sha256').update(der).digest('base64url') }
      : { alg, typ: 'JWT', x5t: createHash('sha1').update(der).digest('base64url') };
  return new SignJWT({ aud: id.tokenEndpointV2, iss: clientId, sub: clientId, jti: randomUUID() })
    .setProtectedHeader(header)
    .setIssuedAt(options.nbf ?? now)
    .setNotBefore(options.nbf ?? now)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(await importPKCS8(keyPem, alg));
}

function assertionForm(clientId: string, clientAssertion: string, scope: string): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
    scope,
  };
}

describe('Entra stand-in: client credentials', () => {
  it('msal-node gets a v2 token with a secret, which jose verifies against the discovered JWKS', async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: id.apps.secretClient.appId,
        clientSecret: id.apps.secretClient.secret as string,
        ...id.msalAuthorityOptions(),
      },
    });
    const result = await cca.acquireTokenByClientCredential({
      scopes: [`${id.apps.api.identifierUri}/.default`],
    });
    const token = result?.accessToken as string;
    const discovery = (await (await fetch(id.discoveryV2)).json()) as {
      jwks_uri: string;
      issuer: string;
      token_endpoint: string;
    };
    expect(discovery).toMatchObject({
      issuer: id.issuerV2,
      jwks_uri: id.jwksUriV2,
      token_endpoint: id.tokenEndpointV2,
    });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: id.issuerV2,
      audience: id.apps.api.appId,
      algorithms: ['RS256'],
    });
    expect(payload.azp).toBe(id.apps.secretClient.appId);
  });

  it('shapes v2 tokens claim by claim (secret: azpacr 1)', async () => {
    const { status, body } = await post(
      id.tokenEndpointV2,
      secretForm('secretClient', `${id.apps.api.appId}/.default`),
    );
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(body.ext_expires_in).toBe(body.expires_in);
    const token = body.access_token as string;
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: id.controls.currentKid() });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual(
      [
        'aud',
        'azp',
        'azpacr',
        'exp',
        'iat',
        'idtyp',
        'iss',
        'nbf',
        'oid',
        'roles',
        'sub',
        'tid',
        'uti',
        'ver',
      ].sort(),
    );
    expect(claims).toMatchObject({
      aud: id.apps.api.appId,
      iss: id.issuerV2,
      azp: id.apps.secretClient.appId,
      azpacr: '1',
      idtyp: 'app',
      oid: id.apps.secretClient.servicePrincipalId,
      sub: id.apps.secretClient.servicePrincipalId,
      tid: id.tenantId,
      ver: '2.0',
      roles: ['Tokens.Read'],
    });
    const lifetime = (claims.exp as number) - (claims.iat as number);
    expect(lifetime).toBeGreaterThanOrEqual(3600);
    expect(lifetime).toBeLessThanOrEqual(5400);
    expect(claims.nbf).toBe(claims.iat);
  });

  it('shapes v1 tokens claim by claim (certificate: appidacr 2), following the resource app', async () => {
    const seeded = id.apps.gateway;
    const material = id.keyVault.store.getSecret(seeded.certificateName as string).secret.value;
    const keyPem = material.match(
      /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/,
    )?.[0] as string;
    const certPem = material.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/,
    )?.[0] as string;
    const signed = await assertion(seeded.appId, keyPem, certPem, { alg: 'RS256' });
    const { status, body } = await post(
      id.tokenEndpointV2,
      assertionForm(seeded.appId, signed, 'api://legacy-api/.default'),
    );
    expect(status).toBe(200);
    const token = body.access_token as string;
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: id.controls.currentKid(),
      x5t: id.controls.currentKid(),
    });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual(
      [
        'aud',
        'appid',
        'appidacr',
        'exp',
        'iat',
        'idp',
        'idtyp',
        'iss',
        'nbf',
        'oid',
        'roles',
        'sub',
        'tid',
        'uti',
        'ver',
      ].sort(),
    );
    expect(claims).toMatchObject({
      aud: 'api://legacy-api',
      iss: `https://sts.windows.net/${id.tenantId}/`,
      appid: seeded.appId,
      appidacr: '2',
      idtyp: 'app',
      oid: seeded.servicePrincipalId,
      tid: id.tenantId,
      ver: '1.0',
      roles: ['Legacy.Read'],
    });
    // The v1 discovery document announces the v1 issuer and the same keys.
    const v1 = (await (await fetch(id.discoveryV1)).json()) as { issuer: string; jwks_uri: string };
    expect(v1).toMatchObject({ issuer: id.issuerV1, jwks_uri: id.jwksUriV1 });
    await jwtVerify(token, createRemoteJWKSet(new URL(v1.jwks_uri)), {
      issuer: id.issuerV1,
      audience: 'api://legacy-api',
    });
  });

  it('serves the v1 token endpoint with resource=', async () => {
    const { status, body } = await post(id.tokenEndpointV1, {
      grant_type: 'client_credentials',
      client_id: id.apps.secretClient.appId,
      client_secret: id.apps.secretClient.secret as string,
      resource: 'https://vault.azure.net',
    });
    expect(status).toBe(200);
    expect(decodeJwt(body.access_token as string)).toMatchObject({
      aud: 'https://vault.azure.net',
      ver: '1.0',
    });
  });

  it('serves the v1 token endpoint with a certificate assertion addressed to it', async () => {
    const seeded = id.apps.gatewayPfx;
    const created = id.keyVault.createCertificate('v1-assertion', { contentType: 'application/x-pem-file' });
    id.directory.addKey(seeded.appId, created.certPem);
    const der = Buffer.from(created.certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const signed = await new SignJWT({
      aud: id.tokenEndpointV1,
      iss: seeded.appId,
      sub: seeded.appId,
      jti: randomUUID(),
    })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        x5t: createHash('sha1').update(der).digest('base64url'),
      })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(await importPKCS8(created.keyPem, 'RS256'));
    const { status, body } = await post(id.tokenEndpointV1, {
      grant_type: 'client_credentials',
      client_id: seeded.appId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: signed,
      resource: 'api://legacy-api',
    });
    expect(status).toBe(200);
    expect(decodeJwt(body.access_token as string)).toMatchObject({
      appid: seeded.appId,
      appidacr: '2',
      ver: '1.0',
    });
  });

  it('accepts client_secret_basic and leaves roles out when none are granted', async () => {
    const basic = Buffer.from(`${id.apps.product.appId}:${id.apps.product.secret}`).toString('base64');
    const response = await fetch(id.tokenEndpointV2, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: `${id.apps.api.appId}/.default` }),
    });
    expect(response.status).toBe(200);
    const claims = decodeJwt(((await response.json()) as TokenResponse).access_token as string);
    expect(claims.roles).toBeUndefined();
    expect(claims.azp).toBe(id.apps.product.appId);
  });
});

describe('Entra stand-in: AADSTS errors from real failing requests', () => {
  const scope = () => `${id.apps.api.appId}/.default`;

  function expectAadsts(
    result: { status: number; body: TokenResponse },
    status: number,
    error: string,
    code: number,
  ) {
    expect(result.status).toBe(status);
    expect(result.body.error).toBe(error);
    expect(result.body.error_codes).toEqual([code]);
    expect(result.body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
  }

  it('700016: unknown client', async () => {
    const form = { ...secretForm('secretClient', scope()), client_id: randomUUID() };
    expectAadsts(await post(id.tokenEndpointV2, form), 400, 'unauthorized_client', 700016);
  });

  it('7000215: wrong secret, never echoed', async () => {
    const form = { ...secretForm('secretClient', scope()), client_secret: 'wrong-secret-value' };
    const result = await post(id.tokenEndpointV2, form);
    expectAadsts(result, 401, 'invalid_client', 7000215);
    expect(JSON.stringify(result.body)).not.toContain('wrong-secret-value');
  });

  it('7000222: a secret outside its start/end window does not authenticate', async () => {
    const app = id.directory.addApplication({ displayName: 'expired secret' });
    const expired = id.directory.addPassword(app.appId, {
      start: new Date(Date.now() - 3 * 86_400_000),
      end: new Date(Date.now() - 86_400_000),
    });
    const result = await post(id.tokenEndpointV2, {
      grant_type: 'client_credentials',
      client_id: app.appId,
      client_secret: expired.secretText,
      scope: scope(),
    });
    expectAadsts(result, 401, 'invalid_client', 7000222);
  });

  it('700027: the assertion is signed by a certificate not registered on the app', async () => {
    const stranger = selfSigned('CN=stranger', 1);
    const signed = await assertion(id.apps.gateway.appId, stranger.keyPem, stranger.certPem);
    const before = id.counters.failedAssertions(id.apps.gateway.appId);
    expectAadsts(
      await post(id.tokenEndpointV2, assertionForm(id.apps.gateway.appId, signed, scope())),
      401,
      'invalid_client',
      700027,
    );
    expect(id.counters.failedAssertions(id.apps.gateway.appId)).toBe(before + 1);
  });

  it('700024: the assertion is outside its time range', async () => {
    const material = id.keyVault.store.getSecret(id.apps.gateway.certificateName as string).secret.value;
    const keyPem = material.match(
      /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/,
    )?.[0] as string;
    const certPem = material.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/,
    )?.[0] as string;
    const now = Math.floor(Date.now() / 1000);
    const signed = await assertion(id.apps.gateway.appId, keyPem, certPem, {
      nbf: now - 7200,
      exp: now - 3600,
    });
    expectAadsts(
      await post(id.tokenEndpointV2, assertionForm(id.apps.gateway.appId, signed, scope())),
      401,
      'invalid_client',
      700024,
    );
  });

  it('500011: unknown resource', async () => {
    const result = await post(id.tokenEndpointV2, secretForm('secretClient', 'api://no-such-api/.default'));
    expectAadsts(result, 400, 'invalid_resource', 500011);
    expect(result.body.error_description).toContain('api://no-such-api');
  });

  it('invalid_scope: a scope that is not {resource}/.default, and no scope', async () => {
    expectAadsts(
      await post(id.tokenEndpointV2, secretForm('secretClient', `${id.apps.api.appId}/Tokens.Read`)),
      400,
      'invalid_scope',
      1002012,
    );
    const { scope: _omit, ...noScope } = secretForm('secretClient', 'x');
    expectAadsts(await post(id.tokenEndpointV2, noScope), 400, 'invalid_scope', 900144);
  });

  it('counts token requests per client and outcome', () => {
    expect(id.counters.tokenRequests({ outcome: 'unauthorized_client' })).toBeGreaterThanOrEqual(1);
    expect(
      id.counters.tokenRequests({ clientId: id.apps.secretClient.appId, outcome: 'invalid_client' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('Entra stand-in: test controls', () => {
  it('rotates the signing key and keeps the old one published', async () => {
    const before = await post(
      id.tokenEndpointV2,
      secretForm('secretClient', `${id.apps.api.appId}/.default`),
    );
    const oldToken = before.body.access_token as string;
    const { kid, previousKid } = await id.controls.rotateSigningKey();
    expect(kid).not.toBe(previousKid);
    const after = await post(id.tokenEndpointV2, secretForm('secretClient', `${id.apps.api.appId}/.default`));
    const newToken = after.body.access_token as string;
    expect(decodeProtectedHeader(oldToken).kid).toBe(previousKid);
    expect(decodeProtectedHeader(newToken).kid).toBe(kid);
    const jwks = (await (await fetch(id.jwksUriV2)).json()) as {
      keys: { kid: string; x5t: string; x5c: string[] }[];
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, previousKid]));
    const set = createRemoteJWKSet(new URL(id.jwksUriV2));
    await jwtVerify(oldToken, set, { issuer: id.issuerV2 });
    await jwtVerify(newToken, set, { issuer: id.issuerV2 });
    // Retiring the old key unpublishes it: old tokens stop verifying.
    expect(await id.controls.retireKey(previousKid)).toBe(true);
    await expect(
      jwtVerify(oldToken, createRemoteJWKSet(new URL(id.jwksUriV2)), { issuer: id.issuerV2 }),
    ).rejects.toThrow();
  });

  it('makes the JWKS and token endpoints fail and hang', async () => {
    id.controls.setJwks('fail');
    expect((await fetch(id.jwksUriV2)).status).toBe(500);
    id.controls.setJwks('hang');
    await expect(fetch(id.jwksUriV2, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    id.controls.setToken('fail');
    const failed = await post(
      id.tokenEndpointV2,
      secretForm('secretClient', `${id.apps.api.appId}/.default`),
    );
    expect(failed.status).toBe(500);
    id.controls.reset();
    expect((await fetch(id.jwksUriV2)).status).toBe(200);
  });

  it('offers the same controls over the loopback admin path', async () => {
    const set = await fetch(`${id.adminUrl}/jwks`, {
      method: 'POST',
      body: JSON.stringify({ mode: 'fail' }),
    });
    expect(set.status).toBe(200);
    expect((await fetch(id.jwksUriV2)).status).toBe(500);
    await fetch(`${id.adminUrl}/jwks`, { method: 'POST', body: JSON.stringify({ mode: 'ok' }) });
    expect((await fetch(id.jwksUriV2)).status).toBe(200);
    const minted = await fetch(`${id.adminUrl}/user-token`, {
      method: 'POST',
      body: JSON.stringify({ scp: 'Tokens.Read', upn: 'ada@contoso.local' }),
    });
    const { access_token } = (await minted.json()) as { access_token: string };
    const { payload } = await jwtVerify(access_token, createRemoteJWKSet(new URL(id.jwksUriV2)), {
      issuer: id.issuerV2,
      audience: id.apps.api.appId,
    });
    expect(payload).toMatchObject({
      scp: 'Tokens.Read',
      upn: 'ada@contoso.local',
      ver: '2.0',
      tid: id.tenantId,
    });
    const counters = (await (await fetch(`${id.adminUrl}/counters`)).json()) as { jwks: number };
    expect(counters.jwks).toBeGreaterThan(0);
  });

  it('mints v1 user tokens with upn and scp', async () => {
    const token = await id.controls.mintUserToken({
      aud: 'api://legacy-api',
      scp: 'user_impersonation',
      upn: 'bob@contoso.local',
    });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(id.jwksUriV1)), {
      issuer: id.issuerV1,
      audience: 'api://legacy-api',
    });
    expect(payload).toMatchObject({ scp: 'user_impersonation', upn: 'bob@contoso.local', ver: '1.0' });
    expect(payload.roles).toBeUndefined();
  });

  it('publishes only the tenant`s signing keys, public parts only, never a client`s credential key', async () => {
    const jwks = (await (await fetch(id.jwksUriV2)).json()) as { keys: Record<string, unknown>[] };
    // The key that signs today's tokens is there, under the kid the tokens carry.
    const token = await id.controls.mintAppToken({
      clientId: id.apps.secretClient.appId,
      resource: id.apps.api.appId,
    });
    const kid = decodeProtectedHeader(token).kid;
    expect(kid).toBe(id.controls.currentKid());
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    for (const key of jwks.keys) {
      expect(Object.keys(key).filter((name) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(name))).toEqual([]);
    }
    // Client certificates registered in the directory (the apps' credentials) stay out of it.
    const clientModuli = [id.apps.gateway.appId, id.apps.gatewayPfx.appId].flatMap((appId) =>
      id.directory
        .get(appId)
        .keyCredentials.map(
          (k) =>
            (new X509Certificate(k.certificatePem).publicKey.export({ format: 'jwk' }) as { n: string }).n,
        ),
    );
    expect(clientModuli.length).toBeGreaterThan(0);
    for (const n of clientModuli) expect(jwks.keys.map((k) => k.n)).not.toContain(n);
  });
});
