import { readdirSync } from 'node:fs';
import { join } from 'node:path';
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
  if (!files.some((file) => /^dist\/functions\/[^/]+\.js$/.test(file))) {
    problems.push('No dist/functions/*.js in the package: package.json "main" would find no functions.');
  }
  return problems;
}

/** Production dependencies must survive .funcignore, since the package is built locally. */
export function dependencyProblems(funcignore: string, dependencies: readonly string[]): string[] {
  const rules = parseIgnoreRules(funcignore);
  return dependencies
    .filter((name) => isIgnored(rules, `node_modules/${name}/package.json`))
    .map((name) => `.funcignore drops production dependency ${name}.`);
}
