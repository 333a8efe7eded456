import { ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { settingsCatalogue } from '../../../shared/catalogue.js';
import {
  azureCredential,
  CredentialConfigurationError,
  isMicrosoftAuthorityHost,
} from '../../../shared/platform/azure-credential.js';
import { keyVaultClientOptions } from '../../../shared/platform/keyvault.js';

describe('azureCredential(env)', () => {
  it('uses a client secret against the configured authority host locally', () => {
    const credential = azureCredential({
      AZURE_TENANT_ID: '11111111-1111-1111-1111-111111111111',
      AZURE_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
      AZURE_CLIENT_SECRET: 's3cret',
      AZURE_AUTHORITY_HOST: 'https://127.0.0.1:7443',
    });
    expect(credential).toBeInstanceOf(ClientSecretCredential);
  });

  it('names every missing setting when a secret is set without tenant or client', () => {
    expect(() => azureCredential({ AZURE_CLIENT_SECRET: 's3cret' })).toThrow(CredentialConfigurationError);
    expect(() => azureCredential({ AZURE_CLIENT_SECRET: 's3cret' })).toThrow(
      /AZURE_TENANT_ID and AZURE_CLIENT_ID/,
    );
  });

  it('uses the managed identity in Azure, and DefaultAzureCredential elsewhere', () => {
    expect(azureCredential({ IDENTITY_ENDPOINT: 'http://169.254.1.1/msi' })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(azureCredential({})).toBeInstanceOf(DefaultAzureCredential);
  });

  it('knows the Microsoft authority hosts', () => {
    expect(isMicrosoftAuthorityHost('https://login.microsoftonline.com')).toBe(true);
    expect(isMicrosoftAuthorityHost('https://127.0.0.1:7443')).toBe(false);
    expect(isMicrosoftAuthorityHost('not a url')).toBe(false);
  });

  it('relaxes Key Vault challenge verification only when asked', () => {
    expect(keyVaultClientOptions({})).toEqual({ disableChallengeResourceVerification: false });
    expect(keyVaultClientOptions({ KeyVault__DisableChallengeResourceVerification: 'true' })).toEqual({
      disableChallengeResourceVerification: true,
    });
  });

  it('has every setting it reads in the catalogue', () => {
    const names = new Set(settingsCatalogue.map((s) => s.name));
    for (const name of [
      'AZURE_CLIENT_ID',
      'AZURE_TENANT_ID',
      'AZURE_CLIENT_SECRET',
      'AZURE_AUTHORITY_HOST',
      'KeyVault__DisableChallengeResourceVerification',
    ])
      expect(names.has(name), name).toBe(true);
    expect(settingsCatalogue.find((s) => s.name === 'AZURE_CLIENT_SECRET')?.secret).toBe(true);
  });
});
