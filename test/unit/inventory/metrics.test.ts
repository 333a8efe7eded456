import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVENTORY_CREDENTIALS, INVENTORY_RUNS } from '../../../shared/inventory/metrics.js';
import type { WatchedApp } from '../../../shared/inventory/model.js';
import { InventoryRun } from '../../../shared/inventory/run.js';
import { memoryCredentialStore } from '../../../shared/inventory/store.js';
import { createLogger } from '../../../shared/platform/log.js';
import { captureMetrics } from '../../helpers/metrics.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;
let capture: ReturnType<typeof captureMetrics>;
beforeAll(() => {
  capture = captureMetrics();
});
afterAll(() => capture.stop());

const app = (n: number, credentials: Array<[string, number]>): WatchedApp => ({
  objectId: `obj-${n}`,
  appId: `app-${n}`,
  displayName: `App ${n}`,
  owners: ['own-sp'],
  credentials: credentials.map(([displayName, days], i) => ({
    type: 'password',
    keyId: `key-${n}-${i}`,
    displayName,
    hint: 'abc',
    thumbprint: null,
    startDateTime: null,
    endDateTime: new Date(NOW + days * DAY).toISOString(),
  })),
});

describe('inventory metrics (OpenTelemetry, in-memory reader)', () => {
  it('reports credentials by status and managed flag as of the last run, and counts the runs', async () => {
    const apps = [
      app(1, [
        ['agw-managed r1', 5],
        ['manual', 200],
      ]),
      app(2, [
        ['agw-managed r2', -3],
        ['manual', -3],
        ['manual', 20],
      ]),
    ];
    const run = () =>
      new InventoryRun(
        {
          includeOwnApps: true,
          ownerServicePrincipalIds: [],
          appIds: [],
          concurrency: 2,
          thresholds: [90, 60, 30, 14, 7],
          signInActivity: false,
          managedPrefix: 'agw-managed',
          progressEvery: 100,
        },
        {
          graph: {
            ownServicePrincipalId: async () => 'own-sp',
            ownedApps: async function* () {
              yield* apps;
            },
            appByAppId: async () => null,
            appByObjectId: async (id) => apps.find((a) => a.objectId === id) ?? null,
            owners: async (id) => apps.find((a) => a.objectId === id)?.owners ?? null,
            signInActivity: async () => new Map(),
            takeThrottledCount: () => 0,
          },
          store: memoryCredentialStore(),
          clock: () => NOW,
        },
        createLogger(() => {}),
      ).run();
    await run();
    await run();
    const gauge = Object.fromEntries(
      (await capture.points(INVENTORY_CREDENTIALS.name)).map((p) => [
        `${p.attributes.status} ${p.attributes.managed}`,
        p.value,
      ]),
    );
    expect(gauge).toEqual({
      'critical true': 1,
      'ok false': 1,
      'expired true': 1,
      'expired false': 1,
      'warning false': 1,
    });
    expect(await capture.points(INVENTORY_RUNS.name)).toEqual([
      { attributes: { outcome: 'complete' }, value: 2 },
    ]);
  });
});
