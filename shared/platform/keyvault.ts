import type { TokenCredential } from '@azure/identity';
import { CertificateClient } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import { identitySettings } from './identity-settings.js';
import { type Env, settingsReader } from './settings-reader.js';

/**
 * The product's Key Vault clients (the unmodified SDKs), their timeout and retry policy, and how a
 * throttled vault says when to come back. Token acquisition reads certificates through them;
 * rotation writes secrets through them.
 */
export interface KeyVaultConnection {
  credential: TokenCredential;
  /** Local stand-ins are not on `*.vault.azure.net`; Azure vaults keep the check. */
  disableChallengeResourceVerification?: boolean;
}

/** Options for the Key Vault clients that depend on settings. */
export function keyVaultClientOptions(env: Env = process.env): {
  disableChallengeResourceVerification: boolean;
} {
  return {
    disableChallengeResourceVerification: settingsReader(env, identitySettings).bool(
      'KeyVault__DisableChallengeResourceVerification',
    ),
  };
}

// Key Vault calls sit on a caller's critical path: fail over quickly (to a cached certificate or a
// 503) rather than wait through the SDK's default retries (3, exponential from 800 ms).
const retryOptions = { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 };
/** The SDK has no request timeout by default: a hanging vault must not hang a request. */
const TIMEOUT_MS = 10_000;

export const keyVaultTimeout = (): AbortSignal => AbortSignal.timeout(TIMEOUT_MS);

export function keyVaultClients(
  vaultUrl: string,
  connection: KeyVaultConnection,
): { certificates: CertificateClient; secrets: SecretClient } {
  const options = {
    retryOptions,
    ...(connection.disableChallengeResourceVerification
      ? { disableChallengeResourceVerification: true }
      : {}),
  };
  return {
    certificates: new CertificateClient(vaultUrl, connection.credential, options),
    secrets: new SecretClient(vaultUrl, connection.credential, options),
  };
}

/** A Retry-After header in its delay-seconds form; undefined when absent, zero or not a number. */
export function retryAfterHeaderSeconds(value: string | null | undefined): number | undefined {
  const seconds = Number.parseInt(value ?? '', 10);
  return seconds > 0 ? seconds : undefined;
}

/** What the SDKs' RestError exposes (statusCode, code, response headers). */
export interface RestErrorLike {
  name?: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** Key Vault's own Retry-After on a 429 ("Azure Key Vault throttling guidance"), else 10 s; at most a minute. */
const THROTTLE_DEFAULT_SECONDS = 10;
const THROTTLE_MAX_SECONDS = 60;

export function keyVaultThrottleSeconds(error: RestErrorLike): number {
  return Math.min(
    retryAfterHeaderSeconds(error.response?.headers?.get('retry-after')) ?? THROTTLE_DEFAULT_SECONDS,
    THROTTLE_MAX_SECONDS,
  );
}
