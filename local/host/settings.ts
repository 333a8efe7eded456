import { existsSync, readFileSync } from 'node:fs';
import type { HostKeys } from './keys.js';

/**
 * `local.settings.json`, as the func CLI reads it ("Develop Azure Functions locally", Microsoft
 * Learn): `Values` become environment variables of the host process, `Host.LocalHttpPort` sets the
 * port. `Keys` is ours: the local stand-in for the host's key store (master, host, function and
 * system keys), which the func CLI does not enforce but Azure does.
 */
export interface LocalSettings {
  IsEncrypted?: boolean;
  Values: Record<string, string>;
  Host?: { LocalHttpPort?: number };
  Keys?: Partial<HostKeys>;
}

export function readLocalSettings(file: string): LocalSettings | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const settings = parsed as LocalSettings;
  if (typeof settings !== 'object' || settings === null || typeof settings.Values !== 'object') {
    throw new Error(`${file} must be an object with a "Values" object.`);
  }
  for (const [name, value] of Object.entries(settings.Values)) {
    if (typeof value !== 'string') throw new Error(`${file}: Values.${name} must be a string.`);
  }
  return settings;
}

/** Copies `Values` into the environment; variables already set in the environment win, as with func. */
export function applyValues(values: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(values)) {
    if (env[name] === undefined) env[name] = value;
  }
}
