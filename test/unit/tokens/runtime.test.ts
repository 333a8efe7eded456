import { describe, expect, it } from 'vitest';
import { createTokenRuntime, createTokenService } from '../../../shared/tokens/service.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('createTokenService / createTokenRuntime (settings in, problems out)', () => {
  it('builds every valid client and keeps a broken one out, as a warning', () => {
    const env = {
      AzureAd__TenantId: TENANT,
      AzureAd__ClientId: 'client-a',
      AzureAd__ClientCredentials__0__SourceType: 'Path',
      AzureAd__ClientCredentials__0__CertificateDiskPath: '/certs/a.pem',
      Clients__b__ClientId: 'client-b',
      Clients__b__ClientCredentials__0__SourceType: 'Nowhere',
      Tokens__CertificateRefreshSeconds: '90000',
    };
    const runtime = createTokenRuntime(env);
    if (!runtime.ok) throw new Error(runtime.problems.join('; '));
    expect([...runtime.service.config.clients.keys()]).toEqual(['default']);
    expect([...runtime.service.config.invalidClients.keys()]).toEqual(['b']);
    expect(runtime.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Clients__b__ClientCredentials__0__SourceType'),
        'Tokens__CertificateRefreshSeconds: must be an integer from 0 to 86400',
      ]),
    );
    // The default applies when the value is refused: the catalogue's 300 s.
    expect(runtime.service.config.certificateRefreshSeconds).toBe(300);
  });

  it('a client default comes from the catalogue: the public cloud instance', () => {
    const service = createTokenService({
      env: {
        AzureAd__TenantId: TENANT,
        AzureAd__ClientId: 'client-a',
        AzureAd__ClientCredentials__0__SourceType: 'Path',
        AzureAd__ClientCredentials__0__CertificateDiskPath: '/certs/a.pem',
      },
    });
    expect(service.config.problems).toEqual([]);
    expect(service.config.clients.get('default')?.instance).toBe('https://login.microsoftonline.com/');
  });

  it('is ready with no client at all (requests then name an unknown client)', () => {
    const runtime = createTokenRuntime({});
    expect(runtime.ok).toBe(true);
    expect(runtime.ok && runtime.warnings).toEqual([]);
  });
});
