import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARD_DIR } from '../../../scripts/build-dashboard.mjs';
import { BUNDLE } from '../../../scripts/bundle.mjs';
import { isDirectoryIgnored, isIgnored, parseIgnoreRules } from './funcignore.js';

/**
 * What the package holds: the project tree with .funcignore applied (scripts/stage-package.mjs copies
 * exactly this into dist/deploy, which azd zips). node_modules is not listed file by file (the package
 * gets its own, production dependencies only); dependencyProblems and packaging.test.ts cover it.
 */
export function deploymentFiles(root: string, funcignore: string): string[] {
  const rules = parseIgnoreRules(funcignore);
  const files: string[] = [];
  const walk = (relativeDir: string): void => {
    for (const entry of readdirSync(join(root, relativeDir), { withFileTypes: true })) {
      const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (path === '.git' || path === 'node_modules' || isDirectoryIgnored(rules, path)) continue;
        walk(path);
      } else if (!isIgnored(rules, path)) {
        files.push(path);
      }
    }
  };
  walk('');
  return files.sort();
}

const FORBIDDEN: { test: (path: string) => boolean; why: string }[] = [
  {
    test: (p) => p.startsWith('dist/functions/') || p.startsWith('dist/shared/'),
    why: 'compiled modules the bundle already holds',
  },
  { test: (p) => p.startsWith('local/') || p.startsWith('dist/local/'), why: 'local stack code' },
  { test: (p) => p.startsWith('test/') || p.startsWith('dist/test/'), why: 'tests' },
  { test: (p) => p.startsWith('.local/'), why: 'local state (Azurite data, local CA keys)' },
  { test: (p) => /\.(c|m)?ts$/.test(p), why: 'TypeScript source' },
  { test: (p) => /(^|\/)local\.settings(\.[^/]*)?\.json$/.test(p), why: 'local settings' },
  { test: (p) => /(^|\/)\.env(\.|$)/.test(p), why: 'environment file' },
  {
    test: (p) =>
      /\.(pem|pfx|p12|key|crt|cer|jks|keystore)$/i.test(p) || /(^|\/)id_(rsa|ecdsa|ed25519)/.test(p),
    why: 'key or certificate',
  },
];

/** Problems with a package file list; empty when it is lean and complete. */
export function packageProblems(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const rule = FORBIDDEN.find((candidate) => candidate.test(file));
    if (rule) problems.push(`${file} would be deployed (${rule.why}).`);
  }
  for (const required of ['host.json', 'package.json']) {
    if (!files.includes(required)) problems.push(`${required} is missing from the package.`);
  }
  for (const required of [BUNDLE, `${BUNDLE}.map`, `${DASHBOARD_DIR}/index.html`]) {
    if (!files.includes(required)) problems.push(`${required} is missing from the package.`);
  }
  const assets = files.filter(
    (file) => file.startsWith(`${DASHBOARD_DIR}/`) && !file.endsWith('/index.html'),
  );
  if (!assets.some((file) => file.endsWith('.js')) || !assets.some((file) => file.endsWith('.css')))
    problems.push(`${DASHBOARD_DIR}/assets is missing its script or stylesheet.`);
  return problems;
}

export { DASHBOARD_DIR } from '../../../scripts/build-dashboard.mjs';
export { BUNDLE, EXTERNAL } from '../../../scripts/bundle.mjs';

/** The dependencies the package installs must survive .funcignore, since the package is built locally. */
export function dependencyProblems(funcignore: string, dependencies: readonly string[]): string[] {
  const rules = parseIgnoreRules(funcignore);
  return dependencies
    .filter((name) => isIgnored(rules, `node_modules/${name}/package.json`))
    .map((name) => `.funcignore drops production dependency ${name}.`);
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * What installing `names` from package-lock.json brings, as `name@version`, following Node's
 * resolution through the lock's nested node_modules paths: `required` (dependencies and non-optional
 * peers) and `optional` (optional dependencies, e.g. one platform's binary).
 */
export function lockClosure(
  lock: { packages: Record<string, LockEntry> },
  names: readonly string[],
): { required: Set<string>; optional: Set<string> } {
  const required = new Set<string>();
  const optional = new Set<string>();
  const resolve = (name: string, from: string): string | undefined => {
    // From node_modules/a/node_modules/@s/b: its own node_modules, then node_modules/a's, then the root's.
    let dir = from;
    for (;;) {
      const path = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (lock.packages[path]) return path;
      if (!dir) return undefined;
      const cut = dir.lastIndexOf('/node_modules/');
      dir = cut === -1 ? '' : dir.slice(0, cut);
    }
  };
  const visit = (path: string, isOptional: boolean) => {
    const entry = lock.packages[path];
    if (!entry) return;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const id = `${name}@${entry.version}`;
    if (required.has(id) || (isOptional && optional.has(id))) return;
    if (isOptional) optional.add(id);
    else {
      optional.delete(id);
      required.add(id);
    }
    const peers = Object.keys(entry.peerDependencies ?? {}).filter(
      (peer) => !entry.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const dep of [...Object.keys(entry.dependencies ?? {}), ...peers]) {
      const found = resolve(dep, path);
      if (found) visit(found, isOptional);
    }
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      const found = resolve(dep, path);
      if (found) visit(found, true);
    }
  };
  for (const name of names) {
    const path = `node_modules/${name}`;
    if (lock.packages[path]) visit(path, false);
  }
  return { required, optional };
}

/** Every package installed under `root/node_modules`, as `name@version`. */
export function installedPackages(root: string): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        walk(path);
        continue;
      }
      const manifest = join(path, 'package.json');
      if (existsSync(manifest)) {
        const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
          name: string;
          version: string;
        };
        found.add(`${name}@${version}`);
      }
      walk(join(path, 'node_modules'));
    }
  };
  walk(join(root, 'node_modules'));
  return found;
}
