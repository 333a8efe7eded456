import { describe, expect, it } from 'vitest';
import { InventoryError } from '../../../shared/inventory/errors.js';
import type { GraphDirectory } from '../../../shared/inventory/graph-directory.js';
import type { WatchedApp } from '../../../shared/inventory/model.js';
import { type InventoryConfig, InventoryRun } from '../../../shared/inventory/run.js';
import { memoryCredentialStore } from '../../../shared/inventory/store.js';
import { memoryEventSink } from '../../../shared/platform/event-publisher.js';
import { createLogger } from '../../../shared/platform/log.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;
const end = (days: number) => new Date(NOW + days * DAY).toISOString();

const app = (n: number, days: number[]): WatchedApp => ({
  objectId: `obj-${n}`,
  appId: `app-${n}`,
  displayName: `App ${n}`,
  owners: ['own-sp'],
  credentials: days.map((d, i) => ({
    type: 'password',
    keyId: `key-${n}-${i}`,
    displayName: i === 0 ? 'agw-managed 1' : 'manual',
    hint: 'abc',
    thumbprint: null,
    startDateTime: null,
    endDateTime: end(d),
  })),
});

/** A Graph port whose answers the test sets: apps by owner, failing or deleted apps. */
function fakeGraph(apps: WatchedApp[]) {
  const state = {
    apps,
    failing: new Set<string>(),
    gone: new Set<string>(),
    denied: new Set<string>(),
    signIns: new Map<string, string>(),
    reportDenied: false,
    /** Apps the listing handed out, and owners calls answered: how far the listing runs ahead. */
    listed: 0,
    answered: 0,
    ahead: 0,
  };
  const graph: GraphDirectory = {
    ownServicePrincipalId: async () => 'own-sp',
    ownedApps: async function* (sp) {
      if (state.denied.has(sp))
        throw new InventoryError('graph_permission_missing', `needs Application.Read.All for ${sp}`);
      for (const a of state.apps)
        if (a.owners.includes(sp) && !state.gone.has(a.objectId)) {
          state.listed += 1;
          yield { ...a, owners: [sp] };
        }
    },
    appByAppId: async (appId) => state.apps.find((a) => a.appId === appId) ?? null,
    appByObjectId: async (objectId) =>
      state.gone.has(objectId) ? null : (state.apps.find((a) => a.objectId === objectId) ?? null),
    owners: async (objectId) => {
      state.ahead = Math.max(state.ahead, state.listed - state.answered);
      state.answered += 1;
      if (state.failing.has(objectId)) throw new InventoryError('graph_unavailable', 'Graph could not (503)');
      if (state.gone.has(objectId)) return null;
      return state.apps.find((a) => a.objectId === objectId)?.owners ?? null;
    },
    signInActivity: async () => {
      if (state.reportDenied) throw new InventoryError('sign_in_activity_unavailable', '403');
      return state.signIns;
    },
    takeThrottledCount: () => 0,
  };
  return { graph, state };
}

const config = (overrides: Partial<InventoryConfig> = {}): InventoryConfig => ({
  includeOwnApps: true,
  ownerServicePrincipalIds: [],
  appIds: [],
  concurrency: 2,
  thresholds: [90, 60, 30, 14, 7],
  signInActivity: true,
  managedPrefix: 'agw-managed',
  progressEvery: 100,
  ...overrides,
});

function setup(apps: WatchedApp[], overrides: Partial<InventoryConfig> = {}) {
  const { graph, state } = fakeGraph(apps);
  const store = memoryCredentialStore();
  const events = memoryEventSink();
  const lines: string[] = [];
  const log = createLogger((level, line) => lines.push(`${level} ${line}`));
  let now = NOW;
  const clock = () => now;
  const run = () => new InventoryRun(config(overrides), { graph, store, events, clock }, log).run();
  return { state, store, events, lines, run, advance: (ms: number) => (now += ms) };
}

describe('InventoryRun', () => {
  it('writes every credential with status, managed flag and last use, and summarises per status', async () => {
    const t = setup([app(1, [10, 200]), app(2, [-5, 45])]);
    t.state.signIns.set('key-1-0', '2026-11-30T10:00:00Z');
    const summary = await t.run();
    expect(summary).toMatchObject({
      apps: 2,
      credentials: 4,
      failedApps: [],
      lastUseSource: 'signInActivity',
    });
    expect(summary.byStatus).toMatchObject({ warning: 1, ok: 1, expired: 1, notice: 1 });
    const row = t.store.rows.get('obj-1|key-1-0');
    expect(row).toMatchObject({
      status: 'warning',
      managed: true,
      lastUsedAt: '2026-11-30T10:00:00Z',
      lastUsedSource: 'signInActivity',
      stale: false,
    });
    expect(t.store.rows.get('obj-1|key-1-1')).toMatchObject({
      managed: false,
      lastUsedAt: null,
      lastUsedSource: null,
    });
    expect(t.lines.some((l) => l.startsWith('info Inventory finished'))).toBe(true);
  });

  it('publishes CredentialExpiring once per threshold across runs, and again when the next threshold is crossed', async () => {
    const t = setup([app(1, [10])]);
    await t.run();
    expect(t.events.events).toHaveLength(1);
    expect(t.events.events[0]).toMatchObject({
      type: 'CredentialExpiring',
      id: 'key-1-0:14',
      data: {
        appId: 'app-1',
        keyId: 'key-1-0',
        threshold: 14,
        daysLeft: 10,
        owners: ['own-sp'],
        appDisplayName: 'App 1',
      },
    });
    t.advance(3600 * 1000);
    await t.run();
    expect(t.events.events).toHaveLength(1);
    t.advance(3.5 * DAY);
    await t.run();
    expect(t.events.events.map((e) => e.data.threshold)).toEqual([14, 7]);
  });

  it('does not remember a threshold whose event failed to publish: the next run sends it', async () => {
    const t = setup([app(1, [10])]);
    t.events.fail = true;
    const first = await t.run();
    expect(first.events).toBe(0);
    expect(first.errors.join()).toMatch(/Publishing CredentialExpiring events failed/);
    expect(t.store.rows.get('obj-1|key-1-0')?.notified).toEqual([]);
    t.events.fail = false;
    await t.run();
    expect(t.events.events).toHaveLength(1);
  });

  it('keeps a failed app’s previous rows, marked stale with the time of the last success, and retries it next run', async () => {
    const t = setup([app(1, [10]), app(2, [100])]);
    await t.run();
    const firstSuccess = t.store.rows.get('obj-2|key-2-0')?.lastSuccessAt;
    t.advance(3600 * 1000);
    t.state.failing.add('obj-2');
    const summary = await t.run();
    expect(summary.failedApps).toEqual(['app-2']);
    expect(t.store.rows.get('obj-2|key-2-0')).toMatchObject({ stale: true, lastSuccessAt: firstSuccess });
    expect(t.store.rows.get('obj-1|key-1-0')).toMatchObject({ stale: false });
    t.state.failing.clear();
    await t.run();
    expect(t.store.rows.get('obj-2|key-2-0')?.stale).toBe(false);
  });

  it('marks an app that disappeared (404) as deleted, not dropped', async () => {
    const t = setup([app(1, [10]), app(2, [100])]);
    await t.run();
    t.state.gone.add('obj-2');
    const summary = await t.run();
    expect(summary.deletedApps).toEqual(['app-2']);
    expect(t.store.rows.get('obj-2|key-2-0')).toMatchObject({ deleted: true });
  });

  it('removes the row of a credential the app no longer has', async () => {
    const t = setup([app(1, [10, 20])]);
    await t.run();
    t.state.apps[0]?.credentials.pop();
    await t.run();
    expect([...t.store.rows.keys()]).toEqual(['obj-1|key-1-0']);
  });

  it('a missing permission for one owner is one clear error; the other apps are still written and earlier rows go stale', async () => {
    const partner = { ...app(3, [40]), owners: ['partner-sp'] };
    const t = setup([app(1, [10]), partner], { ownerServicePrincipalIds: ['partner-sp', 'PARTNER-SP'] });
    await t.run();
    expect(t.store.rows.get('obj-3|key-3-0')).toBeDefined();
    t.state.denied.add('partner-sp');
    const summary = await t.run();
    expect(summary.errors).toEqual(['needs Application.Read.All for partner-sp']);
    expect(t.lines.filter((l) => l.startsWith('error')).length).toBe(1);
    expect(t.store.rows.get('obj-3|key-3-0')?.stale).toBe(true);
    expect(t.store.rows.get('obj-1|key-1-0')?.stale).toBe(false);
  });

  it('stops after many apps fail in a row (Graph down): no more Graph calls, the rest keep their rows, stale, as failed', async () => {
    const apps = Array.from({ length: 20 }, (_, i) => app(i, [100]));
    const t = setup(apps, { concurrency: 1 });
    await t.run();
    for (const a of apps) t.state.failing.add(a.objectId);
    const answeredBefore = t.state.answered;
    const summary = await t.run();
    // max(4, 2 × concurrency) failures in a row end it; the listing is closed, not drained.
    expect(t.state.answered - answeredBefore).toBe(4);
    expect(summary.failedApps.sort()).toEqual(apps.map((a) => a.appId).sort());
    expect(summary.errors.some((e) => /in a row/.test(e))).toBe(true);
    expect([...t.store.rows.values()].every((row) => row.stale)).toBe(true);
  });

  it('streams the listing: an app is taken from it only when a worker is free', async () => {
    const apps = Array.from({ length: 50 }, (_, i) => app(i, [100]));
    const t = setup(apps, { concurrency: 3 });
    const summary = await t.run();
    expect(summary.apps).toBe(50);
    expect(t.state.ahead).toBeGreaterThan(0);
    expect(t.state.ahead).toBeLessThanOrEqual(3);
  });

  it('falls back to the validator usage records when the report answers 403, labelled as such', async () => {
    const { graph, state } = fakeGraph([app(1, [10])]);
    state.reportDenied = true;
    const store = memoryCredentialStore();
    const usage = {
      lastUse: async (clientId: string) => (clientId === 'app-1' ? '2026-11-29T00:00:00Z' : null),
    };
    const summary = await new InventoryRun(
      config(),
      { graph, store, usage, clock: () => NOW },
      createLogger(() => undefined),
    ).run();
    expect(summary.lastUseSource).toBe('validatorUsage');
    expect(store.rows.get('obj-1|key-1-0')).toMatchObject({
      lastUsedAt: '2026-11-29T00:00:00Z',
      lastUsedSource: 'validatorUsage',
    });
  });

  it('de-duplicates an app listed by two owners and named in Inventory__AppIds', async () => {
    const shared = { ...app(1, [10]), owners: ['own-sp', 'partner-sp'] };
    const t = setup([shared], { ownerServicePrincipalIds: ['partner-sp'], appIds: ['app-1'] });
    const summary = await t.run();
    expect(summary.apps).toBe(1);
    expect(t.events.events).toHaveLength(1);
  });
});
