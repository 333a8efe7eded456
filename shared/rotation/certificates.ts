import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateClient } from '@azure/keyvault-certificates';
import type { SecretClient } from '@azure/keyvault-secrets';
import { importPKCS8, SignJWT } from 'jose';
import { type ParsedCertificate, parseCertificate } from '../platform/certificate.js';
import { keyVaultTimeout } from '../platform/keyvault.js';
import { RotationError } from './errors.js';
import { type AppState, isValid } from './model.js';

/**
 * Certificate rotation: Key Vault holds a newer version of an app's certificate (auto-renewal, an
 * import) that the app registration does not have yet. It is registered with `addKey` and a proof
 * of possession signed by the app's current valid certificate, whose private key the product reads
 * from Key Vault ("Generate proof-of-possession tokens for rolling keys": aud
 * 00000002-0000-0000-c000-000000000000, iss the application's object id, at most 10 minutes); when
 * no certificate of the app is valid any more (or none is one the product holds), with
 * `PATCH keyCredentials`, which replaces the collection, so every existing key is listed again.
 */
export interface VaultCertificate {
  version: string;
  /** SHA-1 thumbprint, hex upper case (Graph's customKeyIdentifier). */
  thumbprint: string;
  der: Buffer;
}

export interface CertificateVault {
  latest(name: string): Promise<VaultCertificate | null>;
  /** Thumbprints of every version (which app keys the product holds the private key of). */
  versions(name: string): Promise<Array<{ version: string; thumbprint: string }>>;
  /**
   * One version's key and chain, from the certificate's secret of the same name, PEM or PFX as its
   * policy's content type says (the token capability's reader, shared/tokens/certificate.ts): it
   * signs proofs, and msal-node proves the new version with it.
   */
  keyMaterial(name: string, version: string): Promise<CertificateKeyMaterial>;
}

export type CertificateKeyMaterial = Pick<
  ParsedCertificate,
  'privateKeyPem' | 'thumbprintSha256' | 'chainPem'
>;

/** One certificate to keep registered: `Rotation__Certificates` entries `<appId>=<vault certificate name>`. */
export interface ManagedCertificate {
  appId: string;
  certificateName: string;
}

export type CertificatePlan =
  | { kind: 'none' }
  | { kind: 'addKey'; latest: VaultCertificate; signWith: { version: string; thumbprint: string } }
  | { kind: 'patch'; latest: VaultCertificate };

const hex = (bytes: Uint8Array | undefined) =>
  bytes ? Buffer.from(bytes).toString('hex').toUpperCase() : '';
export const thumbprintOf = (der: Buffer) => createHash('sha1').update(der).digest('hex').toUpperCase();

/** Pure: what to do for one app and its vault certificate. */
export function planCertificate(
  app: AppState,
  latest: VaultCertificate | null,
  versions: Array<{ version: string; thumbprint: string }>,
  now: number,
): CertificatePlan {
  if (!latest) return { kind: 'none' };
  const registered = app.credentials.filter((c) => c.kind === 'certificate');
  const same = (a: string | null | undefined, b: string) => (a ?? '').toUpperCase() === b.toUpperCase();
  if (registered.some((c) => same(c.thumbprint, latest.thumbprint))) return { kind: 'none' };
  const ours = registered
    .filter((c) => isValid(c, now))
    .map((c) => versions.find((v) => same(c.thumbprint, v.thumbprint)))
    .find((v) => v !== undefined);
  return ours ? { kind: 'addKey', latest, signWith: ours } : { kind: 'patch', latest };
}

export async function signProof(keyPem: string, appObjectId: string, now: number): Promise<string> {
  const seconds = Math.floor(now / 1000);
  // jose writes unpadded base64url, as the proof must be.
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setAudience('00000002-0000-0000-c000-000000000000')
    .setIssuer(appObjectId)
    .setNotBefore(seconds)
    .setExpirationTime(seconds + 600)
    .sign(await importPKCS8(keyPem, 'RS256'));
}

function vaultFailure(operation: string, error: unknown): RotationError {
  const status = (error as { statusCode?: number }).statusCode;
  return new RotationError(
    status === undefined ? 'no_answer' : 'keyvault_unavailable',
    `Key Vault ${status === undefined ? 'gave no answer to' : `answered ${status} to`} ${operation}.`,
    { cause: error },
  );
}

export function keyVaultCertificates(
  certificates: CertificateClient,
  secrets: SecretClient,
): CertificateVault {
  return {
    async latest(name) {
      try {
        const cert = await certificates.getCertificate(name, { abortSignal: keyVaultTimeout() });
        if (!cert.cer) return null;
        const der = Buffer.from(cert.cer);
        return { version: cert.properties.version ?? '', thumbprint: thumbprintOf(der), der };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null;
        throw vaultFailure('get certificate', error);
      }
    },
    async versions(name) {
      const versions: Array<{ version: string; thumbprint: string }> = [];
      try {
        for await (const p of certificates.listPropertiesOfCertificateVersions(name, {
          abortSignal: keyVaultTimeout(),
        }))
          versions.push({ version: p.version ?? '', thumbprint: hex(p.x509Thumbprint) });
        return versions;
      } catch (error) {
        throw vaultFailure('list certificate versions', error);
      }
    },
    async keyMaterial(name, version) {
      let secret: Awaited<ReturnType<SecretClient['getSecret']>>;
      try {
        secret = await secrets.getSecret(name, { version, abortSignal: keyVaultTimeout() });
      } catch (error) {
        throw vaultFailure('get the certificate key', error);
      }
      try {
        const { privateKeyPem, thumbprintSha256, chainPem } = parseCertificate(name, {
          value: secret.value ?? '',
          ...(secret.properties.contentType ? { contentType: secret.properties.contentType } : {}),
        });
        return { privateKeyPem, thumbprintSha256, chainPem };
      } catch (error) {
        throw new RotationError(
          'certificate_unreadable',
          `Certificate ${name} (version ${version}) has no readable exportable key in Key Vault (PEM or PFX).`,
          { cause: error },
        );
      }
    },
  };
}

/** `Rotation__Certificates`: `appId=certificateName` pairs, comma-separated. */
export function parseManagedCertificates(values: string[]): {
  certificates: ManagedCertificate[];
  problems: string[];
} {
  const certificates: ManagedCertificate[] = [];
  const problems: string[] = [];
  for (const value of values) {
    const [appId, certificateName, extra] = value.split('=').map((part) => part.trim());
    if (!appId || !certificateName || extra !== undefined || !/^[0-9A-Za-z-]{1,127}$/.test(certificateName))
      problems.push('Rotation__Certificates: each entry must be <appId>=<Key Vault certificate name>');
    else certificates.push({ appId, certificateName });
  }
  return { certificates, problems: [...new Set(problems)] };
}

export const derBase64 = (der: Buffer) => der.toString('base64');
export const certificateSubject = (der: Buffer) => new X509Certificate(der).subject.replace(/^CN=/, '');
