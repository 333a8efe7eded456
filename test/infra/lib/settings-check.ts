import type { SettingSpec } from '../../../shared/platform/settings-reader.js';

/**
 * Settings consistency: the catalogue (what the code reads) against the Bicep (what a deployment sets)
 * and the README table (what an operator may set). Names with `<placeholder>` segments describe a
 * family; Bicep sets concrete members such as `AzureAd__ClientCredentials__0__SourceType`.
 */

/** A pattern for a catalogue name: each `<placeholder>` stands for one name segment. */
export function settingPattern(name: string): RegExp {
  const source = name
    .split(/(<[^>]+>)/)
    .map((part) => (/^<[^>]+>$/.test(part) ? '[A-Za-z0-9-]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

export function matchesSetting(spec: SettingSpec, name: string): boolean {
  return settingPattern(spec.name).test(name);
}

export interface SettingsInputs {
  catalogue: readonly SettingSpec[];
  /** App setting names the Bicep sets. */
  bicep: readonly string[];
  /** Setting names listed in the README configuration table. */
  readme: readonly string[];
}

/** Every inconsistency, as readable sentences; empty when the three agree. */
export function settingsProblems({ catalogue, bicep, readme }: SettingsInputs): string[] {
  const problems: string[] = [];
  for (const spec of catalogue) {
    if (spec.deploy === 'bicep' && !bicep.some((name) => matchesSetting(spec, name))) {
      problems.push(`${spec.name} is deploy: 'bicep' in the catalogue but infra/ does not set it.`);
    }
    if (spec.deploy === 'optional' && !readme.includes(spec.name)) {
      problems.push(`${spec.name} is optional but the README configuration table does not document it.`);
    }
  }
  for (const name of bicep) {
    if (!catalogue.some((spec) => matchesSetting(spec, name))) {
      problems.push(`infra/ sets ${name}, which the settings catalogue does not declare.`);
    }
  }
  for (const name of readme) {
    if (!catalogue.some((spec) => spec.name === name)) {
      problems.push(`The README table documents ${name}, which the settings catalogue does not declare.`);
    }
  }
  return problems;
}

/** Setting names in the first column of the README table between the settings-table markers. */
export function readmeSettingNames(readme: string, start: string, end: string): string[] {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return [];
  return readme
    .slice(from, to)
    .split('\n')
    .map((line) => /^\|\s*`([^`]+)`\s*\|/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}
