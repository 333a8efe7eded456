import { describe, expect, it } from 'vitest';
import { parseTokenConfig, tokenConfigurationError } from '../../../shared/tokens/config.js';

const tenant = '11111111-2222-3333-4444-555555555555';

describe('token settings', () => {
  it('reads the Microsoft.Identity.Web AzureAd shape as the default client', () => {
    const config = parseTokenConfig({
      AzureAd__Instance: 'https://login.example.test',
      AzureAd__TenantId: tenant,
      AzureAd__ClientId: 'app-1',
      AzureAd__SendX5C: 'true',
      AzureAd__AllowedScopes: 'api://one/.default, https://graph.microsoft.com/.default',
      AzureAd__ClientCredentials__0__SourceType: 'KeyVault',
      AzureAd__ClientCredentials__0__KeyVaultUrl: 'https://vault.example.test',
      AzureAd__ClientCredentials__0__KeyVaultCertificateName: 'gateway',
      AzureAd__ClientCredentials__1__SourceType: 'Path',
      AzureAd__ClientCredentials__1__CertificateDiskPath: '/certs/a.pfx',
    });
    expect(config.problems).toEqual([]);
    const client = config.clients.get('default');
    expect(client).toMatchObject({
      instance: 'https://login.example.test/',
      tenantId: tenant,
      clientId: 'app-1',
      sendX5C: true,
      credentials: [
        { sourceType: 'KeyVault', keyVaultUrl: 'https://vault.example.test/', certificateName: 'gateway' },
        { sourceType: 'Path', path: '/certs/a.pfx' },
      ],
    });
    expect([...(client?.allowedScopes ?? [])]).toEqual([
      'api://one/.default',
      'https://graph.microsoft.com/.default',
    ]);
  });

  it('named clients inherit instance and tenant, keys are case-insensitive', () => {
    const config = parseTokenConfig({
      AzureAd__TenantId: tenant,
      clients__Billing__clientid: 'app-2',
      Clients__Billing__AllowedScopes: 'api://billing/.default',
      Clients__Billing__ClientCredentials__0__SourceType: 'Base64Encoded',
      Clients__Billing__ClientCredentials__0__Base64EncodedValue: 'QUJD',
      Clients__Fic__ClientId: 'app-3',
      Clients__Fic__ClientCredentials__0__SourceType: 'SignedAssertionFromManagedIdentity',
    });
    expect(config.problems).toEqual([]);
    expect(config.clients.has('default')).toBe(false);
    expect(config.clients.get('Billing')).toMatchObject({
      instance: 'https://login.microsoftonline.com/',
      tenantId: tenant,
      credentials: [{ sourceType: 'Base64Encoded', value: 'QUJD' }],
    });
    expect(config.clients.get('Fic')?.credentials).toEqual([
      { sourceType: 'SignedAssertionFromManagedIdentity', audience: 'api://AzureADTokenExchange' },
    ]);
  });

  it('lists every problem at once, without secret values, and keeps valid clients', () => {
    const config = parseTokenConfig({
      AzureAd__Instance: 'http://insecure.example',
      AzureAd__ClientCredentials__0__SourceType: 'Vault',
      Clients__ok__Instance: 'https://login.example.test/',
      Clients__ok__TenantId: tenant,
      Clients__ok__ClientId: 'app',
      Clients__ok__ClientCredentials__0__SourceType: 'Path',
      Clients__ok__ClientCredentials__0__CertificateDiskPath: '/x.pem',
      Clients__bad__ClientId: 'app',
      Clients__bad__TenantId: tenant,
      Clients__bad__AllowedScopes: 'user.read',
      Clients__bad__ClientCredentials__0__SourceType: 'Base64Encoded',
      Clients__bad__ClientCredentials__0__Base64EncodedValue: 'not base64 !!! s3cr3t',
      Clients__bad__ClientCredentials__0__CertificatePassword: 'hunter2',
      Tokens__CertificateRefreshSeconds: '-1',
    });
    const error = tokenConfigurationError(config);
    expect(error?.name).toBe('ConfigurationError');
    const text = error?.message ?? '';
    expect(text).toContain('AzureAd__Instance must be an https URL');
    expect(text).toContain('AzureAd__TenantId is required');
    expect(text).toContain('AzureAd__ClientId is required');
    expect(text).toContain('AzureAd__ClientCredentials__0__SourceType must be KeyVault');
    expect(text).toContain('Clients__bad__ClientCredentials__0__Base64EncodedValue must be base64');
    expect(text).toContain('"user.read" is not a <resource>/.default scope');
    expect(text).toContain('Tokens__CertificateRefreshSeconds');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('hunter2');
    expect(config.clients.has('ok')).toBe(true);
    expect([...config.invalidClients.keys()].sort()).toEqual(['bad', 'default']);
  });

  it('reports gaps in the credential list and a client named default', () => {
    const config = parseTokenConfig({
      AzureAd__TenantId: tenant,
      AzureAd__ClientId: 'a',
      AzureAd__ClientCredentials__1__SourceType: 'Path',
      AzureAd__ClientCredentials__1__CertificateDiskPath: '/p',
      Clients__default__ClientId: 'x',
    });
    expect(config.problems).toContain('AzureAd__ClientCredentials__0: missing (indexes must be 0, 1, …)');
    expect(config.problems.some((p) => p.includes('"default" is the AzureAd section'))).toBe(true);
  });
});
