import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** A real RSA key and self-signed certificate, as PEM (PKCS#8 + cert) and as base64 PFX. */
export interface TestCertificate {
  keyPem: string;
  certPem: string;
  pem: string;
  pfxBase64: (password?: string) => string;
  thumbprintSha256: string;
}

export function makeCertificate(
  options: { cn?: string; notBefore?: Date; notAfter?: Date } = {},
): TestCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = `01${Math.floor(Math.random() * 1e12).toString(16)}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: options.cn ?? 'gateway-test' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return {
    keyPem,
    certPem,
    pem: `${keyPem}${certPem}`,
    pfxBase64: (password = '') => {
      const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: '3des' });
      return forge.util.encode64(forge.asn1.toDer(p12).getBytes());
    },
    thumbprintSha256: createHash('sha256')
      .update(new X509Certificate(certPem).raw)
      .digest('hex')
      .toUpperCase(),
  };
}
