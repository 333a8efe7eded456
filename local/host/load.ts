import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FunctionDefinition, registeredFunctions } from '../../shared/platform/registry.js';

/**
 * Imports every function file in `dir` (the sources under vitest) and returns what they registered,
 * through this process's registry module.
 */
export async function loadFunctions(dir: string): Promise<FunctionDefinition[]> {
  const files = readdirSync(dir)
    .filter((file) => /\.(js|ts)$/.test(file) && !/\.(d|test)\.ts$/.test(file))
    .sort();
  for (const file of files) await import(pathToFileURL(join(dir, file)).href);
  return registeredFunctions();
}

/**
 * Imports the app's entry module (package.json `main`: the bundle scripts/bundle.mjs builds, the one
 * the Functions worker loads in Azure) and returns what it registered. The bundle holds its own copy
 * of the registry, so the definitions come from the `registeredFunctions` it exports.
 */
export async function loadApp(main: string): Promise<FunctionDefinition[]> {
  const app = (await import(pathToFileURL(main).href)) as {
    registeredFunctions?: () => FunctionDefinition[];
  };
  if (typeof app.registeredFunctions !== 'function') {
    throw new Error(`${main} exports no registeredFunctions(): not the app bundle (npm run build makes it).`);
  }
  return app.registeredFunctions();
}
