// The deployed app as one ES module (issue 19, part 3): esbuild bundles one entry that imports every
// function file in functions/, so module state shared between functions (one validation runtime for
// validate, introspect and revoke) stays shared, and a new instance loads one file instead of
// hundreds. package.json `main` names it; `npm start`, the benchmarks and the deployment serve it.
// The source map ships beside it; the Bicep starts the worker with --enable-source-maps, so stack
// traces in Application Insights name the TypeScript sources.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The bundle, relative to the project (package.json `main`). */
export const BUNDLE = 'dist/bundle/app.js';

/**
 * Left out of the bundle, loaded from node_modules at run time:
 * - `@azure/functions-core` is no package: the Functions worker provides it (azure-functions-nodejs-library#201);
 * - the Azure Monitor distro is imported lazily, only when telemetry is configured, and instruments
 *   modules through Node's loader hooks, which see only modules loaded from node_modules;
 * - `@opentelemetry/api` keeps one copy, the one the distro registers its meter and tracer providers with.
 */
export const EXTERNAL = ['@azure/functions-core', '@azure/monitor-opentelemetry', '@opentelemetry/api'];

/** The function files the entry imports (the same set the local host loads from a folder). */
export function functionFiles(root) {
  return readdirSync(join(root, 'functions'))
    .filter((file) => file.endsWith('.ts') && !/\.(d|test)\.ts$/.test(file))
    .sort();
}

/** The entry module: every function file, and the registry's list of what they registered (for the local host). */
export function entrySource(root) {
  const imports = functionFiles(root).map((file) => `import './functions/${file}';`);
  return `${imports.join('\n')}\nexport { registeredFunctions } from './shared/platform/registry.ts';\n`;
}

/**
 * @param {string} root the project folder
 * @returns {Promise<{ file: string, bytes: number }>}
 */
export async function bundle(root) {
  const outfile = join(root, BUNDLE);
  await build({
    stdin: { contents: entrySource(root), resolveDir: root, sourcefile: 'app-entry.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    sourcemap: 'linked',
    // Source paths in the map are relative to it; the sources themselves stay out of the package.
    sourcesContent: false,
    // Smaller text compiles faster at start; the source map gives the names back.
    minifySyntax: true,
    minifyWhitespace: true,
    keepNames: false,
    external: EXTERNAL,
    // CommonJS dependencies inside an ES module still require() Node's built-in modules.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return { file: outfile, bytes: statSync(outfile).size };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  bundle(root).then(
    ({ bytes }) =>
      console.log(
        `Bundled ${functionFiles(root).length} function files into ${BUNDLE} (${(bytes / 1024).toFixed(0)} KiB).`,
      ),
    (error) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
