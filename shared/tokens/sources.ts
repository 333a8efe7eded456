import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CertificateMaterial } from './certificate.js';
import { TokenError } from './errors.js';

/**
 * Where a client's certificate comes from. `current()` says which version is current (cheap, no
 * key material: for Key Vault one `getCertificate`); `material(version)` returns that version's key
 * material (for Key Vault one `getSecret`). The certificate cache calls `material` once per version.
 */
export interface CertificateVersion {
  version: string;
  /** The validity window the source reports, when it knows one (Key Vault certificate attributes). */
  notBefore?: Date;
  expiresOn?: Date;
}

export interface CertificateSource {
  /** Stable and human readable, e.g. `Key Vault certificate 'gw' (https://v.vault.azure.net/)`; used as cache key. */
  readonly label: string;
  /** The Key Vault certificate's name: the key of its generation marker (platform/certificate-generations.ts). */
  readonly certificateName?: string;
  current(): Promise<CertificateVersion>;
  material(version: string): Promise<CertificateMaterial>;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** `Path`: a PEM or PFX file; its version is the hash of its content, so a replaced file is picked up. */
export function pathSource(path: string, password?: string): CertificateSource {
  let last: { version: string; material: CertificateMaterial } | undefined;
  const label = `certificate file '${path}'`;
  return {
    label,
    async current() {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        throw new TokenError(
          'certificate_invalid',
          `Certificate ${label}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          { cause: error },
        );
      }
      const text = bytes.toString('utf8');
      // A PFX file is binary; a PEM file (or a base64 PFX saved as text) is text.
      const value = text.includes('-----BEGIN ') ? text : bytes.toString('base64');
      const version = digest(value);
      last = { version, material: { value, ...(password === undefined ? {} : { password }) } };
      return { version };
    },
    async material(version) {
      if (!last || last.version !== version) await this.current();
      return last!.material;
    },
  };
}

/** `Base64Encoded`: a base64 PFX (or base64 PEM) held in the setting itself. */
export function base64Source(value: string, password: string | undefined, where: string): CertificateSource {
  const decoded = Buffer.from(value, 'base64');
  const asText = decoded.toString('utf8');
  const material: CertificateMaterial = asText.includes('-----BEGIN ')
    ? { contentType: 'application/x-pem-file', value: asText }
    : { contentType: 'application/x-pkcs12', value };
  if (password !== undefined) material.password = password;
  const version = digest(value);
  return {
    label: `base64 certificate of ${where}`,
    current: async () => ({ version }),
    material: async () => material,
  };
}
