import { createPrivateKey, X509Certificate } from 'node:crypto';
import { CertificateClient } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import { ConfidentialClientApplication } from '@azure/msal-node';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { azureCredential } from '../../shared/platform/azure-credential.js';
import { keyVaultClientOptions } from '../../shared/platform/keyvault.js';

let id: RunningIdentity;
let secrets: SecretClient;
let certificates: CertificateClient;

beforeAll(async () => {
  id = await startIdentity();
  // The product's own path: settings -> azureCredential(env) -> unmodified Key Vault clients.
  const env = id.productSettings();
  const credential = azureCredential(env);
  secrets = new SecretClient(id.keyVaultUrl, credential, keyVaultClientOptions(env));
  certificates = new CertificateClient(id.keyVaultUrl, credential, keyVaultClientOptions(env));
});
afterAll(async () => {
  await id?.stop();
});

async function pemFromVault(
  name: string,
): Promise<{ keyPem: string; certPem: string; thumbprintSha256: string }> {
  const certificate = await certificates.getCertificate(name);
  const secret = await secrets.getSecret(name);
  const value = secret.value as string;
  const der = Buffer.from(certificate.cer as Uint8Array);
  const x509 = new X509Certificate(der);
  let keyPem: string;
  if (secret.properties.contentType === 'application/x-pkcs12') {
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(value)), '');
    const oid = forge.pki.oids.pkcs8ShroudedKeyBag as string;
    const bag = p12.getBags({ bagType: oid })[oid]?.[0];
    keyPem = forge.pki.privateKeyToPem(bag?.key as forge.pki.PrivateKey);
  } else {
    keyPem = value;
  }
  return { keyPem, certPem: x509.toString(), thumbprintSha256: x509.fingerprint256.replaceAll(':', '') };
}

describe('Key Vault stand-in with the unmodified SDK clients', () => {
  it('answers an unauthenticated request with the bearer challenge', async () => {
    const response = await fetch(`${id.keyVaultUrl}secrets/anything?api-version=7.5`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer authorization="${id.authorityHost}/${id.tenantId}", resource="https://vault.azure.net"`,
    );
  });

  it('rejects a token that is not for the vault, and a forged one', async () => {
    const apiToken = await id.controls.mintAppToken({
      clientId: id.apps.secretClient.appId,
      resource: id.apps.api.appId,
    });
    const wrongAudience = await fetch(`${id.keyVaultUrl}secrets/x?api-version=7.5`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(wrongAudience.status).toBe(401);
    const vaultToken = await id.controls.mintAppToken({
      clientId: id.apps.product.appId,
      resource: 'https://vault.azure.net',
    });
    // Positive control: the same token, unforged, gets past authentication (the secret is not there).
    const genuine = await fetch(`${id.keyVaultUrl}secrets/x?api-version=7.5`, {
      headers: { authorization: `Bearer ${vaultToken}` },
    });
    expect(genuine.status).toBe(404);
    expect(((await genuine.json()) as { error: { code: string } }).error.code).toBe('SecretNotFound');
    const [h, p] = vaultToken.split('.');
    const forged = await fetch(`${id.keyVaultUrl}secrets/x?api-version=7.5`, {
      headers: { authorization: `Bearer ${h}.${p}.${Buffer.from('not a signature').toString('base64url')}` },
    });
    expect(forged.status).toBe(401);
  });

  it('sets, reads (latest and by version), lists, updates and soft-deletes secrets', async () => {
    const first = await secrets.setSecret('api-key', 'one', {
      contentType: 'text/plain',
      tags: { owner: 'team-a' },
    });
    const second = await secrets.setSecret('api-key', 'two', {
      expiresOn: new Date(Date.now() + 86_400_000),
    });
    expect((await secrets.getSecret('api-key')).value).toBe('two');
    expect((await secrets.getSecret('api-key', { version: first.properties.version as string })).value).toBe(
      'one',
    );
    expect(first.properties.tags).toEqual({ owner: 'team-a' });
    const versions: string[] = [];
    for await (const p of secrets.listPropertiesOfSecretVersions('api-key'))
      versions.push(p.version as string);
    expect(versions.sort()).toEqual([first.properties.version, second.properties.version].sort());
    const updated = await secrets.updateSecretProperties('api-key', second.properties.version as string, {
      enabled: false,
      tags: { rotated: 'yes' },
    });
    expect(updated.enabled).toBe(false);
    expect(updated.tags).toEqual({ rotated: 'yes' });
    expect(id.counters.secretReads('api-key')).toBe(2);
    expect(id.counters.secretReads('api-key', 'latest')).toBe(1);
    const poller = await secrets.beginDeleteSecret('api-key', { intervalInMs: 10 });
    const deleted = await poller.pollUntilDone();
    expect(deleted.recoveryId).toContain('deletedsecrets/api-key');
    await expect(secrets.getSecret('api-key')).rejects.toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
  });

  it('gives 404 SecretNotFound for an unknown secret', async () => {
    await expect(secrets.getSecret('nope')).rejects.toMatchObject({
      statusCode: 404,
      code: 'SecretNotFound',
    });
  });

  it('creates PEM and PKCS12 certificates whose private key is the secret of the same name', async () => {
    for (const contentType of ['application/x-pem-file', 'application/x-pkcs12'] as const) {
      const name = contentType === 'application/x-pem-file' ? 'rt-pem' : 'rt-pfx';
      const poller = await certificates.beginCreateCertificate(
        name,
        { issuerName: 'Self', subject: `CN=${name}`, contentType, exportable: true, validityInMonths: 6 },
        { intervalInMs: 10 },
      );
      const created = await poller.pollUntilDone();
      const x509 = new X509Certificate(Buffer.from(created.cer as Uint8Array));
      // x5t is SHA-1 of the DER, as Key Vault's x509Thumbprint.
      expect(
        Buffer.from(created.properties.x509Thumbprint as Uint8Array)
          .toString('hex')
          .toUpperCase(),
      ).toBe(x509.fingerprint.replaceAll(':', ''));
      expect(created.policy?.contentType).toBe(contentType);
      const material = await pemFromVault(name);
      expect(new X509Certificate(material.certPem).checkPrivateKey(createPrivateKey(material.keyPem))).toBe(
        true,
      );
      if (contentType === 'application/x-pem-file') {
        const secret = await secrets.getSecret(name);
        expect(secret.value).toMatch(/^-----BEGIN PRIVATE KEY-----[\s\S]+-----BEGIN CERTIFICATE-----/);
      }
      const byVersion = await certificates.getCertificateVersion(name, created.properties.version as string);
      expect(byVersion.properties.version).toBe(created.properties.version);
    }
  });

  it('imports a PEM and a PFX certificate, and both round-trip', async () => {
    const source = id.keyVault.createCertificate('import-source', {
      subject: 'CN=import',
      contentType: 'application/x-pem-file',
    });
    const pem = `${source.keyPem}${source.certPem}`;
    const importedPem = await certificates.importCertificate('imported-pem', Buffer.from(pem), {
      policy: { contentType: 'application/x-pem-file', issuerName: 'Unknown', subject: 'CN=import' },
    });
    expect(importedPem.properties.version).toBeTruthy();
    const pemBack = await pemFromVault('imported-pem');
    expect(pemBack.thumbprintSha256).toBe(source.thumbprintSha256);

    const key = forge.pki.privateKeyFromPem(source.keyPem);
    const cert = forge.pki.certificateFromPem(source.certPem);
    const pfx = forge.asn1
      .toDer(forge.pkcs12.toPkcs12Asn1(key, [cert], 'pfx-password', { algorithm: '3des' }))
      .getBytes();
    await certificates.importCertificate('imported-pfx', Buffer.from(pfx, 'binary'), {
      password: 'pfx-password',
      policy: { contentType: 'application/x-pkcs12', issuerName: 'Unknown', subject: 'CN=import' },
    });
    const pfxBack = await pemFromVault('imported-pfx');
    expect(pfxBack.thumbprintSha256).toBe(source.thumbprintSha256);
    const versions: string[] = [];
    for await (const p of certificates.listPropertiesOfCertificateVersions('imported-pfx'))
      versions.push(p.version as string);
    expect(versions).toHaveLength(1);
  });
});

describe('msal-node with a certificate loaded through the Key Vault SDKs', () => {
  for (const app of ['gateway', 'gatewayPfx'] as const) {
    it(`gets a token for ${app} (azpacr 2)`, async () => {
      const seeded = id.apps[app];
      const material = await pemFromVault(seeded.certificateName as string);
      expect(material.thumbprintSha256).toBe(seeded.thumbprintSha256);
      const cca = new ConfidentialClientApplication({
        auth: {
          clientId: seeded.appId,
          clientCertificate: {
            thumbprintSha256: material.thumbprintSha256,
            privateKey: material.keyPem,
            x5c: material.certPem,
          },
          ...id.msalAuthorityOptions(),
        },
      });
      const result = await cca.acquireTokenByClientCredential({
        scopes: [`${id.apps.api.appId}/.default`],
        skipCache: true,
      });
      const payload = JSON.parse(
        Buffer.from(String(result?.accessToken).split('.')[1] as string, 'base64url').toString(),
      );
      expect(payload.azp).toBe(seeded.appId);
      expect(payload.azpacr).toBe('2');
      // msal-node reuses its assertion: a second call must still succeed.
      const again = await cca.acquireTokenByClientCredential({
        scopes: [`${id.apps.api.appId}/.default`],
        skipCache: true,
      });
      expect(again?.accessToken).toBeTruthy();
      expect(id.counters.tokenRequests({ clientId: seeded.appId, outcome: 'success' })).toBe(2);
    });
  }
});
