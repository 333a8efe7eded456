import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/**
 * Certificate material for the Key Vault stand-in: self-signed issuance (issuer `Self`), PEM and
 * PKCS#12 exports as Key Vault returns them from the certificate's secret ("About Azure Key Vault
 * certificates", exportable keys): PEM = PKCS#8 private key followed by the certificate chain;
 * PKCS12 = base64 PFX protected by an empty password.
 */
export interface CertificateMaterial {
  certPem: string;
  keyPem: string;
  /** Further chain certificates after the leaf, PEM. */
  chainPem: string[];
}

export function selfSigned(subject: string, validityMonths: number, keySize = 2048): CertificateMaterial {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: keySize });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 5 * 60_000);
  const notAfter = new Date(now);
  notAfter.setUTCMonth(notAfter.getUTCMonth() + validityMonths);
  cert.validity.notAfter = notAfter;
  const attributes = parseSubject(subject);
  cert.setSubject(attributes);
  cert.setIssuer(attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true, serverAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, chainPem: [] };
}

function parseSubject(subject: string): forge.pki.CertificateField[] {
  const fields: forge.pki.CertificateField[] = [];
  for (const part of subject.split(/,(?=\s*[A-Za-z]+=)/)) {
    const [name, ...value] = part.trim().split('=');
    const shortName = (name ?? '').trim().toUpperCase();
    if (!shortName || value.length === 0) continue;
    fields.push({ shortName, value: value.join('=').trim() });
  }
  return fields.length > 0 ? fields : [{ shortName: 'CN', value: 'local' }];
}

export function toPemSecret(material: CertificateMaterial): string {
  return (
    [material.keyPem.trim(), material.certPem.trim(), ...material.chainPem.map((c) => c.trim())].join('\n') +
    '\n'
  );
}

export function toPfxBase64(material: CertificateMaterial): string {
  const key = forge.pki.privateKeyFromPem(material.keyPem);
  const certs = [material.certPem, ...material.chainPem].map((pem) => forge.pki.certificateFromPem(pem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, '', { algorithm: '3des' });
  return forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
}

/** Reads a PFX (base64) with its password (empty when none). */
export function fromPfxBase64(value: string, password = ''): CertificateMaterial {
  const der = forge.util.decode64(value);
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), password);
  const shrouded = forge.pki.oids.pkcs8ShroudedKeyBag as string;
  const plain = forge.pki.oids.keyBag as string;
  const certOid = forge.pki.oids.certBag as string;
  const keyBags = [
    ...(p12.getBags({ bagType: shrouded })[shrouded] ?? []),
    ...(p12.getBags({ bagType: plain })[plain] ?? []),
  ];
  const certBags = p12.getBags({ bagType: certOid })[certOid] ?? [];
  const key = keyBags[0]?.key;
  const certs = certBags
    .map((bag: forge.pkcs12.Bag) => bag.cert)
    .filter((c: forge.pki.Certificate | undefined): c is forge.pki.Certificate => c !== undefined);
  if (!key || certs.length === 0) throw new Error('The PFX must hold a private key and a certificate.');
  const keyPem = createPrivateKey(forge.pki.privateKeyToPem(key))
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return matchLeaf(
    keyPem,
    certs.map((c: forge.pki.Certificate) => forge.pki.certificateToPem(c)),
  );
}

/** Reads PEM text holding a private key (PKCS#8 or PKCS#1) and one or more certificates. */
export function fromPem(value: string): CertificateMaterial {
  const certs = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const keyBlock = value.match(
    /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/,
  );
  if (!keyBlock || certs.length === 0) throw new Error('The PEM must hold a private key and a certificate.');
  const keyPem = createPrivateKey(keyBlock[0]).export({ type: 'pkcs8', format: 'pem' }).toString();
  return matchLeaf(
    keyPem,
    certs.map((c) => `${c}\n`),
  );
}

function matchLeaf(keyPem: string, certs: string[]): CertificateMaterial {
  const key = createPrivateKey(keyPem);
  const leafIndex = certs.findIndex((pem) => new X509Certificate(pem).checkPrivateKey(key));
  if (leafIndex === -1) throw new Error('No certificate matches the private key.');
  const certPem = certs[leafIndex] as string;
  return { certPem, keyPem, chainPem: certs.filter((_, i) => i !== leafIndex) };
}
