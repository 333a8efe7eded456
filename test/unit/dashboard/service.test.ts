import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../../../shared/audit/store.js';
import { createDashboardRuntime } from '../../../shared/dashboard/runtime.js';
import type { DashboardService } from '../../../shared/dashboard/service.js';
import type { DashboardSources } from '../../../shared/dashboard/sources.js';
import type { GraphDirectory } from '../../../shared/inventory/graph-directory.js';
import type { CredentialRow } from '../../../shared/inventory/model.js';
import type { RotationStates } from '../../../shared/inventory/rotation-states.js';
import { createInventoryRuntime } from '../../../shared/inventory/runtime.js';
import { memoryCredentialStore } from '../../../shared/inventory/store.js';
import { problemResponse } from '../../../shared/platform/problem.js';
import { memoryRotationJournal } from '../../../shared/rotation/journal.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 86_400_000;
const TID = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const SPA = 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb';
const API = 'cccccccc-cccc-cccc-cccc-cccccccccccc';
const GOOD = 'Bearer good-token';

const row = (
  appId: string,
  keyId: string,
  days: number | null,
  extra: Partial<CredentialRow> = {},
): CredentialRow => ({
  type: 'password',
  keyId,
  displayName: 'secret',
  hint: 'abc',
  thumbprint: null,
  startDateTime: new Date(NOW - 100 * DAY).toISOString(),
  endDateTime: days === null ? null : new Date(NOW + days * DAY).toISOString(),
  appObjectId: `obj-${appId}`,
  appId,
  appDisplayName: `App ${appId}`,
  owners: ['sp-a'],
  lastUsedAt: null,
  lastUsedSource: null,
  status: 'recomputed',
  managed: false,
  deleted: false,
  stale: false,
  lastSuccessAt: new Date(NOW).toISOString(),
  notified: [],
  ...extra,
});

const ROWS = [
  row('app-a', 'k1', 200),
  row('app-a', 'k2', 10, { managed: true, owners: ['sp-b'] }),
  row('app-b', 'k3', -5),
  row('app-c', 'k4', 40, { lastUsedAt: new Date(NOW - DAY).toISOString(), lastUsedSource: 'validatorUsage' }),
  row('app-c', 'k5', 3, { type: 'certificate', hint: null, thumbprint: 'AB12' }),
];

let dir: string;
let service: DashboardService;
const audit = new MemoryAuditStore();
const journal = memoryRotationJournal();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dashboard-assets-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Dashboard</title>');
  writeFileSync(join(dir, 'assets', 'main.ABCDEF12.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside assets');
  const store = memoryCredentialStore();
  for (const r of ROWS) await store.writeApp(r.appObjectId, [r], []);
  await store.putRun({
    at: new Date(NOW - DAY).toISOString(),
    outcome: 'succeeded',
    summary: '3 apps, 5 credentials',
  });
  // k2 was replaced by a rotation 20 days ago and signed in since: still in use past the 14-day grace.
  const rotation: RotationStates = {
    byKeyId: async () =>
      new Map([
        [
          'k2',
          {
            lastRotatedAt: new Date(NOW - 20 * DAY).toISOString(),
            rotationState: 'complete',
            replacedBy: 'k9',
          },
        ],
      ]),
  };
  await store.writeApp(
    'obj-app-a',
    [
      row('app-a', 'k2', 10, {
        managed: true,
        owners: ['sp-b'],
        lastUsedAt: new Date(NOW - 2 * DAY).toISOString(),
        lastUsedSource: 'signInActivity',
      }),
    ],
    [],
  );
  const inventory = createInventoryRuntime(
    {},
    { graph: {} as GraphDirectory, store, events: null, usage: null, rotation, clock: () => NOW },
  );
  if (!inventory.ok) throw new Error(inventory.problems.join());
  await audit.record(
    {
      id: 'e1',
      source: 'product',
      time: new Date(NOW - 3 * DAY).toISOString(),
      kind: 'CredentialRotated',
      subject: 'app-a/k9',
      severity: 'info',
      details: {},
      appId: 'app-a',
    },
    new Date(NOW - 3 * DAY),
  );
  await journal.putRun({
    at: new Date(NOW - 2 * DAY).toISOString(),
    outcome: 'partial',
    summary: '2 apps, 1 rotated, 0 removed, 1 failed',
  });
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const sources: DashboardSources = {
    inventory: () => ({
      ok: true,
      value: {
        items: () => inventory.service.items(),
        thresholds: inventory.service.config.thresholds,
        csv: (items) => inventory.service.csv(items),
        lastRun: () => inventory.service.lastRun(),
      },
    }),
    audit: () => ({ ok: true, value: { store: audit, now: () => new Date(NOW) } }),
    rotationRun: () => journal.lastRun(),
    usage: async (appId) =>
      appId === 'app-c'
        ? [
            // Two instances' per-day counts, and one day older than the chart's 30.
            { daily: { [dayOf(NOW - DAY)]: 2, [dayOf(NOW)]: 3 } },
            { daily: { [dayOf(NOW - DAY)]: 3, [dayOf(NOW)]: 4 } },
            { daily: { [dayOf(NOW - 90 * DAY)]: 100 } },
          ]
        : [],
    checkToken: async (authorization) =>
      authorization === GOOD
        ? { claims: { scp: 'Credentials.Read' } }
        : {
            response: problemResponse(
              { title: 'Unauthorized', status: 401, code: 'unauthorized' },
              { 'www-authenticate': 'Bearer realm="dashboard"' },
            ),
          },
  };
  const runtime = createDashboardRuntime(
    {
      Dashboard__ClientId: SPA,
      Dashboard__Audience: API,
      Dashboard__TenantId: TID,
      Dashboard__AssetsPath: dir,
    },
    { sources, clock: () => NOW },
  );
  if (!runtime.ok) throw new Error(runtime.problems.join());
  service = runtime.service;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (path: string, authorization: string | null = GOOD) => {
  const [p, q] = path.split('?');
  return service.handle({
    path: p ?? '',
    query: new URLSearchParams(q ?? ''),
    url: `https://fn.example/api/dashboard/${path}`,
    authorization,
  });
};
const body = async (path: string) => JSON.parse(String((await get(path)).body));

describe('dashboard routes', () => {
  it('serves the page at the bare path and any client path, with the security headers', async () => {
    for (const path of ['', '/', 'overview', 'apps/x']) {
      const response = await get(path, null);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(String(response.body)).toContain('<title>Dashboard</title>');
      const csp = response.headers['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-(inline|eval)/);
      expect(csp).toContain("connect-src 'self' https://login.microsoftonline.com");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('serves hashed assets as immutable and refuses unknown names and traversal', async () => {
    const asset = await get('assets/main.ABCDEF12.js', null);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const path of [
      'assets/nope.js',
      'assets/../secret.txt',
      'assets/..%2fsecret.txt',
      'assets/%2e%2e/secret.txt',
      'assets/sub/x.js',
      'assets/.hidden.js',
      'assets/x.exe',
    ]) {
      const response = await get(path, null);
      expect(response.status, path).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(String(response.body)).not.toContain('outside assets');
    }
  });

  it('gives msal-browser its configuration without a secret', async () => {
    const config = await body('config');
    expect(config).toEqual({
      clientId: SPA,
      authority: `https://login.microsoftonline.com/${TID}`,
      knownAuthorities: [],
      redirectUri: 'https://fn.example/api/dashboard',
      scopes: [`api://${API}/Credentials.Read`],
      protocolMode: 'AAD',
    });
  });

  it('refuses data without a token as problem+json with the Bearer challenge, security headers kept', async () => {
    const response = await get('data/overview', null);
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="dashboard"');
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers['content-security-policy']).toBeDefined();
  });
});

describe('dashboard data views', () => {
  it('overview: counts, next to expire, apps without a valid credential, still in use past grace, runs', async () => {
    const response = await get('data/overview');
    expect(response.headers['cache-control']).toBe('no-store');
    const overview = JSON.parse(String(response.body));
    expect(overview.total).toBe(5);
    expect(overview.counts).toEqual({ ok: 1, notice: 1, warning: 1, critical: 1, expired: 1, unknown: 0 });
    expect(overview.thresholds).toEqual([90, 60, 30, 14, 7]);
    expect(overview.nextToExpire.map((c: { keyId: string }) => c.keyId)).toEqual(['k5', 'k2', 'k4', 'k1']);
    expect(overview.appsWithoutValidCredential).toEqual([{ appId: 'app-b', appDisplayName: 'App app-b' }]);
    expect(overview.stillInUsePastGrace.map((c: { keyId: string }) => c.keyId)).toEqual(['k2']);
    expect(overview.runs).toEqual({
      inventory: {
        at: new Date(NOW - DAY).toISOString(),
        outcome: 'succeeded',
        summary: '3 apps, 5 credentials',
      },
      rotation: {
        at: new Date(NOW - 2 * DAY).toISOString(),
        outcome: 'partial',
        summary: '2 apps, 1 rotated, 0 removed, 1 failed',
      },
    });
  });

  it('timeline: one item per credential with an end, label is hint or thumbprint', async () => {
    const timeline = await body('data/timeline');
    expect(timeline.items).toHaveLength(5);
    expect(timeline.to).toBe('2028-12-01T00:00:00.000Z');
    expect(timeline.items.find((i: { keyId: string }) => i.keyId === 'k5').label).toBe('AB12');
  });

  it('credentials: filters, sorts, pages and exports the same filter as CSV', async () => {
    const warning = await body('data/credentials?status=warning');
    expect(warning.items.map((c: { keyId: string }) => c.keyId)).toEqual(['k2']);
    expect(warning.owners).toEqual(['sp-a', 'sp-b']);
    const managed = await body('data/credentials?managed=true');
    expect(managed.items.map((c: { keyId: string }) => c.keyId)).toEqual(['k2']);
    const text = await body('data/credentials?q=APP-C&sort=daysLeft&order=desc');
    expect(text.items.map((c: { keyId: string }) => c.keyId)).toEqual(['k4', 'k5']);
    const page = await body('data/credentials?pageSize=2&page=2');
    expect(page).toMatchObject({ total: 5, page: 2, pageSize: 2 });
    expect(page.items.map((c: { keyId: string }) => c.keyId)).toEqual(['k2', 'k4']);
    const csv = await get('data/credentials?status=warning&format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="credentials.csv"');
    expect(String(csv.body).trim().split('\n')).toHaveLength(2);
    for (const bad of [
      'status=late',
      'pageSize=501',
      'sort=secret',
      'order=up',
      'managed=yes',
      'page=0',
      'other=1',
    ]) {
      const response = await get(`data/credentials?${bad}`);
      expect(response.status, bad).toBe(400);
      expect(JSON.parse(String(response.body)).code).toBe('bad_request');
    }
  });

  it('apps/<appId>: credentials, audit history and usage per day; unknown app 404', async () => {
    const app = await body('data/apps/app-a');
    expect(app.app).toEqual({
      appId: 'app-a',
      appDisplayName: 'App app-a',
      owners: ['sp-a', 'sp-b'],
      managed: true,
    });
    expect(app.credentials).toHaveLength(2);
    expect(app.history.map((r: { id: string }) => r.id)).toEqual(['e1']);
    const usage = (await body('data/apps/app-c')).usage;
    expect(usage).toHaveLength(30);
    expect(usage.at(-1)).toEqual({ day: '2026-12-01', count: 7 });
    expect(usage.at(-2)).toEqual({ day: '2026-11-30', count: 5 });
    expect(usage.reduce((sum: number, d: { count: number }) => sum + d.count, 0)).toBe(12);
    expect((await get('data/apps/nope')).status).toBe(404);
    expect((await get('data/nothing')).status).toBe(404);
  });

  it('audit: the audit query, newest first, with its own filters only', async () => {
    const page = await body('data/audit?appId=app-a');
    expect(page.items.map((r: { id: string }) => r.id)).toEqual(['e1']);
    expect(page.continuationToken).toBeNull();
    expect((await get('data/audit?format=ndjson')).status).toBe(400);
    expect((await get('data/audit?severity=loud')).status).toBe(400);
  });

  it('never sends more of a secret than the 3-character hint', async () => {
    const all = JSON.stringify(await body('data/credentials?pageSize=500'));
    expect(all).not.toMatch(/secretText|"key"/);
  });
});

describe('dashboard runtime', () => {
  it('names each missing setting', () => {
    const runtime = createDashboardRuntime({}, {});
    expect(runtime.ok).toBe(false);
    if (runtime.ok) return;
    expect(runtime.problems.join('\n')).toMatch(/Dashboard__ClientId: required/);
    expect(runtime.problems.join('\n')).toMatch(/Dashboard__Audience: required/);
    expect(runtime.problems.join('\n')).toMatch(/Dashboard__TenantId: required/);
  });

  it('trusts a non-Microsoft authority as a known authority (the local stand-in)', async () => {
    const runtime = createDashboardRuntime({
      Dashboard__ClientId: SPA,
      Callers__Audience: `api://${API},${API}`,
      AzureAd__TenantId: TID,
      AzureAd__Instance: 'https://127.0.0.1:7443/',
      Dashboard__AssetsPath: dir,
    });
    if (!runtime.ok) throw new Error(runtime.problems.join());
    const response = await runtime.service.handle({
      path: 'config',
      query: new URLSearchParams(),
      url: 'http://127.0.0.1:7071/api/dashboard/config',
      authorization: null,
    });
    expect(JSON.parse(String(response.body))).toMatchObject({
      authority: `https://127.0.0.1:7443/${TID}`,
      knownAuthorities: ['127.0.0.1:7443'],
      redirectUri: 'http://127.0.0.1:7071/api/dashboard',
      scopes: [`api://${API}/Credentials.Read`],
    });
    expect(response.headers['content-security-policy']).toContain(
      "connect-src 'self' https://127.0.0.1:7443;",
    );
  });
});
