/**
 * One cold start: imports the app as the worker would and prints, as JSON, the milliseconds from
 * this process's start (performance.timeOrigin) to "all functions registered". The argument is the
 * bundle (dist/bundle/app.js, which exports registeredFunctions) or the folder of compiled function
 * files (dist/functions, read through dist/shared/platform/registry.js).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const target = process.argv[2] ?? '';
let registered;
if (target.endsWith('.js')) {
  registered = (await import(pathToFileURL(target).href)).registeredFunctions();
} else {
  for (const file of readdirSync(target)
    .filter((name) => name.endsWith('.js'))
    .sort()) {
    await import(pathToFileURL(join(target, file)).href);
  }
  const registry = await import(pathToFileURL(join(target, '..', 'shared', 'platform', 'registry.js')).href);
  registered = registry.registeredFunctions();
}
process.stdout.write(
  `${JSON.stringify({ ms: performance.now(), functions: registered.map((f) => f.name) })}\n`,
);
