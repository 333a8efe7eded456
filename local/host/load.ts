import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FunctionDefinition, registeredFunctions } from '../../shared/platform/registry.js';

/**
 * Imports every function file in `dir` (the compiled `dist/functions` for `npm start`, the sources
 * under vitest) and returns what they registered: the same files the worker loads from `main`.
 */
export async function loadFunctions(dir: string): Promise<FunctionDefinition[]> {
  const files = readdirSync(dir)
    .filter((file) => /\.(js|ts)$/.test(file) && !/\.(d|test)\.ts$/.test(file))
    .sort();
  for (const file of files) await import(pathToFileURL(join(dir, file)).href);
  return registeredFunctions();
}
