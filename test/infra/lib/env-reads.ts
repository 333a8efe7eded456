import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * App settings the product code reads by literal name: `env.Name`, `env?.Name`, `process.env.Name`,
 * `env['Name']`; a literal name passed with the environment to a function, `reader(env, 'Name', …)`
 * (`section(env, 'AzureAd')` for a section); and the settings reader's typed reads
 * (`settings.int('Name')`, `.seconds`, `.bool`, `.list`, `.string`, `defaultOf(specs, 'Name')`).
 * Names built at run time (`Clients__${name}__…`) are the catalogue's placeholder families and
 * cannot be found this way; every literal one can.
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
  return [...names];
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
