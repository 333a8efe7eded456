import { describe, expect, it } from 'vitest';
import { asString, dig, isObject, ResourceRef } from './lib/bicep-eval.js';
import { mainTemplate, moduleOf, only, resourcesOfType } from './lib/main-template.js';

// Issue 15, item 8: Application Insights accepts Entra ID-authenticated telemetry only, sent as the
// product identity (the Functions host and the OpenTelemetry exporter).
const MONITORING_METRICS_PUBLISHER = '3913510d-42f4-4e42-8a64-420c390055eb';

describe('Application Insights without keys', () => {
  it('disables local (instrumentation key) authentication on the component', async () => {
    const monitoring = moduleOf(await mainTemplate(), 'monitoring');
    const [component] = resourcesOfType(monitoring, 'Microsoft.Insights/components');
    expect(component).toBeDefined();
    expect(dig(only(monitoring.body(component!), 'component'), 'properties.DisableLocalAuth')).toBe(true);
  });

  it('tells the host and the exporter to sign in as the identity AZURE_CLIENT_ID names', async () => {
    const main = await mainTemplate();
    const settings = only(moduleOf(main, 'functionApp').value('appSettings'), 'appSettings');
    expect(isObject(settings)).toBe(true);
    const clientId = asString(dig(settings, 'AZURE_CLIENT_ID') ?? null);
    expect(clientId).toMatch(/^‹.+clientId›$/);
    expect(dig(settings, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
      `ClientId=${clientId};Authorization=AAD`,
    );
  });

  it('grants that identity Monitoring Metrics Publisher on the component', async () => {
    const main = await mainTemplate();
    const roles = moduleOf(main, 'roles');
    const monitoring = moduleOf(main, 'monitoring');
    const [component] = resourcesOfType(monitoring, 'Microsoft.Insights/components');
    const componentName = asString(only(monitoring.resourceNames(component!), 'component name'));
    const identityPrincipal = asString(only(roles.value('principalId'), 'principalId'));
    const grants = resourcesOfType(roles, 'Microsoft.Authorization/roleAssignments')
      .flatMap((decl) => roles.body(decl))
      .filter((body) =>
        asString(dig(body, 'properties.roleDefinitionId') ?? null).includes(MONITORING_METRICS_PUBLISHER),
      );
    expect(grants).toHaveLength(1);
    const [grant] = grants;
    expect(asString(dig(grant, 'properties.principalId') ?? null)).toBe(identityPrincipal);
    expect(dig(grant, 'properties.principalType')).toBe('ServicePrincipal');
    const scope = dig(grant, 'scope');
    expect(scope).toBeInstanceOf(ResourceRef);
    const target = scope as ResourceRef;
    expect(target.decl.type.split('@')[0]).toBe('Microsoft.Insights/components');
    expect(asString(only(target.ctx.resourceNames(target.decl), 'scope name'))).toBe(componentName);
  });
});
