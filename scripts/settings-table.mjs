// Writes the README configuration and metrics tables (between their markers) from the settings and
// metrics catalogues, so the tables never drift from the code. `npm run docs:settings` builds first and runs this;
// test/infra/settings-table.test.ts fails when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const START_MARKER = '<!-- settings-table:start -->';
export const END_MARKER = '<!-- settings-table:end -->';
export const METRICS_START_MARKER = '<!-- metrics-table:start -->';
export const METRICS_END_MARKER = '<!-- metrics-table:end -->';

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
 * The markdown table of the metrics catalogue, one row per metric, in catalogue order.
 * @param {readonly { name: string; kind: string; unit: string; description: string; attributes: Readonly<Record<string, string>> }[]} catalogue
 * @returns {string}
 */
export function renderMetricsTable(catalogue) {
  const rows = catalogue.map((metric) => {
    const attributes = Object.entries(metric.attributes)
      .map(([key, values]) => `\`${key}\`: ${values}`)
      .join('; ');
    return `| \`${cell(metric.name)}\` | ${metric.kind} | \`${cell(metric.unit)}\` | ${cell(metric.description)} | ${cell(attributes)} |`;
  });
  return [
    'Generated from `shared/catalogue.ts` by `npm run docs:settings`; do not edit by hand.',
    '',
    '| metric | kind | unit | what it counts | attributes |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * The README text with the region between two markers replaced by `table`.
 * @param {string} readme
 * @param {string} table
 * @param {string} [startMarker]
 * @param {string} [endMarker]
 * @returns {string}
 */
export function replaceSettingsTable(readme, table, startMarker = START_MARKER, endMarker = END_MARKER) {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) {
    throw new Error(`README.md must contain ${startMarker} followed by ${endMarker}.`);
  }
  return `${readme.slice(0, start + startMarker.length)}\n${table}\n${readme.slice(end)}`;
}

/**
 * The README with both generated tables up to date.
 * @param {string} readme
 * @param {{ settingsCatalogue: readonly any[]; metricsCatalogue: readonly any[] }} catalogues
 * @returns {string}
 */
export function renderReadmeTables(readme, { settingsCatalogue, metricsCatalogue }) {
  const withSettings = replaceSettingsTable(readme, renderSettingsTable(settingsCatalogue));
  return replaceSettingsTable(
    withSettings,
    renderMetricsTable(metricsCatalogue),
    METRICS_START_MARKER,
    METRICS_END_MARKER,
  );
}

async function main() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const catalogueModule = pathToFileURL(`${root}dist/shared/catalogue.js`).href;
  const catalogues = await import(catalogueModule);
  const readmePath = `${root}README.md`;
  const before = readFileSync(readmePath, 'utf8');
  const after = renderReadmeTables(before, catalogues);
  if (after === before) {
    console.log('README.md settings and metrics tables are up to date.');
    return;
  }
  writeFileSync(readmePath, after);
  console.log(
    `README.md tables rewritten (${catalogues.settingsCatalogue.length} settings, ${catalogues.metricsCatalogue.length} metrics).`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
