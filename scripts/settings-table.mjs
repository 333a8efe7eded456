// Writes the README configuration table (between the settings-table markers) from the settings
// catalogue, so the table never drifts from the code. `npm run docs:settings` builds first and runs this;
// test/infra/settings-table.test.ts fails when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const START_MARKER = '<!-- settings-table:start -->';
export const END_MARKER = '<!-- settings-table:end -->';

/** @param {string} text */
function cell(text) {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * The markdown table for a catalogue, one row per setting, in catalogue order.
 * @param {readonly { name: string; description: string; default?: string; deploy: 'bicep' | 'optional'; secret?: boolean }[]} catalogue
 * @returns {string}
 */
export function renderSettingsTable(catalogue) {
  const rows = catalogue.map((setting) => {
    const name = `\`${cell(setting.name)}\``;
    const fallback = setting.default === undefined ? '' : `\`${cell(setting.default)}\``;
    const deploy = setting.deploy === 'bicep' ? 'set by `infra/`' : 'optional';
    const secret = setting.secret ? ' Secret: use a Key Vault reference in Azure.' : '';
    return `| ${name} | ${fallback} | ${deploy} | ${cell(setting.description)}${secret} |`;
  });
  return [
    'Generated from `shared/catalogue.ts` by `npm run docs:settings`; do not edit by hand.',
    '`<name>` and `<n>` stand for a client name and a credential index (0, 1, …).',
    '',
    '| setting | default | deployment | description |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * The README text with the region between the markers replaced by `table`.
 * @param {string} readme
 * @param {string} table
 * @returns {string}
 */
export function replaceSettingsTable(readme, table) {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`README.md must contain ${START_MARKER} followed by ${END_MARKER}.`);
  }
  return `${readme.slice(0, start + START_MARKER.length)}\n${table}\n${readme.slice(end)}`;
}

async function main() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const catalogueModule = pathToFileURL(`${root}dist/shared/catalogue.js`).href;
  const { settingsCatalogue } = await import(catalogueModule);
  const readmePath = `${root}README.md`;
  const before = readFileSync(readmePath, 'utf8');
  const after = replaceSettingsTable(before, renderSettingsTable(settingsCatalogue));
  if (after === before) {
    console.log('README.md settings table is up to date.');
    return;
  }
  writeFileSync(readmePath, after);
  console.log(`README.md settings table rewritten (${settingsCatalogue.length} settings).`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
