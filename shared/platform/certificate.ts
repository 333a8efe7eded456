import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { AppError } from './errors.js';

/** Certificate material that cannot be read: a capability maps it to its own error (tokens: `certificate_invalid`). */
export class CertificateError extends AppError<'certificate_invalid'> {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('certificate_invalid', message, { cause: options.cause, status: 502 });
    this.name = 'CertificateError';
  }
}

/**
 * Turns certificate material (a Key Vault secret, a file, a base64 setting) into what msal-node's
 * `clientCertificate` needs: a PKCS#8 PEM private key, the SHA-256 thumbprint of the leaf's DER
 * (Key Vault's `x5t` is SHA-1 only) and the chain for `x5c`.
 */
export type CertificateContentType = 'application/x-pem-file' | 'application/x-pkcs12';

export interface CertificateMaterial {
  /** As Key Vault labels the secret; sniffed from the value when absent. */
  contentType?: string;
  /** PEM text, or base64 PFX. */
  value: string;
  password?: string;
}

export interface ParsedCertificate {
  privateKeyPem: string;
  /** Uppercase hex SHA-256 of the leaf certificate's DER, no colons. */
  thumbprintSha256: string;
  /** Leaf first, then the rest of the chain, each as PEM (msal-node's `x5c` input). */
  chainPem: string[];
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** App settings often carry PEM with literal `\n`; Windows tools add `\r`. */
export function normalisePem(text: string): string {
  return text.replace(/\\r\\n|\\n|\\r/g, '\n').replace(/\r\n?/g, '\n');
}

/**
 * One PEM block rebuilt with 64-character lines, so indentation or line breaks turned into spaces
 * (a one-line settings field) still read. Blocks with RFC 1421 headers (legacy encrypted keys) are kept.
 */
function tidyBlock(block: string, type: string, body: string): string {
  if (body.includes(':')) return block;
  const base64 = body.replace(/\s+/g, '');
  return `-----BEGIN ${type}-----\n${base64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${type}-----\n`;
}

function invalid(label: string, reason: string, cause?: unknown): CertificateError {
  return new CertificateError(`Certificate ${label}: ${reason}`, { cause });
}

function fromKeyAndCerts(label: string, key: KeyObject, certs: X509Certificate[]): ParsedCertificate {
  if (certs.length === 0) throw invalid(label, 'contains no certificate');
  const leafIndex = certs.findIndex((cert) => cert.checkPrivateKey(key));
  if (leafIndex < 0) throw invalid(label, 'no certificate matches the private key');
  const leaf = certs[leafIndex]!;
  const chain = [leaf, ...certs.filter((_, i) => i !== leafIndex)];
  return {
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    thumbprintSha256: createHash('sha256').update(leaf.raw).digest('hex').toUpperCase(),
    chainPem: chain.map((cert) => cert.toString()),
    subject: leaf.subject.replace(/\n/g, ', '),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}

function parsePem(label: string, text: string, password: string | undefined): ParsedCertificate {
  const pem = normalisePem(text);
  let key: KeyObject | undefined;
  const certs: X509Certificate[] = [];
  for (const match of pem.matchAll(PEM_BLOCK)) {
    const [original, type = '', body = ''] = match;
    const block = tidyBlock(original, type, body);
    try {
      if (type === 'CERTIFICATE') certs.push(new X509Certificate(block));
      else if (type?.endsWith('PRIVATE KEY')) {
        if (key) throw invalid(label, 'contains more than one private key');
        key = createPrivateKey(password ? { key: block, passphrase: password } : block);
      }
    } catch (error) {
      if (error instanceof CertificateError) throw error;
      throw invalid(label, `unreadable ${type} block (${(error as Error).message})`, error);
    }
  }
  if (!key) throw invalid(label, 'contains no private key (a Key Vault certificate must be exportable)');
  return fromKeyAndCerts(label, key, certs);
}

function parsePfx(label: string, base64: string, password: string | undefined): ParsedCertificate {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const der = forge.util.decode64(base64.replace(/\s+/g, ''));
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), false, password ?? '');
  } catch (error) {
    throw invalid(label, 'is not a readable PFX (wrong password or corrupt data)', error);
  }
  const bagsOf = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
  const keyBags = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(forge.pki.oids.keyBag!)];
  const certBags = bagsOf(forge.pki.oids.certBag!);
  const forgeKey = keyBags.find((bag) => bag.key)?.key;
  if (!forgeKey)
    throw invalid(label, 'the PFX holds no RSA private key (a Key Vault certificate must be exportable)');
  const keyPem = forge.pki.privateKeyInfoToPem(
    forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(forgeKey as forge.pki.rsa.PrivateKey)),
  );
  const certs = certBags
    .filter((bag) => bag.cert)
    .map((bag) => new X509Certificate(forge.pki.certificateToPem(bag.cert!)));
  return fromKeyAndCerts(label, createPrivateKey(keyPem), certs);
}

/** Parses PEM (PKCS#8/PKCS#1 key + certificates) or base64 PFX material. */
export function parseCertificate(label: string, material: CertificateMaterial): ParsedCertificate {
  const type = material.contentType?.toLowerCase();
  const looksPem = normalisePem(material.value).includes('-----BEGIN ');
  if (type === 'application/x-pem-file' || (type !== 'application/x-pkcs12' && looksPem)) {
    return parsePem(label, material.value, material.password);
  }
  return parsePfx(label, material.value, material.password);
}
