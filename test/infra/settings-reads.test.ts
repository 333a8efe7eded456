import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsCatalogue } from '../../shared/catalogue.js';
import { envReads, readSources, sourceFiles } from './lib/env-reads.js';
import { matchesSetting } from './lib/settings-check.js';

/**
 * Variables the Azure platform sets itself ("App settings reference for Azure Functions",
 * "Environment variables and app settings in Azure App Service"): read, never configured by users.
 */
const PLATFORM_VARIABLES = new Set(['WEBSITE_INSTANCE_ID', 'IDENTITY_ENDPOINT', 'MSI_ENDPOINT']);

/**
 * Names neither catalogued nor set by the platform. A name read as a section (`section(env, 'AzureAd')`
 * reads `AzureAd__*`) passes when the catalogue declares settings under it.
 */
function uncatalogued(names: string[]): string[] {
  return names.filter(
    (name) =>
      !PLATFORM_VARIABLES.has(name) &&
      !settingsCatalogue.some((spec) => matchesSetting(spec, name) || spec.name.startsWith(`${name}__`)),
  );
}

describe('settings the code reads', () => {
  it('every setting read by literal name in functions/ and shared/ is in the catalogue', () => {
    const root = join(import.meta.dirname, '..', '..');
    const problems: string[] = [];
    for (const [file, source] of readSources(sourceFiles(root, ['functions', 'shared']))) {
      for (const name of uncatalogued(envReads(source)))
        problems.push(`${file.slice(root.length + 1)} reads ${name}`);
    }
    expect(problems).toEqual([]);
  });

  it('finds the read forms the code uses, so an uncatalogued one fails the check', () => {
    const source = [
      'const a = process.env.Tokens__CertificateRefreshSeconds;',
      'const b = env?.Made__Up__Setting;',
      "const c = env['Another_Unknown'];",
      'const d = environment.Not_A_Read;',
      "const e1 = settings.seconds('Validation__KeyRefreshSeconds');",
      "const f1 = settings.int(\n  'Reader__Unknown__Int', { max: 3 });",
      "const g1 = reader.bool('Reader__Unknown__Bool') && reader.list('Reader_List') && x.string('Reader_String');",
      "const h1 = defaultOf(tokenSettings, 'Default__Unknown');",
      "const i1 = 'Not__A__Read'.trim();",
      // Functions that take the environment and a literal name.
      "const e = seconds(env, 'Reader__Unknown__Seconds', 5, problems);",
      "const f = intSetting(process.env, 'Validation__ClockSkewSeconds');",
      "const g = section(env, 'AzureAd');",
      "const h = format(value, 'Not__An__Env__Read');",
    ].join('\n');
    const unknown = [
      'Another_Unknown',
      'Default__Unknown',
      'Made__Up__Setting',
      'Reader_List',
      'Reader_String',
      'Reader__Unknown__Bool',
      'Reader__Unknown__Int',
      'Reader__Unknown__Seconds',
    ];
    const catalogued = [
      'AzureAd',
      'Tokens__CertificateRefreshSeconds',
      'Validation__ClockSkewSeconds',
      'Validation__KeyRefreshSeconds',
    ];
    expect(envReads(source).sort()).toEqual([...unknown, ...catalogued].sort());
    expect(uncatalogued(envReads(source)).sort()).toEqual(unknown);
  });

  it('finds names read through a constant, a template of constants, or a list the file reads from', () => {
    // As storage.ts reads AzureWebJobsStorage__*, and policy.ts its optional lists.
    const throughVariables = [
      "const PREFIX = 'Const__Prefix';",
      'const connection = env[PREFIX];',
      `const account = env[\`\${PREFIX}__accountName\`];`,
      "const optional: Array<[string, string]> = [['List__Setting', 'key'], ['Other__List', 'other']];",
      'for (const [setting] of optional) settings.list(setting);',
      "const missing = ['UPPER_ONE', 'UPPER_TWO'].filter((name) => !env[name]);",
      "const message = 'not a setting: Words with spaces';",
    ].join('\n');
    expect(envReads(throughVariables).sort()).toEqual(
      [
        'Const__Prefix',
        'Const__Prefix__accountName',
        'List__Setting',
        'Other__List',
        'UPPER_ONE',
        'UPPER_TWO',
      ].sort(),
    );
    expect(uncatalogued(envReads(throughVariables)).length).toBe(6);
    // Without a read through a variable, a setting-shaped literal is only a string.
    expect(envReads("const label = 'Not__A__Read'; const x = env.Plain_Read;")).toEqual(['Plain_Read']);
  });
});
