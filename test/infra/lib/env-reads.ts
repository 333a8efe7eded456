import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * App settings the product code reads by name: `env.Name`, `env?.Name`, `process.env.Name`,
 * `env['Name']`, a literal name passed with the environment to a function (`section(env, 'AzureAd')`),
 * and the settings reader's typed reads (`settings.int('Name')`, `.seconds`, `.bool`,
 * `.list`, `.string`, `defaultOf(specs, 'Name')`). A read through a string constant of the file
 * (`env[PREFIX]`, ``env[`${PREFIX}__accountName`]``) resolves to its name. A read through any
 * other variable (`env[name]`, `settings.list(setting)`) takes its names from a list in the same
 * file, so in such a file every literal shaped like a setting name (`Section__Key`, `UPPER_SNAKE`)
 * counts as read. Names built from run-time values (`Clients__${name}__…`) are the catalogue's
 * placeholder families and cannot be found this way; every literal one can.
 */
export function envReads(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(
    /\benv\??\.([A-Za-z_][A-Za-z0-9_]*)|\benv\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]|\b[A-Za-z_$][\w$]*\(\s*(?:process\.)?env\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g,
  )) {
    names.add((match[1] ?? match[2] ?? match[3]) as string);
  }
  for (const match of source.matchAll(
    /(?:\.(?:int|seconds|bool|list|string)|\bdefaultOf\([^,()]+,)\(?\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]/g,
  )) {
    names.add(match[1] as string);
  }
  const constants = new Map<string, string>();
  for (const match of source.matchAll(/\bconst\s+([A-Za-z_$][\w$]*)\s*=\s*['"]([^'"\\]*)['"]/g)) {
    constants.set(match[1] as string, match[2] as string);
  }
  let readsThroughVariable = false;
  for (const match of source.matchAll(
    /(?:\benv\?*\.?\[|\.(?:int|seconds|bool|list|string)\(|\bdefaultOf\([^,()]+,)\s*([A-Za-z_$][\w$]*|`[^`]*`)\s*[\]),]/g,
  )) {
    const name = resolve(match[1] as string, constants);
    if (name === undefined) readsThroughVariable = true;
    else if (SETTING_NAME.test(name)) names.add(name);
  }
  if (readsThroughVariable) {
    for (const match of source.matchAll(/['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]/g)) {
      if (SETTING_SHAPED.test(match[1] as string)) names.add(match[1] as string);
    }
  }
  return [...names];
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `Section__Key` (any depth) or `UPPER_SNAKE`: what a setting's name looks like, as a literal. */
const SETTING_SHAPED = /^(?:[A-Za-z][A-Za-z0-9]*(?:__[A-Za-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)$/;

/** A constant's value, or a template of constants and text; undefined for anything else. */
function resolve(argument: string, constants: Map<string, string>): string | undefined {
  if (!argument.startsWith('`')) return constants.get(argument);
  let unresolved = false;
  const text = argument.slice(1, -1).replace(/\$\{\s*([A-Za-z_$][\w$]*)\s*\}/g, (_all, id: string) => {
    const value = constants.get(id);
    if (value === undefined) unresolved = true;
    return value ?? '';
  });
  return unresolved || text.includes('${') ? undefined : text;
}

/** Every `.ts` file under the given folders (the deployed code: functions/ and shared/). */
export function sourceFiles(root: string, folders: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return files;
}

export function readSources(files: string[]): Map<string, string> {
  return new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
}
