import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './lib/bicep.js';
import { isDirectoryIgnored, isIgnored, parseIgnoreRules } from './lib/funcignore.js';
import {
  BUNDLE,
  DASHBOARD_DIR,
  deploymentFiles,
  EXTERNAL,
  installedPackages,
  lockClosure,
  packageProblems,
} from './lib/package-contents.js';
import { parseYamlMap, type YamlMap, yamlGet } from './lib/yaml.js';

// Issue 15, blocker 1: azd runs the service's prepackage hook, then its own Node packaging step
// (`npm run build`, azure-dev framework_service_node.go Package), then zips the package folder (the
// service's `dist`, else the project) with that folder's .funcignore, then the postpackage hook. This
// runs those steps in that order, in a temporary copy of the repository, and checks what would be
// zipped.

interface Step {
  name: string;
  command: string;
  status: number | null;
  output: string;
}

const NPM_ENV = {
  // The dependencies were installed moments ago: take them from the npm cache.
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

/** PATH as azd's hooks see it: without the node_modules/.bin folders `npm test` or npx put first. */
const PATH = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((entry) => !/node_modules[\\/]\.bin/.test(entry))
  .join(delimiter);

let work: string;
let service: YamlMap;
const steps: Step[] = [];

function run(name: string, command: string): Step {
  const result = spawnSync('sh', ['-c', command], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, ...NPM_ENV, PATH },
    timeout: 240_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const step = {
    name,
    command,
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`.slice(-2000),
  };
  steps.push(step);
  return step;
}

/** The files azd's zip step would add (relative to the package root), node_modules aside. */
function zippedFiles(root: string): string[] {
  const ignorePath = join(root, '.funcignore');
  const rules = existsSync(ignorePath) ? parseIgnoreRules(readFileSync(ignorePath, 'utf8')) : undefined;
  const files: string[] = [];
  const walk = (relativeDir: string): void => {
    for (const entry of readdirSync(join(root, relativeDir), { withFileTypes: true })) {
      const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === '.azure' || path === 'node_modules') continue;
        if (rules && isDirectoryIgnored(rules, path)) continue;
        walk(path);
      } else {
        // azd never zips the ignore file itself, nor a Functions local.settings.json.
        if (entry.name === '.funcignore' || entry.name === 'local.settings.json') continue;
        if (rules && isIgnored(rules, path)) continue;
        files.push(path);
      }
    }
  };
  walk('');
  return files.sort();
}

function packageRoot(): string {
  const dist = service.dist;
  return typeof dist === 'string' ? join(work, dist) : work;
}

beforeAll(() => {
  const services = yamlGet(
    parseYamlMap(readFileSync(join(repoRoot, 'azure.yaml'), 'utf8')),
    'services',
  ) as YamlMap;
  service = Object.values(services)[0] as YamlMap;

  // A copy of the working tree (tracked and untracked-but-not-ignored files) with its own node_modules,
  // so no step can touch the real one.
  work = mkdtempSync(join(tmpdir(), 'azd-package-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(repoRoot, file))) continue;
    mkdirSync(dirname(join(work, file)), { recursive: true });
    copyFileSync(join(repoRoot, file), join(work, file));
  }
  // A real copy (never a link): a hook that prunes must not reach the repository's node_modules.
  // `cp -a` takes seconds where fs.cpSync takes most of a minute for ~55,000 files.
  const copied =
    process.platform !== 'win32' &&
    spawnSync('cp', ['-a', join(repoRoot, 'node_modules'), join(work, 'node_modules')]).status === 0;
  if (!copied) {
    cpSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'), {
      recursive: true,
      verbatimSymlinks: true,
    });
  }

  // Restore: azd runs `npm install` first; node_modules is already complete here.
  const hookRun = (hook: string) => yamlGet(service, 'hooks', hook, 'posix', 'run');
  const prepackage = hookRun('prepackage');
  if (typeof prepackage === 'string' && run('prepackage hook', prepackage).status !== 0) return;
  if (run("azd's Node package step", 'npm run build').status !== 0) return;
  const postpackage = hookRun('postpackage');
  if (typeof postpackage === 'string') run('postpackage hook', postpackage);
}, 420_000);

afterAll(() => {
  if (!work) return;
  // Some 800 MB of node_modules: `rm -rf` where there is one, and time for a loaded machine.
  const removed = process.platform !== 'win32' && spawnSync('rm', ['-rf', work]).status === 0;
  if (!removed) rmSync(work, { recursive: true, force: true });
}, 180_000);

describe('azd packaging in azd’s order (temporary copy of the repository)', () => {
  it('every step succeeds: the compiler is still there when azd builds', () => {
    const failed = steps.filter((step) => step.status !== 0);
    expect(
      failed.map((step) => `${step.name} (${step.command}) exited ${step.status}:\n${step.output}`),
    ).toEqual([]);
    expect(steps.map((step) => step.name)).toContain("azd's Node package step");
  });

  it('zips exactly the files the package-contents check expects', () => {
    const zipped = zippedFiles(packageRoot());
    expect(packageProblems(zipped)).toEqual([]);
    const funcignore = readFileSync(join(work, '.funcignore'), 'utf8');
    const expected = deploymentFiles(work, funcignore).filter((file) => file !== '.funcignore');
    expect(zipped).toEqual(expected);
    expect(zipped).toContain(BUNDLE);
    expect(zipped).toContain(`${BUNDLE}.map`);
    expect(zipped).toContain(`${DASHBOARD_DIR}/index.html`);
  });

  it('ships the bundle and, from package-lock.json, only what the bundle leaves out', () => {
    const root = packageRoot();
    expect(existsSync(join(root, BUNDLE))).toBe(true);
    const lock = JSON.parse(readFileSync(join(work, 'package-lock.json'), 'utf8')) as Parameters<
      typeof lockClosure
    >[0];
    const { required, optional } = lockClosure(lock, EXTERNAL);
    const installed = installedPackages(root);
    const missing = [...required].filter((id) => !installed.has(id));
    const unexpected = [...installed].filter((id) => !required.has(id) && !optional.has(id));
    expect({ missing, unexpected }).toEqual({ missing: [], unexpected: [] });
    expect(installed.size).toBeGreaterThan(0);
    // What the bundle holds is not installed again (the distro needs none of these).
    for (const bundled of [
      'jose',
      'zod',
      'node-forge',
      '@azure/msal-node',
      '@azure/functions',
      'typescript',
    ]) {
      expect(existsSync(join(root, 'node_modules', bundled)), bundled).toBe(false);
    }
    expect(existsSync(join(root, 'node_modules/@azure/monitor-opentelemetry/package.json'))).toBe(true);
  });

  it('leaves the project’s own node_modules (dev tools included) as it was', () => {
    expect(existsSync(join(work, 'node_modules/typescript/bin/tsc'))).toBe(true);
    expect(existsSync(join(work, 'node_modules/vitest/package.json'))).toBe(true);
  });
});
