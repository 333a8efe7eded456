import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { launchBrowser, signIn } from '../browser/helpers/browser.js';
import { type InventoryStack, startInventoryStack } from '../integration/helpers/inventory-stack.js';
import { flushFigures, recordFigure } from './results.js';

/**
 * `npm run bench`: the dashboard with 10,000+ credentials in headless Chromium (issue 14), beside
 * the same views at ~100 credentials measured in the same run on the same stack. The stack is the
 * browser tests' (Azurite, the identity stand-ins, the functions host); its Graph stand-in holds
 * 10 apps × 10 secrets for the baseline, then 990 apps more, and a real inventory run reads them
 * into the credentials table each time. The demo reader signs in through the stand-in's login
 * page. In the page (dashboard-probe.js): the time to draw the timeline, the overview and a
 * filter/sort/page change of the table, and the longest main-thread task meanwhile; from Node,
 * with the page's own bearer token: the data API's latency for `timeline` and `credentials`.
 * Nothing time-based is asserted; the assertions check that each view showed what was seeded.
 */
const DAY = 24 * 3600 * 1000;
const SECRETS_PER_APP = 10;
/** The dashboard's snapshot cache (shared/dashboard/service.ts): past it, the next read is cold. */
const SNAPSHOT_TTL_MS = 10_000;
const REPEATS = 3;

const launched = await launchBrowser();
const skipReason = launched.skipReason;
if (skipReason) console.warn(`dashboard benchmark skipped: ${skipReason}`);

let id: RunningIdentity;
let inv: InventoryStack;
let context: BrowserContext;
let page: Page;
let token = '';
let seededApps = 0;

interface Timed {
  ms: number;
  /** The Long Tasks API reports tasks of 50 ms or more: 0 means none that long. */
  longestTaskMs: number;
}

interface Measured {
  credentials: number;
  timeline: Timed;
  overview: Timed;
  filter: Timed;
  sort: Timed;
  nextPage: Timed;
  marks: number;
  api: Record<'timeline cold' | 'timeline' | 'credentials' | 'credentials filtered', number>;
  timelineBytes: number;
}

function seedApps(count: number): void {
  const owners = [id.apps.product.servicePrincipalId];
  const now = Date.now();
  const from = seededApps;
  id.directory.addApplicationsBulk(
    Array.from({ length: count }, (_, n) => {
      const i = from + n;
      return {
        displayName: `Bench partner ${i}`,
        owners,
        // Ends spread from 30 days ago to 760 days ahead: every status, the whole 24 months and beyond.
        passwords: Array.from({ length: SECRETS_PER_APP }, (_, k) => ({
          displayName: `secret ${k}`,
          end: new Date(now + ((((i * SECRETS_PER_APP + k) * 7) % 790) - 30) * DAY + i * 60_000),
        })),
      };
    }),
  );
  seededApps += count;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** The repeats' median time and their longest task (the worst, not the typical one). */
function typical(runs: Timed[]): Timed {
  return {
    ms: median(runs.map((run) => run.ms)),
    longestTaskMs: Math.max(...runs.map((run) => run.longestTaskMs)),
  };
}

async function data(view: string): Promise<{ ms: number; bytes: number; body: unknown }> {
  const started = performance.now();
  const response = await fetch(`${inv.stack.host.url}/api/dashboard/data/${view}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  const ms = performance.now() - started;
  expect(response.status, text.slice(0, 300)).toBe(200);
  return { ms, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

async function apiMedian(view: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push((await data(view)).ms);
  return median(times);
}

const probe = <T>(expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

async function repeated(run: () => Promise<Timed>): Promise<Timed> {
  const runs: Timed[] = [];
  for (let i = 0; i < REPEATS; i++) runs.push(await run());
  return typical(runs);
}

/** Every figure of one size: the API from Node, then the views in the page. */
async function measure(expected: number): Promise<Measured> {
  // Past the snapshot cache, so the first read is the one after an inventory run.
  await new Promise((resolve) => setTimeout(resolve, SNAPSHOT_TTL_MS + 500));
  const cold = await data('timeline');
  const items = (cold.body as { items: unknown[] }).items;
  expect(items.length).toBe(expected);
  const api = {
    'timeline cold': cold.ms,
    timeline: await apiMedian('timeline'),
    credentials: await apiMedian('credentials?sort=endDateTime&order=asc&page=1&pageSize=50'),
    'credentials filtered': await apiMedian(
      'credentials?status=warning&q=partner&sort=appDisplayName&order=desc&page=1&pageSize=50',
    ),
  };

  const timeline = await repeated(async () => {
    await probe('window.dashboardBench.open("#/overview")');
    return probe<Timed>('window.dashboardBench.open("#/timeline")');
  });
  const marks = await page.locator('svg.timeline .mark').count();
  // Focusing a mark (here the middle one) still names its credential in the tip.
  await page
    .locator('svg.timeline .mark')
    .nth(Math.floor(marks / 2))
    .focus();
  expect(await page.textContent('.chart .tip')).toMatch(/Secret .*Ends \d{4}-\d{2}-\d{2}/s);
  const overview = await repeated(async () => {
    await probe('window.dashboardBench.open("#/audit")');
    return probe<Timed>('window.dashboardBench.open("#/overview")');
  });
  const shownTotal = Number(await page.textContent('[data-count="ok"]')) >= 0;
  expect(shownTotal).toBe(true);

  const table = async (action: string) =>
    repeated(async () => {
      await probe('window.dashboardBench.open("#/audit")');
      await probe('window.dashboardBench.open("#/credentials")');
      return probe<Timed>(action);
    });
  const filter = await table('window.dashboardBench.filter("warning")');
  const rows = await page.locator('table.credentials tbody tr[data-status="warning"]').count();
  expect(rows).toBeGreaterThan(0);
  const sort = await table('window.dashboardBench.sort("appDisplayName")');
  const nextPage = await table('window.dashboardBench.nextPage()');
  expect(await page.textContent('#view p.meta[role="status"]:not(:empty)')).toContain('page 2 of');
  return {
    credentials: expected,
    timeline,
    overview,
    filter,
    sort,
    nextPage,
    marks,
    api,
    timelineBytes: cold.bytes,
  };
}

function report(m: Measured): string {
  const view = (name: string, t: Timed) =>
    `  ${name.padEnd(22)} ${t.ms.toFixed(0).padStart(6)} ms   longest task ${t.longestTaskMs > 0 ? `${t.longestTaskMs.toFixed(0)} ms` : 'none >= 50 ms'}`;
  return [
    `dashboard at ${m.credentials} credentials (${m.marks} timeline marks, timeline payload ${(m.timelineBytes / 1024).toFixed(0)} KiB)`,
    view('timeline drawn', m.timeline),
    view('overview drawn', m.overview),
    view('table: filter', m.filter),
    view('table: sort', m.sort),
    view('table: next page', m.nextPage),
    ...Object.entries(m.api).map(([name, ms]) => `  API ${name.padEnd(18)} ${ms.toFixed(0).padStart(6)} ms`),
  ].join('\n');
}

function record(large: Measured, small: Measured): void {
  const figure = (name: string, unit: string, value: number, base: number, goal?: string) =>
    recordFigure({
      name: `dashboard (${large.credentials} credentials): ${name}`,
      value: Math.round(value),
      unit,
      baseline: { name: `dashboard (${small.credentials} credentials): ${name}`, value: Math.round(base) },
      ratio: Number((value / Math.max(1, base)).toFixed(2)),
      ...(goal ? { goal } : {}),
    });
  figure('timeline drawn', 'ms', large.timeline.ms, small.timeline.ms);
  figure(
    'longest task while drawing the timeline',
    'ms',
    large.timeline.longestTaskMs,
    small.timeline.longestTaskMs,
    '<= 200 ms',
  );
  figure('overview drawn', 'ms', large.overview.ms, small.overview.ms);
  for (const [name, t, b] of [
    ['table filter', large.filter, small.filter],
    ['table sort', large.sort, small.sort],
    ['table next page', large.nextPage, small.nextPage],
  ] as const) {
    figure(name, 'ms', t.ms, b.ms);
    figure(`longest task during ${name}`, 'ms', t.longestTaskMs, b.longestTaskMs, '<= 200 ms');
  }
  for (const name of Object.keys(large.api) as Array<keyof Measured['api']>)
    figure(`data API ${name}`, 'ms', large.api[name], small.api[name]);
  figure('timeline payload', 'KiB', large.timelineBytes / 1024, small.timelineBytes / 1024);
}

describe.skipIf(skipReason !== undefined)('dashboard at 10,000 credentials', () => {
  beforeAll(async () => {
    id = await startIdentity();
    seedApps(10);
    inv = await startInventoryStack(id, {
      ...id.dashboardSettings(),
      Dashboard__AssetsPath: join(import.meta.dirname, '../../dist/dashboard'),
    });
    id.addDashboardRedirectUri(`${inv.stack.host.url}/api/dashboard`);
    context = await (launched.browser as Browser).newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ path: join(import.meta.dirname, 'dashboard-probe.js') });
    page = await context.newPage();
    page.on('request', (request) => {
      const authorization = request.headers().authorization;
      if (request.url().includes('/api/dashboard/data/') && authorization?.startsWith('Bearer '))
        token = authorization.slice(7);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await launched.browser?.close();
    await inv?.stop();
    await id?.stop();
    flushFigures();
  });

  it('draws the timeline, the overview and the table at 10,000+ credentials, beside ~100', async () => {
    const first = await inv.run();
    expect(first.failedApps).toEqual([]);
    await page.goto(`${inv.stack.host.url}/api/dashboard`);
    await page.click('#sign-in');
    await signIn(page, inv.stack, 'reader');
    await page.waitForSelector('#account:not(:empty)');
    await page.waitForSelector('#view[data-ready]');
    expect(token).not.toBe('');
    const small = await measure(first.credentials);
    console.log(report(small));

    seedApps(990);
    const second = await inv.run();
    expect(second.failedApps).toEqual([]);
    expect(second.credentials).toBeGreaterThanOrEqual(10_000);
    const large = await measure(second.credentials);
    console.log(report(large));
    expect(large.marks).toBe(large.credentials);
    expect(small.marks).toBe(small.credentials);
    record(large, small);
  }, 600_000);
});
