import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declarations, parseBicep, readRepoFile, repoRoot } from './lib/bicep.js';
import { isDirectoryIgnored, isIgnored, parseIgnoreRules } from './lib/funcignore.js';
import { parseYamlMap, type YamlMap, yamlGet } from './lib/yaml.js';

// Check 4 of issue 6: azure.yaml points at real paths and commands.
const azureYaml = parseYamlMap(readRepoFile('azure.yaml'));
const packageJson = JSON.parse(readRepoFile('package.json')) as {
  scripts: Record<string, string>;
  main: string;
};

function hookScripts(hooks: YamlMap | undefined): string[] {
  const runs: string[] = [];
  for (const hook of Object.values(hooks ?? {})) {
    if (typeof hook === 'string') continue;
    for (const platform of Object.values(hook)) {
      if (typeof platform !== 'string' && typeof platform.run === 'string') runs.push(platform.run);
    }
  }
  return runs;
}

describe('azure.yaml', () => {
  const services = yamlGet(azureYaml, 'services');

  it('has one function service in TypeScript whose project path exists and holds host.json', () => {
    expect(typeof services).toBe('object');
    const entries = Object.entries(services as YamlMap);
    expect(entries).toHaveLength(1);
    const [, service] = entries[0] as [string, YamlMap];
    expect(service.host).toBe('function');
    expect(['ts', 'js', 'typescript', 'javascript']).toContain(service.language);
    const project = join(repoRoot, String(service.project));
    expect(statSync(project).isDirectory()).toBe(true);
    expect(existsSync(join(project, 'host.json'))).toBe(true);
    expect(existsSync(join(project, 'package.json'))).toBe(true);
  });

  it('has the build step azd runs for TypeScript, producing what package.json main loads', () => {
    expect(packageJson.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(packageJson.main).toBe('dist/bundle/app.js');
    expect(packageJson.scripts.build).toMatch(/node scripts\/bundle\.mjs/);
    const build = JSON.parse(readRepoFile('tsconfig.build.json')) as { compilerOptions: { outDir: string } };
    expect(build.compilerOptions.outDir).toBe('dist');
  });

  it('points at the Bicep module that exists', () => {
    const path = String(yamlGet(azureYaml, 'infra', 'path'));
    const module = String(yamlGet(azureYaml, 'infra', 'module'));
    expect(existsSync(join(repoRoot, path, `${module}.bicep`))).toBe(true);
    expect(existsSync(join(repoRoot, path, `${module}.parameters.json`))).toBe(true);
  });

  it('runs hooks that exist, including the postdeploy second provisioning', () => {
    const postdeploy = yamlGet(azureYaml, 'hooks', 'postdeploy') as YamlMap | undefined;
    expect(postdeploy).toBeDefined();
    const runs = [...hookScripts(yamlGet(azureYaml, 'hooks') as YamlMap)];
    for (const service of Object.values(services as YamlMap)) {
      if (typeof service !== 'string') runs.push(...hookScripts(service.hooks as YamlMap | undefined));
    }
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      // Inline hooks run a package.json script or a Node script of the repository.
      const npmScript = /^npm run ([\w:.-]+)$/.exec(run)?.[1];
      const nodeScript = /^node (\S+\.mjs)(?: \w+)?$/.exec(run)?.[1];
      if (npmScript) expect(Object.keys(packageJson.scripts), run).toContain(npmScript);
      else if (nodeScript) expect(existsSync(join(repoRoot, nodeScript)), run).toBe(true);
      else expect.fail(`unexpected hook command: ${run}`);
    }
    const script = readRepoFile('scripts/azd-hooks.mjs');
    expect(script).toMatch(/'env', 'set', FLAG/);
    expect(script).toMatch(/\['provision', '--no-prompt'\]/);
  });

  it('wires DEPLOY_EVENT_SUBSCRIPTIONS to the deployEventSubscriptions parameter, off by default', () => {
    const parameters = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
      parameters: Record<string, { value: unknown }>;
    };
    // azd substitutes ${NAME} and ${NAME=default} from the environment.
    const azdVariable = (body: string) => `\${${body}}`;
    expect(parameters.parameters.deployEventSubscriptions?.value).toBe(
      azdVariable('DEPLOY_EVENT_SUBSCRIPTIONS=false'),
    );
    expect(parameters.parameters.environmentName?.value).toBe(azdVariable('AZURE_ENV_NAME'));
    expect(parameters.parameters.location?.value).toBe(azdVariable('AZURE_LOCATION'));
    expect(readRepoFile('infra/main.bicep')).toMatch(/param deployEventSubscriptions bool = false/);
  });

  it('builds locally, so .funcignore must keep node_modules (azd requires the two to agree)', () => {
    const service = Object.values(services as YamlMap)[0] as YamlMap;
    expect(service.remoteBuild).toBe('false');
    const rules = parseIgnoreRules(readFileSync(join(repoRoot, '.funcignore'), 'utf8'));
    expect(isIgnored(rules, 'node_modules/@azure/functions/package.json')).toBe(false);
    // The package folder azd zips is left out of a package made from the project itself.
    expect(service.dist).toBe('dist/deploy');
    expect(isDirectoryIgnored(rules, 'dist/deploy')).toBe(true);
  });

  it('rejects YAML it cannot read faithfully', () => {
    expect(() => parseYamlMap('services:\n  - api\n')).toThrow(/unsupported/);
  });
});

describe('infra/main.parameters.json and host.json', () => {
  it('passes only parameters main.bicep declares, and every required one', async () => {
    const declared = declarations(await parseBicep(readRepoFile('infra/main.bicep')));
    const parameters = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
      parameters: Record<string, unknown>;
    };
    for (const name of Object.keys(parameters.parameters)) {
      expect(declared.get(name)?.kind, name).toBe('param');
    }
    for (const [name, declaration] of declared) {
      if (declaration.kind === 'param' && declaration.value === undefined) {
        expect(Object.keys(parameters.parameters), `required param ${name}`).toContain(name);
      }
    }
  });

  it('host.json is production-ready: extension bundle v4, timeout, log levels, sampling', () => {
    const host = JSON.parse(readRepoFile('host.json')) as {
      version: string;
      extensionBundle: { id: string; version: string };
      functionTimeout: string;
      logging: {
        logLevel: Record<string, string>;
        applicationInsights: { samplingSettings: { isEnabled: boolean } };
      };
    };
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
    expect(host.extensionBundle.version).toMatch(/^\[4\./);
    expect(host.functionTimeout).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect(host.logging.logLevel.default).toBeDefined();
    expect(host.logging.applicationInsights.samplingSettings.isEnabled).toBe(true);
  });
});
