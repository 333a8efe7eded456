import {
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { AppError } from './errors.js';
import { identitySettings } from './identity-settings.js';
import { type Env, settingsReader } from './settings-reader.js';

/**
 * The credential the product uses for Azure services (Key Vault, Graph), from app settings
 * (shared/platform/identity-settings.ts), after `DefaultAzureCredential`'s order:
 * - `AZURE_CLIENT_SECRET` set (local development against the stand-ins): a client secret credential
 *   for `AZURE_TENANT_ID`/`AZURE_CLIENT_ID` at `AZURE_AUTHORITY_HOST`;
 * - in Azure (`IDENTITY_ENDPOINT` or `MSI_ENDPOINT` set by App Service / Functions): the managed
 *   identity, user-assigned when `AZURE_CLIENT_ID` is set;
 * - otherwise `DefaultAzureCredential` (developer sign-in through the Azure CLI and friends).
 * Instance discovery ("Authority validation", MSAL) only knows Microsoft's clouds, so it is skipped
 * for any other authority host; TLS verification is never relaxed.
 */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

export function isMicrosoftAuthorityHost(authorityHost: string): boolean {
  try {
    return MICROSOFT_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
  } catch {
    return false;
  }
}

export class CredentialConfigurationError extends AppError<'credential_configuration'> {
  constructor(message: string) {
    super('credential_configuration', message);
    this.name = 'CredentialConfigurationError';
  }
}

export function azureCredential(env: Env = process.env): TokenCredential {
  const authorityHost = settingsReader(env, identitySettings).string('AZURE_AUTHORITY_HOST') as string;
  const disableInstanceDiscovery = !isMicrosoftAuthorityHost(authorityHost);
  if (env.AZURE_CLIENT_SECRET) {
    const missing = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID'].filter((name) => !env[name]);
    if (missing.length > 0)
      throw new CredentialConfigurationError(
        `AZURE_CLIENT_SECRET is set but ${missing.join(' and ')} is not.`,
      );
    return new ClientSecretCredential(
      env.AZURE_TENANT_ID as string,
      env.AZURE_CLIENT_ID as string,
      env.AZURE_CLIENT_SECRET,
      {
        authorityHost,
        disableInstanceDiscovery,
      },
    );
  }
  if (env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT) {
    return env.AZURE_CLIENT_ID
      ? new ManagedIdentityCredential({ clientId: env.AZURE_CLIENT_ID })
      : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential({
    authorityHost,
    disableInstanceDiscovery,
    ...(env.AZURE_CLIENT_ID ? { managedIdentityClientId: env.AZURE_CLIENT_ID } : {}),
  });
}
