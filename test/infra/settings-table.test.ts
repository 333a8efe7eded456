import { describe, expect, it } from 'vitest';
import {
  END_MARKER,
  renderMetricsTable,
  renderReadmeTables,
  renderSettingsTable,
  replaceSettingsTable,
  START_MARKER,
} from '../../scripts/settings-table.mjs';
import { metricsCatalogue, settingsCatalogue } from '../../shared/catalogue.js';
import { METRIC_PREFIX } from '../../shared/platform/metrics.js';
import { readRepoFile } from './lib/bicep.js';

describe('README configuration table', () => {
  it('is up to date with the settings catalogue (run `npm run docs:settings`)', () => {
    const readme = readRepoFile('README.md');
    expect(readme, 'README.md settings table is stale: run `npm run docs:settings`').toBe(
      replaceSettingsTable(readme, renderSettingsTable(settingsCatalogue)),
    );
  });

  it('lists every catalogue setting once, escaping table syntax', () => {
    const table = renderSettingsTable([
      { name: 'A__B', description: 'pipes | and\nnewlines', default: '1', deploy: 'bicep' },
      { name: 'C', description: 'secret one', deploy: 'optional', secret: true },
    ]);
    expect(table).toContain('| `A__B` | `1` | set by `infra/` | pipes \\| and newlines |');
    expect(table).toContain('| `C` |  | optional | secret one Secret: use a Key Vault reference in Azure. |');
  });

  it('detects a stale table and rewrites only the marked region', () => {
    const readme = `# Title\n\n${START_MARKER}\nold\n${END_MARKER}\n\nafter\n`;
    const rewritten = replaceSettingsTable(readme, 'new table');
    expect(rewritten).not.toBe(readme);
    expect(rewritten).toBe(`# Title\n\n${START_MARKER}\nnew table\n${END_MARKER}\n\nafter\n`);
    expect(() => replaceSettingsTable('no markers', 'x')).toThrow(/settings-table:start/);
  });
});

describe('README metrics table', () => {
  it('is up to date with the metrics catalogue (run `npm run docs:settings`)', () => {
    const readme = readRepoFile('README.md');
    expect(readme, 'README.md tables are stale: run `npm run docs:settings`').toBe(
      renderReadmeTables(readme, { settingsCatalogue, metricsCatalogue }),
    );
    expect(readme).toContain(renderMetricsTable(metricsCatalogue));
  });

  it('names every metric once, under the product prefix', () => {
    const names = metricsCatalogue.map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names)
      expect(name).toMatch(new RegExp(`^${METRIC_PREFIX.replace('.', '\\.')}[a-z_.]+$`));
  });
});
