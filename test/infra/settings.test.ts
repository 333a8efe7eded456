import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { END_MARKER, START_MARKER } from '../../scripts/settings-table.mjs';
import { settingsCatalogue } from '../../shared/catalogue.js';
import type { SettingSpec } from '../../shared/platform/settings-reader.js';
import { appSettingNames, bicepFiles, parseBicep, readRepoFile } from './lib/bicep.js';
import { readmeSettingNames, settingPattern, settingsProblems } from './lib/settings-check.js';

// Check 2 of issue 6: the settings the code reads (the catalogue) against what the Bicep sets and what
// the README documents as optional. Both sides are extracted, never kept by hand.
async function bicepSettingNames(): Promise<string[]> {
  const names: string[] = [];
  for (const file of bicepFiles()) names.push(...appSettingNames(await parseBicep(readRepoFile(file))));
  return names;
}

describe('settings consistency', () => {
  it('the Bicep sets every deploy: bicep setting, only catalogue settings, and the README documents the optional ones', async () => {
    const bicep = await bicepSettingNames();
    const readme = readmeSettingNames(readRepoFile('README.md'), START_MARKER, END_MARKER);
    expect(bicep).toContain('AzureWebJobsStorage__accountName');
    expect(settingsProblems({ catalogue: settingsCatalogue, bicep, readme })).toEqual([]);
  });

  it('never puts a storage key or connection string in the Bicep', () => {
    for (const file of bicepFiles()) {
      const source = readRepoFile(file);
      expect(source, file).not.toMatch(/listKeys\(/);
      expect(source, file).not.toMatch(/AccountKey/i);
      expect(source, file).not.toMatch(/DefaultEndpointsProtocol/);
    }
  });

  it('extracts names through union(), ternaries and vars', async () => {
    const source = readFileSync(new URL('./fixtures/settings-drift.bicep', import.meta.url), 'utf8');
    expect(appSettingNames(await parseBicep(source)).sort()).toEqual([
      'AzureWebJobsStorage__accountName',
      'Clients__billing__ClientId',
      'Undeclared__Setting',
    ]);
  });

  it('fails when a setting exists on one side only (fixture)', async () => {
    const source = readFileSync(new URL('./fixtures/settings-drift.bicep', import.meta.url), 'utf8');
    const catalogue: SettingSpec[] = [
      { name: 'AzureWebJobsStorage__accountName', description: 'a', deploy: 'bicep' },
      { name: 'AzureWebJobsStorage__clientId', description: 'b', deploy: 'bicep' },
      { name: 'Clients__<name>__ClientId', description: 'c', deploy: 'optional' },
      { name: 'Health__TimeoutMs', description: 'd', deploy: 'optional', default: '3000' },
    ];
    const problems = settingsProblems({
      catalogue,
      bicep: appSettingNames(await parseBicep(source)),
      readme: ['Clients__<name>__ClientId', 'Stale__Setting'],
    });
    expect(problems).toEqual([
      "AzureWebJobsStorage__clientId is deploy: 'bicep' in the catalogue but infra/ does not set it.",
      'Health__TimeoutMs is optional but the README configuration table does not document it.',
      'infra/ sets Undeclared__Setting, which the settings catalogue does not declare.',
      'The README table documents Stale__Setting, which the settings catalogue does not declare.',
    ]);
  });

  it('matches placeholder families segment by segment', () => {
    const pattern = settingPattern('AzureAd__ClientCredentials__<n>__SourceType');
    expect(pattern.test('AzureAd__ClientCredentials__0__SourceType')).toBe(true);
    expect(pattern.test('AzureAd__ClientCredentials__0__1__SourceType')).toBe(false);
    expect(pattern.test('AzureAd__ClientCredentials____SourceType')).toBe(false);
    expect(settingPattern('Clients__<name>__ClientId').test('Clients__billing-api__ClientId')).toBe(true);
  });
});
