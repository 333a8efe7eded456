// Assembles the deployment package in dist/deploy: the project files .funcignore keeps (host.json,
// package.json, package-lock.json, the app bundle dist/bundle/app.js and its source map) and, installed
// in that folder from the lockfile, only the production dependencies the bundle leaves out
// (scripts/bundle.mjs EXTERNAL) with what they need: the staged package.json lists just those, so
// nothing the bundle already holds is installed again. The project's own node_modules is never touched, so the compiler is still there when azd runs `npm run build` again after the
// prepackage hook (azure-dev framework_service_node.go, Package), and nothing needs restoring after.
//
// azure.yaml runs this as the api service's prepackage hook (`npm run package:stage`) and packages
// `dist: dist/deploy`; azd zips that folder with its own copy of .funcignore. With the func CLI, run it
// and publish from dist/deploy (README, Deploy). test/infra/packaging.test.ts runs the steps in azd's
// order in a copy of the repository.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE, EXTERNAL } from './bundle.mjs';
import { isDirectoryIgnored, isIgnored, parseIgnoreRules } from './funcignore.mjs';

/** The package folder, relative to the project (azure.yaml `dist`; .funcignore leaves it out). */
export const STAGING_DIR = 'dist/deploy';

/**
 * The project files the package holds: the tree with .funcignore applied, without node_modules, .git
 * and the package folder itself.
 * @param {string} root
 * @returns {string[]}
 */
export function packageFiles(root) {
  const rules = parseIgnoreRules(readFileSync(join(root, '.funcignore'), 'utf8'));
  /** @type {string[]} */
  const files = [];
  /** @param {string} relativeDir */
  const walk = (relativeDir) => {
    for (const entry of readdirSync(join(root, relativeDir), { withFileTypes: true })) {
      const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (path === '.git' || path === 'node_modules' || path === STAGING_DIR) continue;
        if (!isDirectoryIgnored(rules, path)) walk(path);
      } else if (entry.isFile() && !isIgnored(rules, path)) {
        files.push(path);
      }
    }
  };
  walk('');
  return files.sort();
}

/**
 * The staged package.json: the project's, with only the dependencies the bundle leaves out (the
 * worker's own `@azure/functions-core` is no package) and no devDependencies or scripts.
 * @param {Record<string, unknown>} manifest
 */
export function stagedManifest(manifest) {
  const dependencies = /** @type {Record<string, string>} */ (manifest.dependencies ?? {});
  const { devDependencies: _dev, scripts: _scripts, ...rest } = manifest;
  return {
    ...rest,
    dependencies: Object.fromEntries(
      Object.entries(dependencies).filter(([name]) => EXTERNAL.includes(name)),
    ),
  };
}

/**
 * npm as the caller ran it (`npm run` sets npm_execpath), so Windows needs no shell to find npm.cmd.
 * @param {string[]} args
 * @param {string} cwd
 */
function npm(args, cwd) {
  const execPath = process.env.npm_execpath;
  const viaNode = execPath && /npm-cli\.c?js$/.test(basename(execPath));
  const result = viaNode
    ? spawnSync(process.execPath, [execPath, ...args], { cwd, stdio: 'inherit' })
    : spawnSync('npm', args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    throw new Error(`npm ${args.join(' ')} failed in ${cwd} (exit ${result.status ?? result.signal})`);
  }
}

/**
 * Builds, then assembles the package folder.
 * @param {string} root the project folder
 * @param {{ log?: (line: string) => void }} [options]
 * @returns {string} the package folder
 */
export function stagePackage(root, { log = console.log } = {}) {
  npm(['run', 'build'], root);
  if (!existsSync(join(root, BUNDLE))) throw new Error(`npm run build produced no ${BUNDLE}.`);
  const staging = join(root, STAGING_DIR);
  rmSync(staging, { recursive: true, force: true });
  const files = packageFiles(root);
  for (const file of files) {
    mkdirSync(dirname(join(staging, file)), { recursive: true });
    copyFileSync(join(root, file), join(staging, file));
  }
  const manifest = stagedManifest(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(
    `Staged ${files.length} files in ${STAGING_DIR}; installing what the bundle leaves out there: ${Object.keys(manifest.dependencies).join(', ')}.`,
  );
  // `npm install` (not `ci`, whose lockfile must match package.json exactly) keeps every version the
  // copied lockfile pins and prunes the rest from it, so the staged lockfile matches the staged manifest.
  npm(['install', '--omit=dev', '--no-audit', '--no-fund'], staging);
  return staging;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    stagePackage(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
