import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS_URL, buildDashboard, renderIndex } from '../../scripts/build-dashboard.mjs';
import { repoRoot } from './lib/bicep.js';

// The dashboard build (issue 14): index.html names only assets the build wrote, by content-hashed
// names, and carries nothing the page's Content-Security-Policy would block or that must stay secret.
let out: string;
let html: string;
let built: Awaited<ReturnType<typeof buildDashboard>>;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'dashboard-build-'));
  built = await buildDashboard(repoRoot, out);
  html = readFileSync(join(out, 'index.html'), 'utf8');
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

const referenced = (text: string) =>
  [...text.matchAll(/(?:src|href)="([^"]+)"/g)]
    .map((match) => match[1] ?? '')
    .filter((url) => url !== 'data:,');

describe('dashboard build', () => {
  it('references only assets it wrote, under hashed names, through the assets route', () => {
    const urls = referenced(html).filter((url) => !url.startsWith('#'));
    expect(urls).toHaveLength(2);
    for (const url of urls) {
      expect(url.startsWith(ASSETS_URL)).toBe(true);
      const name = url.slice(ASSETS_URL.length);
      expect(name).toMatch(/^main\.[A-Z0-9]{8}\.(js|css)$/);
      expect(existsSync(join(out, 'assets', name))).toBe(true);
    }
    expect(readdirSync(join(out, 'assets')).sort()).toEqual(
      urls.map((url) => url.slice(ASSETS_URL.length)).sort(),
    );
    expect(built.files.sort()).toEqual(
      ['index.html', ...urls.map((url) => url.slice('/api/dashboard/'.length))].sort(),
    );
  });

  it('holds no inline script, inline style, eval or key in the page or its script', () => {
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect([...html.matchAll(/<script\b[^>]*>/gi)].every((tag) => /\bsrc=/.test(tag[0]))).toBe(true);
    const script = readFileSync(
      join(out, 'assets', readdirSync(join(out, 'assets')).find((f) => f.endsWith('.js')) ?? ''),
      'utf8',
    );
    expect(script).not.toMatch(/\beval\(|new Function\(/);
    expect(`${html}${script}`).not.toMatch(/x-functions-key|[?&]code=/i);
  });

  it('refuses a template that names an asset the build did not produce, or carries inline code', () => {
    expect(() => renderIndex('<script src="/a/{{main.js}}"></script>', {})).toThrow(/main\.js/);
    expect(() => renderIndex('<script>alert(1)</script>', {})).toThrow(/inline/);
    expect(() => renderIndex('<p style="color:red">x</p>', {})).toThrow(/inline/);
    expect(renderIndex('<link href="/a/{{main.css}}">', { 'main.css': 'main.ABCDEFGH.css' })).toBe(
      '<link href="/a/main.ABCDEFGH.css">',
    );
  });
});
