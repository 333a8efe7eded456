import type { SecretClient } from '@azure/keyvault-secrets';
import { keyVaultTimeout, type RestErrorLike } from '../platform/keyvault.js';
import { RotationError } from './errors.js';

/**
 * Where new secrets go (the port) and its adapter over the platform's SecretClient. A secret
 * version carries the tags that tie it to its credential (`keyId`, `appId`, ...), which is how a
 * rerun finds a write whose answer was lost.
 */
export interface StoredSecret {
  id: string;
  version: string;
}

export interface SecretWrite {
  contentType: 'text/plain';
  notBefore: Date;
  expiresOn: Date;
  tags: Record<string, string>;
}

export interface SecretVault {
  store(name: string, value: string, write: SecretWrite): Promise<StoredSecret>;
  /** The version of `name` tagged with this keyId; null when there is none. */
  findByKeyId(name: string, keyId: string): Promise<StoredSecret | null>;
  value(name: string, version: string): Promise<string>;
  /** The tags of one version (the latest when no version is given); null when there is no such secret. */
  tags(name: string, version?: string): Promise<Record<string, string> | null>;
}

function vaultError(operation: string, error: unknown): RotationError {
  const { statusCode, code } = error as RestErrorLike;
  if (statusCode === undefined)
    return new RotationError(
      'no_answer',
      `Key Vault gave no answer to ${operation}; it may or may not have happened.`,
      {
        cause: error,
      },
    );
  return new RotationError(
    'keyvault_unavailable',
    `Key Vault answered ${statusCode} ${code ?? ''} to ${operation}.`,
    {
      cause: error,
    },
  );
}

export function keyVaultSecrets(client: SecretClient): SecretVault {
  return {
    async store(name, value, write) {
      try {
        const secret = await client.setSecret(name, value, { ...write, abortSignal: keyVaultTimeout() });
        return { id: secret.properties.id ?? '', version: secret.properties.version ?? '' };
      } catch (error) {
        throw vaultError('set secret', error);
      }
    },
    async findByKeyId(name, keyId) {
      try {
        for await (const version of client.listPropertiesOfSecretVersions(name, {
          abortSignal: keyVaultTimeout(),
        }))
          if (version.tags?.keyId?.toLowerCase() === keyId.toLowerCase())
            return { id: version.id ?? '', version: version.version ?? '' };
        return null;
      } catch (error) {
        if ((error as RestErrorLike).statusCode === 404) return null;
        throw vaultError('list secret versions', error);
      }
    },
    async value(name, version) {
      try {
        return (await client.getSecret(name, { version, abortSignal: keyVaultTimeout() })).value ?? '';
      } catch (error) {
        throw vaultError('get secret', error);
      }
    },
    async tags(name, version) {
      try {
        const secret = await client.getSecret(name, {
          ...(version ? { version } : {}),
          abortSignal: keyVaultTimeout(),
        });
        return secret.properties.tags ?? {};
      } catch (error) {
        if ((error as RestErrorLike).statusCode === 404) return null;
        throw vaultError('get secret', error);
      }
    },
  };
}

/** The in-memory adapter (unit tests, the bench). */
export function memorySecretVault(): SecretVault & {
  versions: Map<string, Array<StoredSecret & { value: string; tags: Record<string, string> }>>;
  fail: boolean;
} {
  const versions = new Map<string, Array<StoredSecret & { value: string; tags: Record<string, string> }>>();
  const vault = {
    versions,
    fail: false,
    async store(name: string, value: string, write: SecretWrite) {
      if (vault.fail) throw new RotationError('keyvault_unavailable', 'Key Vault answered 503.');
      const list = versions.get(name) ?? [];
      const version = `v${list.length + 1}`;
      const stored = { id: `memory://secrets/${name}/${version}`, version, value, tags: write.tags };
      versions.set(name, [...list, stored]);
      return { id: stored.id, version };
    },
    async findByKeyId(name: string, keyId: string) {
      const found = (versions.get(name) ?? []).find((v) => v.tags.keyId === keyId);
      return found ? { id: found.id, version: found.version } : null;
    },
    async value(name: string, version: string) {
      return (versions.get(name) ?? []).find((v) => v.version === version)?.value ?? '';
    },
    async tags(name: string, version?: string) {
      const list = versions.get(name) ?? [];
      const found = version ? list.find((v) => v.version === version) : list.at(-1);
      return found ? { ...found.tags } : null;
    },
  };
  return vault;
}
