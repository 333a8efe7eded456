import { describe, expect, it } from 'vitest';
import type { ConfigurationError } from '../../../shared/platform/errors.js';
import { loadPolicies } from '../../../shared/validation/policy.js';

const TID = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';

function problems(env: Record<string, string>): string[] {
  try {
    loadPolicies(env);
    return [];
  } catch (error) {
    return (error as ConfigurationError).problems;
  }
}

describe('the callers validation policy', () => {
  it('is built from Callers__Audience and the tenant: app-only, every validator default', () => {
    const policy = loadPolicies({ Callers__Audience: 'api://p, p-id', AzureAd__TenantId: TID }).get(
      'callers',
    );
    expect(policy).toMatchObject({
      tenants: [TID],
      audiences: ['api://p', 'p-id'],
      tokenKind: 'app',
      requireCertificateCredential: false,
      realm: 'callers',
      versions: ['1.0', '2.0'],
    });
    const strict = loadPolicies({
      Callers__Audience: 'api://p',
      Callers__TenantId: TID,
      Callers__RequireCertificateCredential: 'true',
    }).get('callers');
    expect(strict?.requireCertificateCredential).toBe(true);
  });

  it.each([
    [
      { Callers__Audience: 'api://p' },
      'Callers__TenantId: required with Callers__Audience (or AzureAd__TenantId)',
    ],
    [
      { Callers__Audience: 'api://p', Callers__TenantId: TID, Validation__Policies: '{"callers":{}}' },
      'Validation__Policies: "callers" is also defined by Callers__Audience; use one',
    ],
    [{ Callers__Audience: 'api://p', Callers__TenantId: 'contoso' }, 'policy "callers": tenants'],
  ])('reports %j', (env, problem) => {
    expect(problems(env).join('\n')).toContain(problem);
  });
});
