import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { tableClient } from '../../shared/platform/storage.js';
import { tableUsageStore } from '../../shared/validation/usage.js';
import { type InventoryStack, startInventoryStack } from '../integration/helpers/inventory-stack.js';
import { launchBrowser, signIn } from './helpers/browser.js';

/**
 * The dashboard's views in headless Chromium on the local stack: the test tenant plus a few apps the
 * product owns, one rotation run (the 10-day DCR secret is rotated: its audit history) and one
 * inventory run, then the demo reader signs in through the Entra stand-in's login page. What the
 * page shows is compared with what `/api/credentials` and `/api/audit` answer (with a function key).
 * Every view is checked with axe-core and photographed at 1280×800 and 390×844 (paths printed).
 */
const DAY = 24 * 3600 * 1000;
const AUDIT_PAGE = 2;

const launched = await launchBrowser();
const skipReason = launched.skipReason;
if (skipReason) console.warn(`dashboard view tests skipped: ${skipReason}`);

let id: RunningIdentity;
let inv: InventoryStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let shots: string;
const problems: string[] = [];
const axeSource = readFileSync(join(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');

interface Item {
  appId: string;
  keyId: string;
  status: string;
  endDateTime: string | null;
}

async function allCredentials(): Promise<Item[]> {
  const response = await inv.credentials('pageSize=1000');
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Item[] }).items;
}

/** A usage record of the DCR client: `success` validations, last seen `daysAgo` days ago. */
function usage(success: number, daysAgo: number) {
  const seen = new Date(Date.now() - daysAgo * DAY - 60_000).toISOString();
  return {
    tenantId: id.tenantId,
    clientId: id.apps.dcr.appId,
    policy: 'default',
    success,
    failure: 0,
    failureReasons: {},
    firstSeen: seen,
    lastSeen: seen,
    daily: { [seen.slice(0, 10)]: success },
  };
}

async function runRotation(): Promise<void> {
  const executed = () =>
    inv.lines.filter((line) => line.includes("Executed 'Functions.rotateCredentials'")).length;
  const before = executed();
  const response = await fetch(`${inv.stack.host.url}/admin/functions/rotateCredentials`, {
    method: 'POST',
    headers: { 'x-functions-key': inv.stack.keys.master, 'content-type': 'application/json' },
    body: '{"input":""}',
  });
  expect(response.status).toBe(202);
  const deadline = Date.now() + 40_000;
  while (executed() === before) {
    if (Date.now() > deadline) throw new Error(`no rotation finished:\n${inv.lines.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await inv.topic.flush();
}

/** Opens a view (hash route) and waits until it has rendered (no loading message, no busy region). */
async function open(hash: string): Promise<void> {
  await page.evaluate((next) => {
    window.location.hash = next;
  }, hash);
  try {
    await page.waitForFunction(
      (next) =>
        document.getElementById('view')?.dataset.ready === next &&
        !document.querySelector('#view [aria-busy="true"]'),
      hash,
      { timeout: 15_000 },
    );
  } catch (error) {
    const shown = await page.textContent('#view').catch(() => null);
    throw new Error(`${hash} did not render (${page.url()}): ${shown ?? 'no view'}\n${problems.join('\n')}`, {
      cause: error,
    });
  }
}

/** axe-core's serious and critical violations on the current view. */
async function axeViolations(): Promise<string[]> {
  // Injected with page.evaluate (the DevTools protocol, which the page's CSP does not govern): the
  // page itself keeps its strict CSP, and no bypassCSP context is needed.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(context: Document): Promise<{ violations: Violation[] }> } }
    ).axe;
    interface Violation {
      id: string;
      impact: string | null;
      nodes: Array<{ target: unknown[] }>;
    }
    const { violations } = await axe.run(document);
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => String(n.target)).join(', ')}`);
  });
}

/** Every view's HTML as shown, for the last check: no secret, key or token in any of them. */
const pages: string[] = [];

async function photograph(name: string): Promise<void> {
  pages.push(await page.content());
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(250); // the timeline redraws to the new width after a short pause
    const path = join(shots, `${name}-${width}x${height}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${path}`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.skipIf(skipReason !== undefined)('dashboard views in a real browser', () => {
  beforeAll(async () => {
    shots = mkdtempSync(join(tmpdir(), 'dashboard-shots-'));
    id = await startIdentity();
    // A few more apps the product owns (so the inventory watches them), none of them within 30 days:
    // the seeded DCR client's 10-day secret stays the only `warning`.
    const owners = [id.apps.product.servicePrincipalId];
    for (const [name, days] of [
      ['Orders gateway (APIM)', 45],
      ['Billing partner', 200],
      ['Billing partner', 500],
      ['Legacy batch export', -5],
      ['Shipping partner', 3],
    ] as const) {
      const existing = id.directory.applications().find((app) => app.displayName === name);
      const app = existing ?? id.directory.addApplication({ displayName: name, owners });
      id.directory.addPassword(app.appId, {
        displayName: 'gateway secret',
        end: new Date(Date.now() + days * DAY),
      });
    }
    inv = await startInventoryStack(id, {
      Rotation__KeyVaultUrl: id.keyVaultUrl,
      Rotation__ManagedAppIds: id.apps.dcr.appId,
      Rotation__RetryDelaySeconds: '0',
      Rotation__VerifyTimeoutSeconds: '6',
      ...id.dashboardSettings(),
      // The functions load from their TypeScript sources here: the built page is in dist/ (npm run build).
      Dashboard__AssetsPath: join(import.meta.dirname, '../../dist/dashboard'),
    });
    id.addDashboardRedirectUri(`${inv.stack.host.url}/api/dashboard`);
    // The validator's usage records for the DCR client (two instances): the app detail's usage chart.
    await tableUsageStore(tableClient('usage')).write('instance-a', [usage(4, 2)]);
    await tableUsageStore(tableClient('usage')).write('instance-b', [usage(7, 0)]);
    await runRotation();
    await inv.run();

    browser = launched.browser as Browser;
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    page = await context.newPage();
    await page.goto(`${inv.stack.host.url}/api/dashboard`);
    await page.click('#sign-in');
    await signIn(page, inv.stack, 'reader');
    await page.waitForSelector('#account:not(:empty)');
    // From here on, the views' own doing (the sign-in pages are the sign-in test's).
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await open('#/overview');
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await inv?.stop();
    await id?.stop();
  });

  it('overview: the counts by status equal what /api/credentials returns', async () => {
    const items = await allCredentials();
    expect(items.length).toBeGreaterThanOrEqual(7);
    const expected: Record<string, number> = {
      ok: 0,
      notice: 0,
      warning: 0,
      critical: 0,
      expired: 0,
      unknown: 0,
    };
    for (const item of items) expected[item.status] = (expected[item.status] ?? 0) + 1;
    const shown = await page.$$eval('[data-count]', (nodes) =>
      Object.fromEntries(nodes.map((node) => [node.getAttribute('data-count'), Number(node.textContent)])),
    );
    expect(shown).toEqual(expected);
    expect(expected.warning).toBe(1);
    expect(await page.textContent('[data-run="inventory"]')).toMatch(/succeeded|partial/);
    expect(await axeViolations()).toEqual([]);
    await photograph('overview');
  });

  it('timeline: one focusable mark per credential, and focusing one shows its app and date', async () => {
    await open('#/timeline');
    const items = (await allCredentials()).filter((item) => item.endDateTime !== null);
    const marks = await page.$$eval('svg.timeline .mark', (nodes) =>
      nodes.map((n) => n.getAttribute('data-key-id')),
    );
    expect(marks.sort()).toEqual(items.map((item) => item.keyId).sort());
    const dcrKey = id.apps.dcr.secretKeyId ?? '';
    await page.focus(`svg.timeline .mark[data-key-id="${dcrKey}"]`);
    const tip = await page.textContent('.chart .tip');
    expect(await page.isVisible('.chart .tip')).toBe(true);
    expect(tip).toContain(id.apps.dcr.displayName);
    expect(tip).toContain(new Date(id.apps.dcr.secretEnd ?? '').toISOString().slice(0, 10));
    // The chart is one tab stop: the arrow keys go from mark to mark (in end order), each naming its
    // credential to a screen reader; Tab leaves the chart, Shift+Tab comes back to the same mark.
    const focused = () =>
      page.evaluate(() => ({
        mark: document.activeElement?.classList.contains('mark') ?? false,
        key: document.activeElement?.getAttribute('data-key-id') ?? '',
        label: document.activeElement?.getAttribute('aria-label') ?? '',
      }));
    await page.keyboard.press('End');
    const last = await focused();
    const latest = items.reduce((a, b) =>
      Date.parse(b.endDateTime ?? '') > Date.parse(a.endDateTime ?? '') ? b : a,
    );
    expect(last).toMatchObject({ mark: true, key: latest.keyId });
    await page.keyboard.press('ArrowLeft');
    const next = await focused();
    expect(next.mark).toBe(true);
    expect(next.key).not.toBe(last.key);
    expect(next.label).toMatch(/: (secret|certificate) .* (ends|ended) \d{4}-\d{2}-\d{2}/);
    expect(await page.$$eval('svg.timeline .mark[tabindex="0"]', (nodes) => nodes.length)).toBe(1);
    await page.keyboard.press('Tab');
    expect((await focused()).mark).toBe(false);
    await page.keyboard.press('Shift+Tab');
    expect((await focused()).key).toBe(next.key);
    expect(await axeViolations()).toEqual([]);
    await photograph('timeline');
  });

  it('credentials: filtering by warning shows exactly the 10-day secret; CSV export downloads', async () => {
    await open('#/credentials');
    await page.selectOption('select[name="status"]', 'warning');
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    await page.waitForFunction(() => window.location.hash.includes('status=warning'));
    const rows = await page.$$eval('table.credentials tbody tr', (nodes) =>
      nodes.map((n) => ({ key: n.getAttribute('data-key-id'), status: n.getAttribute('data-status') })),
    );
    expect(rows).toEqual([{ key: id.apps.dcr.secretKeyId, status: 'warning' }]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.export')]);
    expect(download.suggestedFilename()).toBe('credentials.csv');
    const csv = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split(/\r?\n/);
    const api = (await (await inv.credentials('format=csv&status=warning')).text()).trimEnd().split(/\r?\n/);
    expect(csv[0]).toBe(api[0]);
    expect(csv).toHaveLength(2); // the header and the one warning
    expect(download.url()).not.toMatch(/token|code=/i);

    await page.selectOption('select[name="status"]', '');
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    expect(await page.$$eval('table.credentials tbody tr', (nodes) => nodes.length)).toBe(
      (await allCredentials()).length,
    );
    expect(await axeViolations()).toEqual([]);
    await photograph('credentials');
  });

  it('app detail: the rotated app shows its credentials and its audit history', async () => {
    const dcr = id.apps.dcr.appId;
    const audit = await fetch(`${inv.stack.host.url}/api/audit?appId=${dcr}`, {
      headers: { 'x-functions-key': inv.hostKey },
    });
    const records = ((await audit.json()) as { items: Array<{ id: string; kind: string }> }).items;
    expect(records.map((record) => record.kind)).toContain('CredentialRotated');
    await open(`#/apps/${dcr}`);
    const history = await page.$$eval('table.audit tbody tr', (nodes) =>
      nodes.map((n) => ({ id: n.getAttribute('data-id'), kind: n.getAttribute('data-kind') })),
    );
    expect(history).toEqual(records.map(({ id, kind }) => ({ id, kind })));
    // The rotated secret and the one that replaced it.
    expect(await page.$$eval('#view table.data:not(.audit) tbody tr', (nodes) => nodes.length)).toBe(2);
    // The usage chart: one bar a day for 30 days, holding the two records' validations on their days.
    const bars = await page.$$eval('svg.usage .bar', (nodes) =>
      nodes.map((n) => [n.getAttribute('data-day'), Number(n.getAttribute('data-count'))] as const),
    );
    expect(bars).toHaveLength(30);
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY - 60_000).toISOString().slice(0, 10);
    expect(bars.filter(([, count]) => count > 0)).toEqual([
      [day(2), 4],
      [day(0), 7],
    ]);
    expect(await axeViolations()).toEqual([]);
    await photograph('app');
  });

  it('audit feed: newest first, paged with the continuation token', async () => {
    const response = await fetch(`${inv.stack.host.url}/api/audit?pageSize=100`, {
      headers: { 'x-functions-key': inv.hostKey },
    });
    const all = ((await response.json()) as { items: Array<{ id: string }> }).items.map(
      (record) => record.id,
    );
    expect(all.length).toBeGreaterThan(AUDIT_PAGE);
    await open(`#/audit?pageSize=${AUDIT_PAGE}`);
    const ids = () =>
      page.$$eval('table.audit tbody tr', (nodes) => nodes.map((n) => n.getAttribute('data-id')));
    expect(await ids()).toEqual(all.slice(0, AUDIT_PAGE));
    expect(await axeViolations()).toEqual([]);
    await photograph('audit');
    await page.getByRole('button', { name: 'Older', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('.results')?.getAttribute('data-page') === '2');
    expect(await ids()).toEqual(all.slice(AUDIT_PAGE, 2 * AUDIT_PAGE));
    await page.getByRole('button', { name: 'Newer', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('.results')?.getAttribute('data-page') === '1');
    expect(await ids()).toEqual(all.slice(0, AUDIT_PAGE));
  });

  it('timeline: a large one is drawn in chunks, busy until its last mark, one mark per credential', async () => {
    // The real answer, each credential repeated under new key ids: more marks than one chunk holds.
    const copies = 4;
    await page.route('**/api/dashboard/data/timeline', async (route) => {
      const answer = await route.fetch();
      const body = (await answer.json()) as { items: Array<{ keyId: string; appDisplayName: string }> };
      body.items = body.items.flatMap((item) =>
        Array.from({ length: copies * 100 }, (_, n) => ({ ...item, keyId: `${item.keyId}-${n}` })),
      );
      await route.fulfill({ response: answer, json: body });
    });
    try {
      await open('#/overview');
      // What the view holds the moment it says it is ready (a mutation observer runs before the
      // next chunk's task).
      const whenReady = await page.evaluate(
        () =>
          new Promise<{ marks: number; busy: boolean }>((resolve) => {
            const view = document.getElementById('view') as HTMLElement;
            new MutationObserver((_, observer) => {
              if (view.dataset.ready !== '#/timeline') return;
              observer.disconnect();
              resolve({
                marks: view.querySelectorAll('svg.timeline .mark').length,
                busy: Boolean(view.querySelector('.chart[aria-busy="true"]')),
              });
            }).observe(view, { attributes: true, attributeFilter: ['data-ready'] });
            window.location.hash = '#/timeline';
          }),
      );
      await page.waitForFunction(() => !document.querySelector('#view [aria-busy="true"]'));
      const items = (await allCredentials()).filter((item) => item.endDateTime !== null);
      const marks = await page.$$eval('svg.timeline .mark', (nodes) =>
        nodes.map((n) => n.getAttribute('data-key-id')),
      );
      expect(marks.length).toBe(items.length * copies * 100);
      expect(new Set(marks).size).toBe(marks.length);
      // Ready with the first chunk on screen, the rest still coming (the chart said it was busy).
      expect(whenReady.busy).toBe(true);
      expect(whenReady.marks).toBeGreaterThan(0);
      expect(whenReady.marks).toBeLessThan(marks.length);
      const last = `${id.apps.dcr.secretKeyId}-${copies * 100 - 1}`;
      await page.focus(`svg.timeline .mark[data-key-id="${last}"]`);
      expect(await page.isVisible('.chart .tip')).toBe(true);
      expect(await page.textContent('.chart .tip')).toContain(id.apps.dcr.displayName);
      await page.mouse.move(0, 0);
      await page.locator('#view h2').click();
      expect(await page.isVisible('.chart .tip')).toBe(false);
    } finally {
      await page.unroute('**/api/dashboard/data/timeline');
    }
  });

  it('shows an API outage or failure as a message with a retry, never a blank page', async () => {
    const before = problems.length;
    // The browser's own network layer answers for the data API: first unreachable, then a 503.
    await page.route('**/api/dashboard/data/overview', (route) => route.abort('connectionrefused'));
    await open('#/timeline');
    await open('#/overview');
    expect(await page.textContent('#view [role="alert"]')).toContain('not reachable');
    await page.unroute('**/api/dashboard/data/overview');
    await page.route('**/api/dashboard/data/timeline', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          status: 503,
          title: 'Service Unavailable',
          detail: 'Storage is not answering.',
        }),
      }),
    );
    await open('#/timeline');
    expect(await page.textContent('#view [role="alert"]')).toContain(
      'answered 503: Storage is not answering.',
    );
    expect(await axeViolations()).toEqual([]);
    await page.unroute('**/api/dashboard/data/timeline');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.waitForSelector('svg.timeline .mark');
    // The refused requests are the browser's own console lines about them, not the page's errors.
    const added = problems.splice(before);
    expect(added.every((line) => /Failed to load resource/.test(line))).toBe(true);
  });

  it('reported no console error and no CSP violation, and put no key or token in any URL', async () => {
    expect(problems).toEqual([]);
    expect(page.url()).not.toMatch(/code=|token|x-functions-key/i);
    const secrets = [
      inv.hostKey,
      inv.stack.keys.master,
      id.apps.dcr.secret ?? '',
      id.apps.product.secret ?? '',
      ...(await page.evaluate(() => Object.values(sessionStorage))).flatMap((value) =>
        [...value.matchAll(/ey[\w-]{20,}\.[\w-]+\.[\w-]+/g)].map((match) => match[0]),
      ),
    ].filter((secret) => secret.length >= 16);
    expect(secrets.length).toBeGreaterThan(4); // the keys, the secrets and at least one of msal's tokens
    expect(pages).toHaveLength(5);
    for (const html of pages) for (const secret of secrets) expect(html.includes(secret)).toBe(false);
  });
});
