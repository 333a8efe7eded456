import { X509Certificate } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { graphClient, graphFailure, secretCredential } from './helpers/graph-client.js';

/** addKey / removeKey with a proof of possession the stand-in verifies, and PATCH keyCredentials. */
let id: RunningIdentity;
let product: Client;
let counter = 0;

beforeAll(async () => {
  id = await startIdentity();
  product = graphClient(id, secretCredential(id, id.apps.product.appId, id.apps.product.secret ?? ''));
});
afterAll(async () => {
  await id?.stop();
});

function certificate() {
  counter += 1;
  return id.keyVault.createCertificate(`key-writes-${counter}`, { contentType: 'application/x-pem-file' });
}

const der = (pem: string) => new X509Certificate(pem).raw.toString('base64');

/** An owned app with one registered certificate (optionally already ended). */
function appWithCertificate(ended = false) {
  const current = certificate();
  const app = id.directory.addApplication({
    displayName: `cert app ${counter}`,
    owners: [id.apps.product.servicePrincipalId],
  });
  id.directory.addKey(
    app.appId,
    current.certPem,
    ended ? { start: new Date(Date.now() - 40 * 86_400_000), end: new Date(Date.now() - 1000) } : {},
  );
  return { app, current };
}

async function proof(
  keyPem: string,
  claims: { aud?: string; iss: string },
  times: { nbf?: number; exp?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setAudience(claims.aud ?? '00000002-0000-0000-c000-000000000000')
    .setIssuer(claims.iss)
    .setNotBefore(times.nbf ?? now)
    .setExpirationTime(times.exp ?? now + 600)
    .sign(await importPKCS8(keyPem, 'RS256'));
}

const keyBody = (pem: string, signed: string) => ({
  keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', key: der(pem), displayName: 'CN=next' },
  passwordCredential: null,
  proof: signed,
});

describe('addKey and removeKey', () => {
  it('registers a new certificate with a proof signed by the current one; then removes the old one', async () => {
    const { app, current } = appWithCertificate();
    const next = certificate();
    const added = await product
      .api(`/applications/${app.id}/addKey`)
      .post(keyBody(next.certPem, await proof(current.keyPem, { iss: app.id })));
    expect(added).toMatchObject({
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      customKeyIdentifier: next.thumbprintSha1,
    });
    expect(id.directory.get(app.appId).keyCredentials).toHaveLength(2);
    const old = id.directory.get(app.appId).keyCredentials.find((k) => k.keyId !== added.keyId);
    await product
      .api(`/applications/${app.id}/removeKey`)
      .post({ keyId: old?.keyId, proof: await proof(next.keyPem, { iss: app.id }) });
    expect(id.directory.get(app.appId).keyCredentials.map((k) => k.keyId)).toEqual([added.keyId]);
  });

  it.each([
    ['wrong audience', { aud: 'https://graph.microsoft.com' }, {}],
    ['issuer another app', { iss: '00000000-0000-0000-0000-000000000001' }, {}],
    ['nbf and exp 11 minutes apart', {}, { span: 660 }],
    ['expired', {}, { nbf: -1200, exp: -600 }],
  ])('refuses a proof with %s: 401 Authentication_MissingOrMalformed', async (_name, claims, times) => {
    const { app, current } = appWithCertificate();
    const now = Math.floor(Date.now() / 1000);
    const t = times as { span?: number; nbf?: number; exp?: number };
    const signed = await proof(
      current.keyPem,
      { iss: app.id, ...claims },
      t.span ? { nbf: now, exp: now + t.span } : t.nbf ? { nbf: now + t.nbf, exp: now + (t.exp ?? 0) } : {},
    );
    const error = await graphFailure(
      product.api(`/applications/${app.id}/addKey`).post(keyBody(certificate().certPem, signed)),
    );
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('Authentication_MissingOrMalformed');
    expect(id.directory.get(app.appId).keyCredentials).toHaveLength(1);
  });

  it('refuses a proof signed by a certificate the app does not have, and one with = padding', async () => {
    const { app } = appWithCertificate();
    const stranger = certificate();
    const signed = await proof(stranger.keyPem, { iss: app.id });
    const error = await graphFailure(
      product.api(`/applications/${app.id}/addKey`).post(keyBody(stranger.certPem, signed)),
    );
    expect(error.code).toBe('Authentication_MissingOrMalformed');
    const padded = `${signed.split('.').slice(0, 2).join('.')}.${signed.split('.')[2]}==`;
    const again = await graphFailure(
      product.api(`/applications/${app.id}/addKey`).post(keyBody(stranger.certPem, padded)),
    );
    expect(again.code).toBe('Authentication_MissingOrMalformed');
  });

  it('addKey fails when no certificate is valid any more; PATCH keyCredentials replaces the collection', async () => {
    const { app, current } = appWithCertificate(true);
    const next = certificate();
    const error = await graphFailure(
      product
        .api(`/applications/${app.id}/addKey`)
        .post(keyBody(next.certPem, await proof(current.keyPem, { iss: app.id }))),
    );
    expect(error.code).toBe('Authentication_MissingOrMalformed');
    const keep = id.directory.get(app.appId).keyCredentials[0];
    await product.api(`/applications/${app.id}`).patch({
      keyCredentials: [
        { keyId: keep?.keyId, type: 'AsymmetricX509Cert', usage: 'Verify', key: der(current.certPem) },
        { type: 'AsymmetricX509Cert', usage: 'Verify', key: der(next.certPem), displayName: 'CN=next' },
      ],
    });
    const keys = id.directory.get(app.appId).keyCredentials;
    expect(keys.map((k) => k.thumbprintSha1)).toEqual([current.thumbprintSha1, next.thumbprintSha1]);
    expect(keys[0]?.keyId).toBe(keep?.keyId);
    // Only what is listed stays.
    await product.api(`/applications/${app.id}`).patch({
      keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: der(next.certPem) }],
    });
    expect(id.directory.get(app.appId).keyCredentials.map((k) => k.thumbprintSha1)).toEqual([
      next.thumbprintSha1,
    ]);
  });

  it('key writes need ownership too', async () => {
    const notOwned = id.directory.addApplication({ displayName: 'not owned' });
    const current = certificate();
    id.directory.addKey(notOwned.appId, current.certPem);
    const error = await graphFailure(
      product
        .api(`/applications/${notOwned.id}/addKey`)
        .post(keyBody(certificate().certPem, await proof(current.keyPem, { iss: notOwned.id }))),
    );
    expect(error.code).toBe('Authorization_RequestDenied');
  });
});
