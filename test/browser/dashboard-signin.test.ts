import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type InventoryStack, startInventoryStack } from '../integration/helpers/inventory-stack.js';
import { launchBrowser, signIn } from './helpers/browser.js';

/**
 * Sign-in to the dashboard in a real browser (headless Chromium) against the Entra stand-in: the
 * reader sees data, the visitor the "not allowed" message while the data API answers 403
 * insufficient_scope, no token gets 401 with a Bearer challenge; CSP on, no CSP violation or
 * console error, the function key never in a URL or a page. The page is the built dashboard
 * (dist/dashboard) when the build has it, else a minimal page on the same sign-in module.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BUILT = join(ROOT, 'dist', 'dashboard');

async function pageFolder(): Promise<{ dir: string; temporary: boolean }> {
  if (existsSync(join(BUILT, 'index.html'))) return { dir: BUILT, temporary: false };
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-signin-page-'));
  mkdirSync(join(dir, 'assets'));
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'signin-page.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join(dir, 'assets'),
    entryNames: '[name].[hash]',
    metafile: true,
    logLevel: 'silent',
  });
  const script = Object.keys(result.metafile.outputs).find((file) => file.endsWith('.js')) ?? '';
  const name = script.split('/').at(-1);
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Credential dashboard</title><link rel="icon" href="data:,"><script type="module" src="/api/dashboard/assets/${name}"></script></head><body><main></main></body></html>`,
  );
  return { dir, temporary: true };
}

let launched: Awaited<ReturnType<typeof launchBrowser>>;
let id: RunningIdentity;
let inventory: InventoryStack;
let folder: { dir: string; temporary: boolean };
let base: string;

beforeAll(async () => {
  launched = await launchBrowser();
  if (!launched.browser) return;
  folder = await pageFolder();
  id = await startIdentity();
  inventory = await startInventoryStack(id, { ...id.dashboardSettings(), Dashboard__AssetsPath: folder.dir });
  base = `${inventory.stack.host.url}/api/dashboard`;
  id.addDashboardRedirectUri(base);
  await inventory.run();
}, 120_000);

afterAll(async () => {
  await launched?.browser?.close();
  await inventory?.stop();
  await id?.stop();
  if (folder?.temporary) rmSync(folder.dir, { recursive: true, force: true });
});

/** A fresh browser context with every console error, CSP report, URL and page text it saw. */
async function session(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const urls: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => urls.push(request.url()));
  // CSP violations reach the console, where the listener above collects them.
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  });
  return { context, page, problems, urls };
}

async function signInAs(page: Page, user: 'reader' | 'visitor') {
  await page.goto(base);
  await page.locator('#sign-in').first().click();
  await signIn(page, inventory.stack, user);
}

function keyless(urls: string[], html: string) {
  for (const key of [
    inventory.stack.keys.master,
    inventory.hostKey,
    ...Object.values(inventory.stack.keys.functions ?? {}),
  ]) {
    if (typeof key !== 'string' || key === '') continue;
    for (const url of urls) expect(url).not.toContain(key);
    expect(html).not.toContain(key);
  }
  for (const url of urls) expect(url).not.toMatch(/[?&]code=[^&]*key|x-functions-key/i);
}

describe('dashboard sign-in in a real browser', () => {
  it('the reader signs in through the stand-in and the page loads data', async (ctx) => {
    if (!launched.browser) return ctx.skip(launched.skipReason);
    const { context, page, problems, urls } = await session(launched.browser);
    const overview = page.waitForResponse(
      (r) => r.url().startsWith(`${base}/data/overview`) && r.status() === 200,
    );
    await signInAs(page, 'reader');
    const response = await overview;
    expect(response.headers()['cache-control']).toBe('no-store');
    const body = await response.json();
    await expect.poll(() => page.locator('#account').first().textContent()).toContain('reader@contoso.local');
    expect(body.total).toBeGreaterThan(0);
    const main = await page.goto(base);
    const headers = main?.headers() ?? {};
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options']).toBe('nosniff');
    await page.waitForResponse((r) => r.url().startsWith(`${base}/data/`));
    keyless(urls, await page.content());
    expect(problems, problems.join('\n')).toEqual([]);
    await context.close();
  });

  it('the visitor sees "not allowed" and the data API answers 403 insufficient_scope', async (ctx) => {
    if (!launched.browser) return ctx.skip(launched.skipReason);
    const { context, page, problems, urls } = await session(launched.browser);
    const refused = page.waitForResponse((r) => r.url().startsWith(`${base}/data/`) && r.status() === 403);
    await signInAs(page, 'visitor');
    const response = await refused;
    expect(response.headers()['www-authenticate']).toContain('error="insufficient_scope"');
    expect(response.headers()['www-authenticate']).toContain('scope="Credentials.Read"');
    // The same request again, from here (the page need not read a refusal's body).
    const authorization = (await response.request().allHeaders()).authorization ?? '';
    expect(authorization).toMatch(/^Bearer ey/);
    const again = await fetch(response.url(), { headers: { authorization } });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { code: string }).code).toBe('insufficient_scope');
    await expect.poll(() => page.locator('[role="alert"]').first().textContent()).toContain('Not allowed');
    keyless(urls, await page.content());
    // The browser reports the 403 itself as a failed resource load; nothing else may fail.
    expect(problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
    await context.close();
  });

  it('a data request without a token gets 401 with a Bearer challenge', async (ctx) => {
    if (!launched.browser) return ctx.skip(launched.skipReason);
    const { context, page } = await session(launched.browser);
    await page.goto(base);
    const answer = await page.evaluate(async (url) => {
      const response = await fetch(url);
      return { status: response.status, challenge: response.headers.get('www-authenticate') };
    }, `${base}/data/overview`);
    expect(answer).toEqual({ status: 401, challenge: 'Bearer realm="dashboard"' });
    await context.close();
  });

  it('enforces the CSP: an inline script is blocked and reported (what the other tests watch for)', async (ctx) => {
    if (!launched.browser) return ctx.skip(launched.skipReason);
    const { context, page, problems } = await session(launched.browser);
    await page.goto(base);
    await page.evaluate(
      "const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.head.append(s);",
    );
    await expect.poll(() => problems.join('\n')).toMatch(/CSP violation: script-src/);
    expect(await page.evaluate('window.injected === true')).toBe(false);
    await context.close();
  });
});
