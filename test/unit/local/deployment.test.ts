import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.ts$/.test(name) ? [path] : [];
  });
}

describe('the identity stand-ins stay out of the deployment package', () => {
  it('.funcignore excludes local/ and its compiled form', () => {
    const lines = readFileSync(join(root, '.funcignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(lines).toContain('/local/');
    expect(lines).toContain('/dist/local/');
  });

  it('no product file (functions/, shared/) imports from local/', () => {
    const offenders = [...sources(join(root, 'functions')), ...sources(join(root, 'shared'))].filter((file) =>
      /from\s+['"](\.\.\/)+local\//.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it('oidc-provider, the stand-ins’ engine, is a dev dependency only', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.dependencies['oidc-provider']).toBeUndefined();
    expect(pkg.devDependencies['oidc-provider']).toBeDefined();
  });
});
