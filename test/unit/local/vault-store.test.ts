import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  fromPem,
  fromPfxBase64,
  selfSigned,
  toPemSecret,
  toPfxBase64,
} from '../../../local/keyvault/certs.js';
import { PEM, PKCS12, VaultError, type VaultEvent, VaultStore } from '../../../local/keyvault/store.js';

describe('certificate material', () => {
  const material = selfSigned('CN=material, O=Contoso', 3);

  it('round-trips through PEM and PFX', () => {
    const fromPemText = fromPem(toPemSecret(material));
    expect(fromPemText.certPem.trim()).toBe(material.certPem.trim());
    const fromPfx = fromPfxBase64(toPfxBase64(material));
    expect(new X509Certificate(fromPfx.certPem).fingerprint256).toBe(
      new X509Certificate(material.certPem).fingerprint256,
    );
    expect(new X509Certificate(fromPfx.certPem).checkPrivateKey(createPrivateKey(fromPfx.keyPem))).toBe(true);
  });

  it('refuses PEM without a key, and a PFX with the wrong password', () => {
    expect(() => fromPem(material.certPem)).toThrow(/private key/);
    expect(() => fromPfxBase64(toPfxBase64(material), 'wrong')).toThrow();
  });
});

describe('VaultStore', () => {
  it('backs each certificate version with a secret version in the policy content type', () => {
    const store = new VaultStore();
    const events: VaultEvent[] = [];
    store.onEvent((e) => events.push(e));
    const pem = store.createCertificate('c', { secret_props: { contentType: PEM } });
    const secret = store.getSecret('c');
    expect(secret.secret.version).toBe(pem.version);
    expect(secret.secret.contentType).toBe(PEM);
    expect(secret.secret.managed).toBe(true);
    const cert = store.getCertificate('c').certificate;
    expect(cert.x5t).toBe(createHash('sha1').update(Buffer.from(cert.cer, 'base64')).digest('base64url'));
    const pfx = store.createCertificate('c', { secret_props: { contentType: PKCS12 } });
    expect(store.getSecret('c').secret.contentType).toBe(PKCS12);
    expect(store.listCertificateVersions('c').versions.map((v) => v.version)).toEqual([
      pem.version,
      pfx.version,
    ]);
    // Managed secrets publish no SecretNewVersionCreated: only the certificate event.
    expect(events.map((e) => e.type)).toEqual([
      'CertificateNewVersionCreated',
      'CertificateNewVersionCreated',
    ]);
  });

  it('refuses other issuers and unknown content types with BadParameter', () => {
    const store = new VaultStore();
    expect(() => store.createCertificate('x', { issuer: { name: 'DigiCert' } })).toThrow(VaultError);
    expect(() => store.createCertificate('x', { secret_props: { contentType: 'text/plain' } })).toThrow(
      /not supported/,
    );
  });

  it('soft-deletes: the name is not found, cannot be reused, and can be recovered', () => {
    const store = new VaultStore();
    store.setSecret('s', 'v');
    store.deleteSecret('s');
    expect(() => store.getSecret('s')).toThrow(
      expect.objectContaining({ code: 'SecretNotFound', status: 404 }),
    );
    expect(() => store.setSecret('s', 'again')).toThrow(expect.objectContaining({ status: 409 }));
    expect(store.recoverDeletedSecret('s').secret.value).toBe('v');
  });

  it('sweeps with an injected clock: NearExpiry within 30 days, then Expired, once each', () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const store = new VaultStore(undefined, () => now);
    const exp = Math.floor(now / 1000) + 40 * 86_400;
    store.setSecret('s', 'v', { exp });
    expect(store.sweep()).toEqual([]);
    now += 15 * 86_400_000;
    expect(store.sweep().map((e) => e.type)).toEqual(['SecretNearExpiry']);
    expect(store.sweep()).toEqual([]);
    now += 30 * 86_400_000;
    expect(store.sweep().map((e) => e.type)).toEqual(['SecretExpired']);
  });
});
