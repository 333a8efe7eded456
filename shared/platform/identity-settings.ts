import type { SettingsCatalogue } from './settings-reader.js';

/**
 * Settings of the credential the product uses for Azure services (Key Vault, later Graph):
 * `azureCredential(env)` in azure-credential.ts. In Azure: a managed identity, no secret.
 * Locally: a client secret against the Entra stand-in (local/README.md).
 */
/** Entra ID's global cloud: the authority host wherever a setting names none. */
export const ENTRA_PUBLIC_CLOUD = 'https://login.microsoftonline.com/';

// AZURE_CLIENT_ID is in platform/settings.ts (the managed identity's client id).
export const identitySettings: SettingsCatalogue = [
  {
    name: 'AZURE_TENANT_ID',
    description: 'Tenant of `AZURE_CLIENT_ID` when a client secret is used (local development).',
    deploy: 'optional',
  },
  {
    name: 'AZURE_CLIENT_SECRET',
    description:
      'Local development only: client secret for `AZURE_CLIENT_ID` against the Entra stand-in. Never set in Azure (managed identity).',
    deploy: 'optional',
    secret: true,
  },
  {
    name: 'AZURE_AUTHORITY_HOST',
    description:
      'Entra authority host for `@azure/identity`; locally the Entra stand-in (`https://127.0.0.1:<port>`). Instance discovery is skipped for hosts other than the Microsoft clouds.',
    default: 'https://login.microsoftonline.com',
    deploy: 'optional',
  },
  {
    name: 'KeyVault__DisableChallengeResourceVerification',
    description:
      'Local development only: `true` lets the Key Vault clients accept a vault that is not on `*.vault.azure.net` (the Key Vault stand-in).',
    default: 'false',
    deploy: 'optional',
  },
];
