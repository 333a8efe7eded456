import type { TokenCredential } from '@azure/identity';
import { CertificateClient } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import { retryAfterHeaderSeconds, TokenError } from './errors.js';
import type { CertificateSource } from './sources.js';

/**
 * `KeyVault` certificate source with the unmodified Key Vault SDKs: `getCertificate` says which
 * version is current and its validity window; `getSecret(name, {version})` returns that version's
 * key material (PEM: PKCS#8 key + chain; PKCS12: base64 PFX), as Key Vault exposes an exportable
 * certificate's private key through the secret of the same name.
 */
export interface KeyVaultOptions {
  credential: TokenCredential;
  /** Local stand-ins are not on `*.vault.azure.net`; Azure vaults keep the check. */
  disableChallengeResourceVerification?: boolean;
}

// A token request is on the caller's critical path: fail over to the cached certificate or a 503
// quickly rather than wait through the SDK's default retries (3, exponential from 800 ms).
const retryOptions = { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 };
/** The SDK has no request timeout by default: a hanging vault must not hang token requests. */
const TIMEOUT_MS = 10_000;

interface RestLike {
  name?: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** Key Vault's own Retry-After on a 429 ("Azure Key Vault throttling guidance"), else 10 s; at most a minute. */
const THROTTLE_DEFAULT_SECONDS = 10;
const THROTTLE_MAX_SECONDS = 60;

/** Key Vault errors → typed errors: unreachable / throttled / 5xx / auth failures are transient (503). */
export function keyVaultError(label: string, error: unknown): TokenError {
  const e = (error ?? {}) as RestLike;
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
    retryAfterSeconds:
      status === 429
        ? Math.min(
            retryAfterHeaderSeconds(e.response?.headers?.get('retry-after')) ?? THROTTLE_DEFAULT_SECONDS,
            THROTTLE_MAX_SECONDS,
          )
        : 5,
  });
}

export function keyVaultSource(
  vaultUrl: string,
  certificateName: string,
  options: KeyVaultOptions,
): CertificateSource {
  const clientOptions = {
    retryOptions,
    ...(options.disableChallengeResourceVerification ? { disableChallengeResourceVerification: true } : {}),
  };
  const certificates = new CertificateClient(vaultUrl, options.credential, clientOptions);
  const secrets = new SecretClient(vaultUrl, options.credential, clientOptions);
  const label = `Key Vault certificate '${certificateName}' (${vaultUrl})`;
  return {
    label,
    async current() {
      try {
        const cert = await certificates.getCertificate(certificateName, {
          abortSignal: AbortSignal.timeout(TIMEOUT_MS),
        });
        const version = cert.properties.version;
        if (!version)
          throw new TokenError('certificate_invalid', `Certificate ${label}: Key Vault returned no version`);
        return {
          version,
          ...(cert.properties.notBefore ? { notBefore: cert.properties.notBefore } : {}),
          ...(cert.properties.expiresOn ? { expiresOn: cert.properties.expiresOn } : {}),
        };
      } catch (error) {
        if (error instanceof TokenError) throw error;
        throw keyVaultError(label, error);
      }
    },
    async material(version) {
      try {
        const secret = await secrets.getSecret(certificateName, {
          version,
          abortSignal: AbortSignal.timeout(TIMEOUT_MS),
        });
        if (!secret.value)
          throw new TokenError('certificate_invalid', `Certificate ${label}: the secret has no value`);
        return {
          value: secret.value,
          ...(secret.properties.contentType ? { contentType: secret.properties.contentType } : {}),
        };
      } catch (error) {
        if (error instanceof TokenError) throw error;
        throw keyVaultError(label, error);
      }
    },
  };
}
