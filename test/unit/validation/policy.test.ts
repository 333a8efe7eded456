import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../shared/platform/errors.js';
import { loadPolicies } from '../../../shared/validation/policy.js';

const T = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('loadPolicies', () => {
  it('builds the flat default policy with documented defaults', () => {
    const policies = loadPolicies({ Validation__TenantId: T, Validation__Audiences: 'api://x, 1234' });
    const p = policies.get('default');
    expect(p).toMatchObject({
      tenants: [T],
      audiences: ['api://x', '1234'],
      algorithms: ['RS256', 'PS256'],
      clockSkewSeconds: 60,
      maxTokenBytes: 16384,
      requireExp: true,
      requireNbf: true,
      versions: ['1.0', '2.0'],
      tokenKind: 'either',
      headers: { clientId: 'X-AGW-client_id', userId: 'X-AGW-userid', claims: {} },
    });
  });

  it('reads named policies from JSON and from a file', () => {
    const json = JSON.stringify({
      orders: { tenants: 'any', allowedTenants: [T], audiences: ['a'], requiredRoles: ['R'] },
    });
    expect(loadPolicies({ Validation__Policies: json }).get('orders')?.requiredRoles).toEqual(['R']);
    const fromFile = loadPolicies({ Validation__PoliciesFile: '/p.json' }, { readFile: () => json });
    expect(fromFile.get('orders')?.tenants).toBe('any');
  });

  it('lists every problem at once', () => {
    const json = JSON.stringify({
      a: { tenants: ['not-a-guid'], audiences: [] },
      b: { tenants: [T], audiences: ['x'], clockSkewSeconds: 301, algorithms: ['HS256'], unknownField: 1 },
      'bad name!': { tenants: [T], audiences: ['x'] },
    });
    let error: unknown;
    try {
      loadPolicies({
        Validation__Policies: json,
        Validation__ClockSkewSeconds: 'soon',
        Validation__TenantId: T,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const problems = (error as ConfigurationError).problems.join('\n');
    for (const fragment of [
      'Validation__ClockSkewSeconds: must be a number',
      'policy "a": tenants',
      'policy "a": audiences',
      'policy "b": clockSkewSeconds',
      'policy "b": algorithms',
      'unknownField',
      'bad name!',
      'policy "default": audiences',
    ]) {
      expect(problems).toContain(fragment);
    }
  });

  it('rejects invalid JSON, both sources and a double default', () => {
    expect(() => loadPolicies({ Validation__Policies: '{' })).toThrow(/not valid JSON/);
    expect(() => loadPolicies({ Validation__Policies: '{}', Validation__PoliciesFile: 'x' })).toThrow(
      /both set/,
    );
    expect(() =>
      loadPolicies({
        Validation__TenantId: T,
        Validation__Audiences: 'a',
        Validation__Policies: JSON.stringify({ default: { tenants: [T], audiences: ['a'] } }),
      }),
    ).toThrow(/also defined/);
  });

  it('caps the clock skew at 300 s and refuses HMAC and none', () => {
    expect(() =>
      loadPolicies({
        Validation__TenantId: T,
        Validation__Audiences: 'a',
        Validation__ClockSkewSeconds: '301',
      }),
    ).toThrow(ConfigurationError);
    expect(() =>
      loadPolicies({ Validation__TenantId: T, Validation__Audiences: 'a', Validation__Algorithms: 'none' }),
    ).toThrow(ConfigurationError);
    expect(loadPolicies({}).size).toBe(0);
  });
});
