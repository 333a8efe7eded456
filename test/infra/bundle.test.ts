import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionFiles } from '../../scripts/bundle.mjs';
import { repoRoot } from './lib/bicep.js';
import { BUNDLE } from './lib/package-contents.js';

// Issue 19, part 3: one bundle of every function file is what package.json `main`, `npm start` and
// the deployment load.
const bundlePath = join(repoRoot, BUNDLE);

beforeAll(() => {
  // `npm test` builds first; when this file runs alone, make the bundle.
  if (!existsSync(bundlePath)) {
    execFileSync(process.execPath, [join(repoRoot, 'scripts/bundle.mjs')], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
  }
}, 120_000);

/** What a fresh Node process registers from a module, as the worker would load it. */
function registeredBy(script: string): string[] {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[];
}

describe('the app bundle', () => {
  it('registers exactly the functions the compiled function files register', () => {
    const fromBundle = registeredBy(
      `const app = await import(${JSON.stringify(`file://${bundlePath}`)}); console.log(JSON.stringify(app.registeredFunctions().map((f) => f.name)));`,
    );
    const compiled = functionFiles(repoRoot).map((file) =>
      join(repoRoot, 'dist/functions', file.replace(/\.ts$/, '.js')),
    );
    const fromFiles = registeredBy(
      `for (const f of ${JSON.stringify(compiled)}) await import('file://' + f); const r = await import(${JSON.stringify(`file://${join(repoRoot, 'dist/shared/platform/registry.js')}`)}); console.log(JSON.stringify(r.registeredFunctions().map((f) => f.name)));`,
    );
    expect(fromFiles.length).toBe(functionFiles(repoRoot).length);
    expect(fromBundle).toEqual(fromFiles);
  });

  it('is one module: shared code (the validation runtime) appears once', () => {
    const text = readFileSync(bundlePath, 'utf8');
    // validate, introspect and revoke share one runtime only if its module is in the bundle once,
    // and the bundle imports no module of the project beside it.
    expect(text.split('no validation policy: set Validation__TenantId').length - 1).toBe(1);
    expect(text).not.toMatch(/from\s*["']\.\.?\//);
  });

  it('holds zod without its locales (the namespace import lets the bundler drop them)', () => {
    const text = readFileSync(bundlePath, 'utf8');
    // `import { z } from 'zod'` pulls in all 257 locales (about 430 KiB, slower to start);
    // `import * as z from 'zod'` keeps English only. German's message (non-ASCII escaped by
    // esbuild) stands for the rest.
    expect(text).toContain('Invalid input');
    expect(text).not.toMatch(/erwartet instanceof/);
  });

  it('ships a source map that leads back to the TypeScript sources', () => {
    const text = readFileSync(bundlePath, 'utf8');
    expect(text.trimEnd().endsWith('//# sourceMappingURL=app.js.map')).toBe(true);
    const payload = JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')) as { sources: string[] };
    const sources = payload.sources.map((source) => resolve(dirname(bundlePath), source));
    expect(sources).toContain(join(repoRoot, 'shared/platform/registry.ts'));
    for (const file of functionFiles(repoRoot)) expect(sources).toContain(join(repoRoot, 'functions', file));
    // A position in the bundle maps to the line of the TypeScript source it came from.
    const marker = 'is registered twice';
    const offset = text.indexOf(marker);
    expect(offset).toBeGreaterThan(0);
    const before = text.slice(0, offset).split('\n');
    const entry = new SourceMap(payload as never).findEntry(before.length - 1, (before.at(-1) ?? '').length);
    expect('originalSource' in entry && resolve(dirname(bundlePath), entry.originalSource)).toBe(
      join(repoRoot, 'shared/platform/registry.ts'),
    );
    const line = readFileSync(join(repoRoot, 'shared/platform/registry.ts'), 'utf8').split('\n')[
      'originalLine' in entry ? entry.originalLine : -1
    ];
    expect(line).toContain(marker);
  });
});
