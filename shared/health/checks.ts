import { ENTRA_PUBLIC_CLOUD } from '../platform/identity-settings.js';
import type { Env } from '../platform/settings-reader.js';
import { storageConnectionFrom, tableServiceClient } from '../platform/storage.js';
import type { DependencyCheck } from './health.js';

function storageCheck(env: Env): DependencyCheck {
  const tables = tableServiceClient(env);
  return {
    name: 'storage',
    probe: async (abortSignal) => {
      await tables.listTables().byPage({ maxPageSize: 1 }).next();
      abortSignal.throwIfAborted();
    },
  };
}

/** Entra ID is up when its OpenID metadata for our tenant answers with an issuer. */
function identityProviderCheck(instance: string, tenantId: string): DependencyCheck {
  const url = `${instance.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
  return {
    name: 'identityProvider',
    probe: async (signal) => {
      const response = await fetch(url, { signal });
      if (!response.ok) throw new Error(`OpenID metadata answered HTTP ${response.status}`);
      const metadata = (await response.json()) as { issuer?: unknown };
      if (typeof metadata.issuer !== 'string') throw new Error('OpenID metadata has no issuer');
    },
  };
}

/**
 * A vault is reachable when it answers an unauthenticated request with its bearer challenge
 * ("Authentication in Azure Key Vault", Microsoft Learn). This spends no token and none of the
 * vault's throttling budget on authenticated operations.
 */
function keyVaultCheck(vaultUrl: string): DependencyCheck {
  const base = vaultUrl.endsWith('/') ? vaultUrl : `${vaultUrl}/`;
  return {
    name: `keyVault:${new URL(base).host}`,
    probe: async (signal) => {
      const response = await fetch(`${base}secrets?api-version=7.5&maxresults=1`, { signal });
      await response.arrayBuffer();
      const challenge = response.headers.get('www-authenticate') ?? '';
      if (!(response.status === 401 && /^Bearer\b/i.test(challenge)) && !response.ok) {
        throw new Error(`Key Vault answered HTTP ${response.status}`);
      }
    },
  };
}

/** Every Key Vault URL the configuration mentions (`…__KeyVaultUrl`), once each. */
function configuredVaults(env: Env): string[] {
  const urls = Object.entries(env)
    .filter(([name, value]) => /__KeyVaultUrl$/i.test(name) && value)
    .map(([, value]) => (value as string).toLowerCase().replace(/\/*$/, '/'));
  return [...new Set(urls)].filter((url) => URL.canParse(url));
}

/** The dependency checks for what this deployment is configured to use. */
export function configuredChecks(env: Env = process.env): DependencyCheck[] {
  const checks: DependencyCheck[] = [];
  if (storageConnectionFrom(env)) checks.push(storageCheck(env));
  if (env.AzureAd__TenantId) {
    checks.push(identityProviderCheck(env.AzureAd__Instance || ENTRA_PUBLIC_CLOUD, env.AzureAd__TenantId));
  }
  for (const vault of configuredVaults(env)) checks.push(keyVaultCheck(vault));
  return checks;
}
