import { describe, expect, it } from 'vitest';
import { declarations, parseBicep, readRepoFile } from './lib/bicep.js';
import { asString, dig } from './lib/bicep-eval.js';
import { mainTemplate, moduleDecl, moduleOf, only, resourcesOfType } from './lib/main-template.js';

// Issue 15: blocker 3 (principal type), second-run problems 5 and 6, and Node 22 (item 7).
const parameters = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
  parameters: Record<string, { value: unknown }>;
};

/**
 * main.bicep parameters that azd sets from its environment, and the variable each reads. azd fills
 * AZURE_PRINCIPAL_ID and AZURE_PRINCIPAL_TYPE from the signed-in principal itself; an unset variable
 * drops the parameter, so the Bicep default applies.
 */
const AZD_MAPPED: Record<string, string> = {
  environmentName: 'AZURE_ENV_NAME',
  location: 'AZURE_LOCATION',
  principalId: 'AZURE_PRINCIPAL_ID',
  principalType: 'AZURE_PRINCIPAL_TYPE',
  deployEventSubscriptions: 'DEPLOY_EVENT_SUBSCRIPTIONS',
  enableAuditExportSubscription: 'ENABLE_AUDIT_EXPORT_SUBSCRIPTION',
  grantGraphPermission: 'GRANT_GRAPH_PERMISSION',
  grantGraphAuditLogRead: 'GRANT_GRAPH_AUDIT_LOG_READ',
  grantGraphApplicationRead: 'GRANT_GRAPH_APPLICATION_READ',
  environmentType: 'ENVIRONMENT_TYPE',
  keyVaultPurgeProtection: 'KEY_VAULT_PURGE_PROTECTION',
  tokenClientId: 'TOKEN_CLIENT_ID',
  tokenCertificateName: 'TOKEN_CERTIFICATE_NAME',
  nodeVersion: 'FUNCTION_APP_NODE_VERSION',
  maximumInstanceCount: 'FUNCTION_APP_MAXIMUM_INSTANCE_COUNT',
  instanceMemoryMB: 'FUNCTION_APP_INSTANCE_MEMORY_MB',
};

/** The azd variable a parameters.json value reads: `${NAME}` or `${NAME=default}`. */
function azdVariable(value: unknown): string | undefined {
  return typeof value === 'string' ? /^\$\{([A-Z0-9_]+)(?:=[^}]*)?\}$/.exec(value)?.[1] : undefined;
}

describe('infra/main.parameters.json maps what azd should set', () => {
  it('maps every parameter without a default, and every parameter of the named list to its variable', async () => {
    const declared = declarations(await parseBicep(readRepoFile('infra/main.bicep')));
    const problems: string[] = [];
    for (const [name, declaration] of declared) {
      if (declaration.kind !== 'param') continue;
      const mapped = azdVariable(parameters.parameters[name]?.value);
      const expected = AZD_MAPPED[name];
      if (declaration.value === undefined && !mapped)
        problems.push(`${name} has no default and is not mapped`);
      if (expected && mapped !== expected)
        problems.push(`${name} should read \${${expected}}, not ${mapped}`);
    }
    for (const name of Object.keys(AZD_MAPPED)) {
      if (!declared.has(name)) problems.push(`${name} is in the named list but main.bicep lacks it`);
    }
    expect(problems).toEqual([]);
  });

  it('never passes an empty string azd would send for an unset variable without a default', () => {
    // `${NAME}` with NAME unset is dropped by azd (the Bicep default applies); `${NAME=}` would not be.
    for (const [name, { value }] of Object.entries(parameters.parameters)) {
      expect(String(JSON.stringify(value)), name).not.toMatch(/\$\{[A-Z0-9_]+=\}/);
    }
  });

  it('gives the deployer role the principal type azd detects (a pipeline is a ServicePrincipal)', async () => {
    const main = await mainTemplate({
      principalId: '00000000-0000-0000-0000-000000000001',
      principalType: 'ServicePrincipal',
    });
    const roles = moduleOf(main, 'roles');
    const [deployer] = resourcesOfType(roles, 'Microsoft.Authorization/roleAssignments').filter(
      (decl) => decl.symbol === 'deployerVaultAdmin',
    );
    expect(deployer).toBeDefined();
    const body = only(roles.body(deployer!), 'deployerVaultAdmin');
    expect(dig(body, 'properties.principalType')).toBe('ServicePrincipal');
  });
});

describe('Key Vault purge protection (second runs)', () => {
  async function purgeProtection(args: Record<string, string | boolean>) {
    const main = await mainTemplate(args);
    return only(moduleOf(main, 'keyVault').value('enablePurgeProtection'), 'enablePurgeProtection');
  }

  it('is off for environments marked dev, so `azd down --purge` frees the vault name', async () => {
    expect(await purgeProtection({ environmentType: 'dev' })).toBe(false);
  });

  it('stays on by default and for prod, and an explicit KEY_VAULT_PURGE_PROTECTION wins', async () => {
    expect(await purgeProtection({})).toBe(true);
    expect(await purgeProtection({ environmentType: 'prod' })).toBe(true);
    expect(await purgeProtection({ environmentType: 'dev', keyVaultPurgeProtection: true })).toBe(true);
  });
});

describe('Graph permission grant (second runs)', () => {
  it('runs in phase two only, once the identity has replicated to Microsoft Graph', async () => {
    const first = await mainTemplate({ grantGraphPermission: true, deployEventSubscriptions: false });
    expect(first.condition(moduleDecl(first, 'graphPermission'))).toEqual([false]);
    const second = await mainTemplate({ grantGraphPermission: true, deployEventSubscriptions: true });
    expect(second.condition(moduleDecl(second, 'graphPermission'))).toEqual([true]);
    const off = await mainTemplate({ grantGraphPermission: false, deployEventSubscriptions: true });
    expect(off.condition(moduleDecl(off, 'graphPermission'))).toEqual([false]);
  });
});

describe('the deployed Node.js version', () => {
  async function site(args: Record<string, string | number> = {}) {
    const functionApp = moduleOf(await mainTemplate(args), 'functionApp');
    const [decl] = resourcesOfType(functionApp, 'Microsoft.Web/sites');
    return only(functionApp.body(decl!), 'site');
  }

  it('is Node 22 on Flex Consumption by default, with scale settings azd can override', async () => {
    const defaults = await site();
    expect(dig(defaults, 'properties.functionAppConfig.runtime')).toEqual({ name: 'node', version: '22' });
    const tuned = await site({ nodeVersion: '22', maximumInstanceCount: 40, instanceMemoryMB: 4096 });
    expect(dig(tuned, 'properties.functionAppConfig.scaleAndConcurrency')).toEqual({
      maximumInstanceCount: 40,
      instanceMemoryMB: 4096,
    });
  });

  it('is the major @types/node follows, while engines still allows local Node 20.19', async () => {
    const deployed = asString(dig(await site(), 'properties.functionAppConfig.runtime.version') ?? null);
    const manifest = JSON.parse(readRepoFile('package.json')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies['@types/node']?.split('.')[0]).toBe(deployed);
    expect(manifest.engines.node).toBe('>=20.19');
  });

  it('is the version the README Deploy section names', async () => {
    const deployed = asString(dig(await site(), 'properties.functionAppConfig.runtime.version') ?? null);
    const readme = readRepoFile('README.md');
    const deploy = readme.slice(
      readme.indexOf('<!-- deploy:start -->'),
      readme.indexOf('<!-- deploy:end -->'),
    );
    expect(deploy).toContain(`Node ${deployed}`);
    expect(deploy).not.toMatch(/Node 20(?![.\d]| reached)/);
  });
});
