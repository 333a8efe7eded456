import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../shared/inventory/run.js';
import { runOutcome as inventoryOutcome } from '../../../shared/inventory/service.js';
import type { ConfigurationError } from '../../../shared/platform/errors.js';
import { emptyRotationSummary, type RotationSummary } from '../../../shared/rotation/run-recorder.js';
import { runOutcome as rotationOutcome } from '../../../shared/rotation/service.js';
import { dashboardAudience } from '../../../shared/validation/dashboard-policy.js';
import { loadPolicies } from '../../../shared/validation/policy.js';

const TID = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const API = 'cccccccc-cccc-cccc-cccc-cccccccccccc';
const SPA = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';

function problems(env: Record<string, string>): string[] {
  try {
    loadPolicies(env);
    return [];
  } catch (error) {
    return (error as ConfigurationError).problems;
  }
}

describe('the dashboard validation policy', () => {
  it('is built from Dashboard__ClientId: user tokens for the product API with Credentials.Read', () => {
    const policy = loadPolicies({
      Dashboard__ClientId: SPA,
      Dashboard__Audience: `${API},api://${API}`,
      Dashboard__TenantId: TID,
    }).get('dashboard');
    expect(policy).toMatchObject({
      tenants: [TID],
      audiences: [API, `api://${API}`],
      tokenKind: 'user',
      requiredScopes: ['Credentials.Read'],
      realm: 'dashboard',
      versions: ['1.0', '2.0'],
    });
  });

  it('falls back to Callers__Audience and AzureAd__TenantId, and is off without Dashboard__ClientId', () => {
    const env = { Callers__Audience: `api://${API},${API}`, AzureAd__TenantId: TID };
    expect(loadPolicies(env).has('dashboard')).toBe(false);
    expect(loadPolicies({ ...env, Dashboard__ClientId: SPA }).get('dashboard')).toMatchObject({
      tenants: [TID],
      audiences: [`api://${API}`, API],
    });
  });

  it.each([
    [
      { Dashboard__ClientId: SPA, Dashboard__TenantId: TID },
      'Dashboard__Audience: required with Dashboard__ClientId',
    ],
    [
      { Dashboard__ClientId: SPA, Dashboard__Audience: API },
      'Dashboard__TenantId: required with Dashboard__ClientId',
    ],
    [
      {
        Dashboard__ClientId: SPA,
        Dashboard__Audience: API,
        Dashboard__TenantId: TID,
        Validation__Policies: '{"dashboard":{}}',
      },
      'Validation__Policies: "dashboard" is also defined by Dashboard__ClientId; use one',
    ],
    [
      { Dashboard__ClientId: SPA, Dashboard__Audience: API, Dashboard__TenantId: 'contoso' },
      'policy "dashboard": tenants',
    ],
  ])('reports %j', (env, problem) => {
    expect(problems(env).join('\n')).toContain(problem);
  });

  it.each([
    [{ Dashboard__Audience: API }, `api://${API}/Credentials.Read`, 'Credentials.Read'],
    [
      { Dashboard__Audience: `${API},api://orders-admin/` },
      'api://orders-admin/Credentials.Read',
      'Credentials.Read',
    ],
    [
      { Dashboard__Audience: API, Dashboard__Scope: 'api://x/Dashboard.View' },
      'api://x/Dashboard.View',
      'Dashboard.View',
    ],
    [{}, undefined, 'Credentials.Read'],
  ])('derives the requested scope from %j', (env, scope, scopeName) => {
    expect(dashboardAudience(env)).toMatchObject({ scope, scopeName });
  });
});

describe('run outcomes kept for the dashboard', () => {
  const inventory = (over: Partial<RunSummary>): RunSummary => ({
    apps: 3,
    credentials: 5,
    byStatus: { ok: 5, notice: 0, warning: 0, critical: 0, expired: 0, unknown: 0 },
    failedApps: [],
    deletedApps: [],
    staleApps: 0,
    throttled: 0,
    events: 0,
    lastUseSource: null,
    errors: [],
    durationMs: 1,
    ...over,
  });
  it.each([
    [{}, 'succeeded', '3 apps, 5 credentials'],
    [{ failedApps: ['a'] }, 'partial', '3 apps, 5 credentials, 1 apps failed'],
    [{ failedApps: ['a', 'b', 'c'] }, 'failed', '3 apps, 5 credentials, 3 apps failed'],
    [{ apps: 0, credentials: 0, errors: ['Graph down'] }, 'failed', '0 apps, 0 credentials, 1 errors'],
  ] as Array<[Partial<RunSummary>, string, string]>)('inventory %j → %s', (over, outcome, summary) => {
    expect(inventoryOutcome(inventory(over), 0)).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      outcome,
      summary,
    });
  });

  const rotation = (over: Partial<RotationSummary>): RotationSummary => ({
    ...emptyRotationSummary('r', false),
    apps: 2,
    durationMs: 1,
    ...over,
  });
  it.each([
    [{ rotated: ['a'] }, 'succeeded', '2 apps, 1 rotated, 0 removed'],
    [
      { rotated: ['a'], failed: [{ appId: 'b', step: 'add', code: 'x' }] },
      'partial',
      '2 apps, 1 rotated, 0 removed, 1 failed',
    ],
    [
      { failed: [{ appId: 'b', step: 'add', code: 'x' }] },
      'failed',
      '2 apps, 0 rotated, 0 removed, 1 failed',
    ],
    [{ dryRun: true, planned: [{ appId: 'a', kind: 'rotate' }] }, 'dry-run', '2 apps, 1 planned'],
  ] as Array<[Partial<RotationSummary>, string, string]>)('rotation %j → %s', (over, outcome, summary) => {
    expect(rotationOutcome(rotation(over), 0)).toMatchObject({ outcome, summary });
  });
});
