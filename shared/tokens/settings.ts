import { ENTRA_PUBLIC_CLOUD } from '../platform/identity-settings.js';
import type { SettingsCatalogue } from '../platform/settings-reader.js';

/** The audience of a managed identity's token for workload identity federation (Entra's documented value). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/**
 * Settings of the token acquisition capability. The credential shapes follow Microsoft.Identity.Web
 * (`AzureAd` section, `ClientCredentials` array of credential descriptions), so a .NET user reads
 * them the same way. `<client>` is `AzureAd` for the default client or `Clients__<name>` for a
 * named one; `<n>` is the position in the credential list (0, 1, …), tried in order.
 */
const credential = (client: string): SettingsCatalogue => [
  {
    name: `${client}__ClientCredentials__<n>__SourceType`,
    description:
      '`KeyVault`, `Path`, `Base64Encoded` or `SignedAssertionFromManagedIdentity`. Credentials are tried in order until one loads.',
    deploy: 'optional',
  },
  {
    name: `${client}__ClientCredentials__<n>__KeyVaultUrl`,
    description: 'KeyVault: the vault URL, e.g. `https://myvault.vault.azure.net/`.',
    deploy: 'optional',
  },
  {
    name: `${client}__ClientCredentials__<n>__KeyVaultCertificateName`,
    description:
      'KeyVault: the certificate name; its current version is used (PEM or PFX content type, exportable key).',
    deploy: 'optional',
  },
  {
    name: `${client}__ClientCredentials__<n>__CertificateDiskPath`,
    description: 'Path: a PEM (PKCS#8 key + certificate) or PFX file on disk.',
    deploy: 'optional',
  },
  {
    name: `${client}__ClientCredentials__<n>__CertificatePassword`,
    description: 'Path / Base64Encoded: the PFX password, when the PFX has one.',
    deploy: 'optional',
    secret: true,
  },
  {
    name: `${client}__ClientCredentials__<n>__Base64EncodedValue`,
    description: 'Base64Encoded: the base64 PFX (or base64 PEM) value.',
    deploy: 'optional',
    secret: true,
  },
  {
    name: `${client}__ClientCredentials__<n>__ManagedIdentityClientId`,
    description:
      'SignedAssertionFromManagedIdentity: client id of the user-assigned managed identity (system-assigned when unset).',
    deploy: 'optional',
  },
  {
    name: `${client}__ClientCredentials__<n>__TokenExchangeUrl`,
    description: 'SignedAssertionFromManagedIdentity: audience of the managed identity token.',
    default: TOKEN_EXCHANGE_AUDIENCE,
    deploy: 'optional',
  },
];

export const tokenSettings: SettingsCatalogue = [
  {
    name: 'AzureAd__Instance',
    description: 'The Entra ID cloud instance (authority host).',
    default: ENTRA_PUBLIC_CLOUD,
    deploy: 'optional',
  },
  {
    name: 'AzureAd__TenantId',
    description: 'Tenant id of the app registration the default client signs in as.',
    deploy: 'optional',
  },
  {
    name: 'AzureAd__ClientId',
    description: 'Application (client) id of the default client, `default` in `POST /api/token`.',
    deploy: 'optional',
  },
  {
    name: 'AzureAd__SendX5C',
    description: '`true` sends the certificate chain (`x5c`) for subject name / issuer authentication.',
    default: 'false',
    deploy: 'optional',
  },
  {
    name: 'AzureAd__AllowedScopes',
    description:
      'Comma-separated scopes (`<resource>/.default`) the default client may request; none when unset.',
    deploy: 'optional',
  },
  ...credential('AzureAd'),
  {
    name: 'Clients__<name>__ClientId',
    description: 'Application (client) id of the named client `<name>` (letters, digits, `-`, `_`).',
    deploy: 'optional',
  },
  {
    name: 'Clients__<name>__TenantId',
    description: 'Tenant of the named client.',
    default: 'AzureAd__TenantId',
    deploy: 'optional',
  },
  {
    name: 'Clients__<name>__Instance',
    description: 'Cloud instance of the named client.',
    default: 'AzureAd__Instance',
    deploy: 'optional',
  },
  {
    name: 'Clients__<name>__SendX5C',
    description: 'As `AzureAd__SendX5C`, for the named client.',
    default: 'false',
    deploy: 'optional',
  },
  {
    name: 'Clients__<name>__AllowedScopes',
    description: 'Comma-separated scopes the named client may request; none when unset.',
    deploy: 'optional',
  },
  ...credential('Clients__<name>'),
  {
    name: 'Tokens__CertificateRefreshSeconds',
    description:
      'How long a loaded certificate is used before Key Vault is asked again which version is current (rotation pickup). A rejected assertion re-checks at once.',
    default: '300',
    deploy: 'optional',
  },
];
