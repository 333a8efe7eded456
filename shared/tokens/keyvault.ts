import {
  type KeyVaultConnection,
  keyVaultClients,
  keyVaultThrottleSeconds,
  keyVaultTimeout,
  type RestErrorLike,
} from '../platform/keyvault.js';
import { TokenError } from './errors.js';
import { recordKeyVaultRead } from './metrics.js';
import type { CertificateSource } from './sources.js';

/** Key Vault errors → typed errors: unreachable / throttled / 5xx / auth failures are transient (503). */
export function keyVaultError(label: string, error: unknown): TokenError {
  const e = (error ?? {}) as RestErrorLike;
  const status = e.statusCode;
  if (status === 404)
    return new TokenError('certificate_invalid', `Certificate ${label}: not found`, { cause: error });
  if (status === 403) {
    return new TokenError('certificate_invalid', `Certificate ${label}: access denied by Key Vault (403)`, {
      cause: error,
    });
  }
  const reason = status ? `HTTP ${status}` : (e.code ?? e.name ?? 'unreachable');
  return new TokenError('keyvault_unavailable', `Key Vault is unavailable for ${label} (${reason})`, {
    cause: error,
    retryAfterSeconds: status === 429 ? keyVaultThrottleSeconds(e) : 5,
  });
}

/**
 * `KeyVault` certificate source with the unmodified Key Vault SDKs: `getCertificate` says which
 * version is current and its validity window; `getSecret(name, {version})` returns that version's
 * key material (PEM: PKCS#8 key + chain; PKCS12: base64 PFX), as Key Vault exposes an exportable
 * certificate's private key through the secret of the same name.
 */
export function keyVaultSource(
  vaultUrl: string,
  certificateName: string,
  connection: KeyVaultConnection,
): CertificateSource {
  const { certificates, secrets } = keyVaultClients(vaultUrl, connection);
  const label = `Key Vault certificate '${certificateName}' (${vaultUrl})`;
  /** One Key Vault call, counted, with its SDK error mapped. */
  const read = async <T>(operation: 'certificate' | 'secret', call: () => Promise<T>): Promise<T> => {
    try {
      const value = await call();
      recordKeyVaultRead(operation, true);
      return value;
    } catch (error) {
      recordKeyVaultRead(operation, false);
      throw keyVaultError(label, error);
    }
  };
  return {
    label,
    certificateName,
    async current() {
      const cert = await read('certificate', () =>
        certificates.getCertificate(certificateName, { abortSignal: keyVaultTimeout() }),
      );
      const version = cert.properties.version;
      if (!version)
        throw new TokenError('certificate_invalid', `Certificate ${label}: Key Vault returned no version`);
      return {
        version,
        ...(cert.properties.notBefore ? { notBefore: cert.properties.notBefore } : {}),
        ...(cert.properties.expiresOn ? { expiresOn: cert.properties.expiresOn } : {}),
      };
    },
    async material(version) {
      const secret = await read('secret', () =>
        secrets.getSecret(certificateName, { version, abortSignal: keyVaultTimeout() }),
      );
      if (!secret.value)
        throw new TokenError('certificate_invalid', `Certificate ${label}: the secret has no value`);
      return {
        value: secret.value,
        ...(secret.properties.contentType ? { contentType: secret.properties.contentType } : {}),
      };
    },
  };
}
