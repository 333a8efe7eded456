import { describe, expect, it } from 'vitest';
import { memoryDenylistStore } from '../../../shared/validation/revocation.js';
import { createValidationRuntime } from '../../../shared/validation/runtime.js';
import { memoryUsageStore } from '../../../shared/validation/usage.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const stores = () => ({ denylist: memoryDenylistStore(), usage: memoryUsageStore() });

describe('createValidationRuntime (settings in, problems out)', () => {
  it('is ready with a flat default policy and in-memory stores', async () => {
    const runtime = createValidationRuntime(
      { Validation__TenantId: TENANT, Validation__Audiences: 'api://demo' },
      { stores: stores() },
    );
    if (!runtime.ok) throw new Error(runtime.problems.join('; '));
    expect([...runtime.service.policies.keys()]).toEqual(['default']);
    expect(runtime.service.policies.get('default')).toMatchObject({
      clockSkewSeconds: 60,
      versions: ['1.0', '2.0'],
      algorithms: ['RS256', 'PS256'],
      tokenKind: 'either',
      rolesMatch: 'all',
    });
    await runtime.usage.stop();
  });

  it('lists every problem at once, by setting name, and never throws', () => {
    const runtime = createValidationRuntime(
      {
        Validation__TenantId: 'not-a-guid',
        Validation__Audiences: 'api://demo',
        Validation__KeyRefreshSeconds: 'soon',
        Validation__RevocationRefreshSeconds: '31',
        Validation__Cache__MaxEntries: '-1',
        Validation__IntrospectionCallerPolicy: 'nobody',
        Validation__CaFile: '/nonexistent/ca.pem',
      },
      {
        stores: stores(),
        readFile: () => {
          throw new Error('ENOENT');
        },
      },
    );
    expect(runtime.ok).toBe(false);
    const problems = runtime.ok ? [] : runtime.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('tenants'),
        'Validation__KeyRefreshSeconds: must be a number 0 or more',
        'Validation__RevocationRefreshSeconds: must be a number from 0 to 30',
        'Validation__Cache__MaxEntries: must be an integer 0 or more',
        'Validation__CaFile: cannot read /nonexistent/ca.pem',
      ]),
    );
  });

  it('says what to set when no policy is configured, and names an unknown caller policy', () => {
    const none = createValidationRuntime({}, { stores: stores() });
    expect(none).toEqual({
      ok: false,
      problems: [
        'no validation policy: set Validation__TenantId and Validation__Audiences, or Validation__Policies',
      ],
    });
    const unknown = createValidationRuntime(
      {
        Validation__TenantId: TENANT,
        Validation__Audiences: 'api://demo',
        Validation__IntrospectionCallerPolicy: 'callers',
      },
      { stores: stores() },
    );
    expect(unknown).toEqual({
      ok: false,
      problems: ['Validation__IntrospectionCallerPolicy: no policy named "callers"'],
    });
  });

  it('reports missing storage as a problem instead of throwing', () => {
    const runtime = createValidationRuntime({
      Validation__TenantId: TENANT,
      Validation__Audiences: 'api://demo',
    });
    expect(runtime.ok).toBe(false);
    expect(runtime.ok ? '' : runtime.problems.join()).toContain('Storage is not configured');
  });
});
