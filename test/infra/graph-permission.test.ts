import { describe, expect, it } from 'vitest';
import { asString, dig, type Value } from './lib/bicep-eval.js';
import { mainTemplate, moduleOf, only, resourcesOfType } from './lib/main-template.js';

/**
 * The Graph app-role assignments the Bicep makes for the product identity (issue 11): the app role
 * ids of the application permissions, as "Microsoft Graph permissions reference"
 * (https://learn.microsoft.com/graph/permissions-reference) lists them, each beyond OwnedBy
 * behind its own switch with the default the documented features need.
 */
const ROLE_IDS: Record<string, string> = {
  '18a4783c-866b-4cc7-a460-3d5e5662c884': 'Application.ReadWrite.OwnedBy',
  'b0afded3-3588-46d8-8b3d-9842eff778da': 'AuditLog.Read.All',
  '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30': 'Application.Read.All',
};

/** The permissions granted for these main.bicep parameters (phase two, grant on). */
async function granted(args: Record<string, Value> = {}): Promise<string[]> {
  const main = await mainTemplate({ grantGraphPermission: true, deployEventSubscriptions: true, ...args });
  const module = moduleOf(main, 'graphPermission');
  const [graph] = resourcesOfType(module, 'Microsoft.Graph/servicePrincipals');
  // Microsoft Graph's well-known application id.
  expect(dig(only(module.body(graph!), 'graph'), 'appId')).toBe('00000003-0000-0000-c000-000000000000');
  const names: string[] = [];
  for (const decl of resourcesOfType(module, 'Microsoft.Graph/appRoleAssignedTo')) {
    if (!only(module.condition(decl), `${decl.symbol} condition`)) continue;
    const body = only(module.body(decl), decl.symbol);
    const roleId = asString(dig(body, 'appRoleId') ?? null);
    expect(ROLE_IDS[roleId], `${decl.symbol} grants ${roleId}`).toBeDefined();
    // Granted to the product identity, on Microsoft Graph's service principal.
    expect(asString(dig(body, 'principalId') ?? null)).toBe(
      '‹infra/modules/identity.bicep#identity.properties.principalId›',
    );
    expect(asString(dig(body, 'resourceId') ?? null)).toBe('‹infra/modules/graph-permission.bicep#graph.id›');
    names.push(ROLE_IDS[roleId] as string);
  }
  return names.sort();
}

describe('Graph permissions in the Bicep (graph-permission.bicep)', () => {
  it('grants OwnedBy and AuditLog.Read.All by default, not Application.Read.All', async () => {
    expect(await granted()).toEqual(['Application.ReadWrite.OwnedBy', 'AuditLog.Read.All']);
  });

  it('grants Application.Read.All when the deployment names other owners (Inventory__OwnerServicePrincipalIds)', async () => {
    const settings = { Inventory__OwnerServicePrincipalIds: '00000000-0000-0000-0000-0000000000aa' };
    expect(await granted({ additionalAppSettings: settings })).toEqual([
      'Application.Read.All',
      'Application.ReadWrite.OwnedBy',
      'AuditLog.Read.All',
    ]);
  });

  it('each extra permission follows its azd switch', async () => {
    expect(await granted({ grantGraphAuditLogRead: false })).toEqual(['Application.ReadWrite.OwnedBy']);
    expect(await granted({ grantGraphApplicationRead: true, grantGraphAuditLogRead: false })).toEqual([
      'Application.Read.All',
      'Application.ReadWrite.OwnedBy',
    ]);
  });
});
