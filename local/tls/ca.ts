import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

/**
 * The local certificate authority of the identity stand-ins. MSAL refuses `http://` authorities,
 * so the Entra and Key Vault stand-ins serve HTTPS with a leaf certificate from this CA, and
 * processes trust it through `NODE_EXTRA_CA_CERTS` (read by Node only at start). TLS verification
 * is never turned off. Keys come from node:crypto (fast); node-forge only builds the X.509 bits.
 */
export interface LocalCa {
  dir: string;
  certFile: string;
  certPem: string;
  keyPem: string;
}

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

const CA_CERT = 'ca.pem';
const CA_KEY = 'ca-key.pem';

function rsaKeys(bits = 2048): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function serial(): string {
  // Positive serial: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

/** Returns the CA in `dir`, creating it on first use (files mode 0600 for the key). */
export function ensureCa(dir: string): LocalCa {
  const certFile = join(dir, CA_CERT);
  const keyFile = join(dir, CA_KEY);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const certPem = readFileSync(certFile, 'utf8');
    const expires = new Date(new X509Certificate(certPem).validTo).getTime();
    if (expires > Date.now() + 24 * 3600 * 1000) {
      return { dir, certFile, certPem, keyPem: readFileSync(keyFile, 'utf8') };
    }
  }
  mkdirSync(dir, { recursive: true });
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600 * 1000);
  // A name of its own: two local CAs in one trust bundle (npm start inside the test run, two clones)
  // must not share a subject, or TLS picks the wrong issuer and the signature check fails.
  const subject = [
    {
      name: 'commonName',
      value: `Entra gateway plumbing local CA ${randomBytes(4).toString('hex')} (test only)`,
    },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privatePem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeFileSync(keyFile, keys.privatePem, { mode: 0o600 });
  writeFileSync(certFile, certPem);
  return { dir, certFile, certPem, keyPem: keys.privatePem };
}

/** A leaf certificate for the loopback stand-ins (SAN 127.0.0.1, ::1, localhost), valid 30 days. */
export function issueServerCertificate(ca: LocalCa): ServerCertificate {
  const keys = rsaKeys();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  // The full chain, as servers send it: a browser told to accept the local CA's key
  // (--ignore-certificate-errors-spki-list) finds it in what the server presents.
  return { certPem: forge.pki.certificateToPem(cert) + ca.certPem, keyPem: keys.privatePem };
}
