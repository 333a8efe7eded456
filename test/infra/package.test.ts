import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './lib/bicep.js';
import { isIgnored, parseIgnoreRules } from './lib/funcignore.js';
import {
  BUNDLE,
  DASHBOARD_DIR,
  dependencyProblems,
  deploymentFiles,
  EXTERNAL,
  packageProblems,
} from './lib/package-contents.js';

// Check 5 of issue 6: the deployment package, per .funcignore, is lean and holds no secret-like file.
const funcignore = readFileSync(join(repoRoot, '.funcignore'), 'utf8');

describe('deployment package contents', () => {
  beforeAll(() => {
    // `npm test` builds first; when this file runs alone, build what is deployed.
    for (const [built, script] of [
      [BUNDLE, 'scripts/bundle.mjs'],
      [`${DASHBOARD_DIR}/index.html`, 'scripts/build-dashboard.mjs'],
    ] as const) {
      if (existsSync(join(repoRoot, built))) continue;
      execFileSync(process.execPath, [join(repoRoot, script)], { cwd: repoRoot, stdio: 'inherit' });
    }
  }, 180_000);

  it('holds host.json, package.json, the bundle with its source map and the dashboard page, and nothing local, test, source or secret', () => {
    const files = deploymentFiles(repoRoot, funcignore);
    expect(packageProblems(files)).toEqual([]);
    const dashboard = files.filter((file) => file.startsWith(`${DASHBOARD_DIR}/`));
    expect(files.filter((file) => file.startsWith('dist/'))).toEqual([BUNDLE, `${BUNDLE}.map`, ...dashboard]);
    // The page and its hashed script and stylesheet: what scripts/build-dashboard.mjs writes, no source map.
    expect(
      dashboard.map((file) => file.slice(DASHBOARD_DIR.length + 1).replace(/\.[A-Z0-9]{8}\./, '.*.')).sort(),
    ).toEqual(['assets/main.*.css', 'assets/main.*.js', 'index.html']);
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { main: string };
    expect(manifest.main).toBe(BUNDLE);
  });

  it('excludes every git-tracked source, test and infra file', () => {
    const rules = parseIgnoreRules(funcignore);
    const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    const shipped = tracked.filter((file) => !isIgnored(rules, file));
    expect(
      shipped.filter(
        (file) => !['host.json', 'package.json', 'package-lock.json', '.funcignore'].includes(file),
      ),
    ).toEqual([]);
  });

  it('keeps the production dependencies the bundle leaves out (the package is built locally)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const installed = Object.keys(manifest.dependencies).filter((name) => EXTERNAL.includes(name));
    expect(installed).toEqual(['@azure/monitor-opentelemetry', '@opentelemetry/api']);
    expect(dependencyProblems(funcignore, installed)).toEqual([]);
  });

  it('fails on a tree with local, test, source and key files (fixture list)', () => {
    const problems = packageProblems([
      'host.json',
      'package.json',
      'dist/local/start.js',
      'test/unit/a.test.ts',
      'shared/platform/log.ts',
      'local.settings.json',
      '.local/tls/ca.key',
      'certs/client.pfx',
      'certs/client.pem',
      'dist/shared/platform/log.js',
    ]);
    expect(problems).toEqual([
      'dist/local/start.js would be deployed (local stack code).',
      'test/unit/a.test.ts would be deployed (tests).',
      'shared/platform/log.ts would be deployed (TypeScript source).',
      'local.settings.json would be deployed (local settings).',
      '.local/tls/ca.key would be deployed (local state (Azurite data, local CA keys)).',
      'certs/client.pfx would be deployed (key or certificate).',
      'certs/client.pem would be deployed (key or certificate).',
      'dist/shared/platform/log.js would be deployed (compiled modules the bundle already holds).',
      'dist/bundle/app.js is missing from the package.',
      'dist/bundle/app.js.map is missing from the package.',
      'dist/dashboard/index.html is missing from the package.',
      'dist/dashboard/assets is missing its script or stylesheet.',
    ]);
    expect(dependencyProblems('node_modules/\n', ['jose'])).toEqual([
      '.funcignore drops production dependency jose.',
    ]);
  });
});

describe('.funcignore matching (gitignore semantics)', () => {
  const rules = parseIgnoreRules('# comment\n/local/\n*.ts\n!keep.ts\nbuild/\n/dist/local/\ndocs/**/*.png\n');

  it('anchors, matches at any depth, negates and handles directory-only rules', () => {
    expect(isIgnored(rules, 'local/start.js')).toBe(true);
    expect(isIgnored(rules, 'dist/local/start.js')).toBe(true);
    expect(isIgnored(rules, 'dist/functions/local.js')).toBe(false);
    const shipped = parseIgnoreRules(funcignore);
    expect(isIgnored(shipped, 'dist/functions/health.js')).toBe(true);
    expect(isIgnored(shipped, 'dist/shared/platform/log.js.map')).toBe(true);
    expect(isIgnored(shipped, 'dist/bundle/app.js.map')).toBe(false);
    expect(isIgnored(shipped, 'dist/dashboard/assets/main.ABCDEFGH.js')).toBe(false);
    expect(isIgnored(shipped, 'dist/dashboard/assets/main.ABCDEFGH.js.map')).toBe(true);
    expect(isIgnored(shipped, 'node_modules/jose/dist/index.js.map')).toBe(true);
    expect(isIgnored(rules, 'shared/a/b.ts')).toBe(true);
    expect(isIgnored(rules, 'keep.ts')).toBe(false);
    expect(isIgnored(rules, 'x/build/out.js')).toBe(true);
    expect(isIgnored(rules, 'build')).toBe(false);
    expect(isIgnored(rules, 'docs/a/b/c.png')).toBe(true);
    expect(isIgnored(rules, 'docs/c.png')).toBe(true);
  });

  it('keeps a file excluded when its directory is excluded, even if negated', () => {
    const nested = parseIgnoreRules('/local/\n!/local/keep.js\n');
    expect(isIgnored(nested, 'local/keep.js')).toBe(true);
  });
});
