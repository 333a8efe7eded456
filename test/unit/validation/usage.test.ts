import { describe, expect, it } from 'vitest';
import { memoryUsageStore, UsageRecorder } from '../../../shared/validation/usage.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('usage records', () => {
  it('counts one tenant once whatever the case of its tid (GUIDs are case-insensitive)', async () => {
    const store = memoryUsageStore();
    const usage = new UsageRecorder({ store, clock: () => Date.UTC(2026, 0, 1), instance: 'i1' });
    // Each spelling again, as repeated requests bring them (each finds its counter without a key).
    for (const tid of [TENANT, TENANT.toUpperCase(), TENANT, TENANT.toUpperCase()])
      usage.record(tid, 'client-a', 'default');
    const records = await usage.report('client-a');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ tenantId: TENANT, success: 4, failure: 0 });
  });

  it('folds clients beyond 10,000 counters into (other), each request alike', async () => {
    const store = memoryUsageStore();
    const usage = new UsageRecorder({ store, clock: () => Date.UTC(2026, 0, 1), instance: 'i1' });
    for (let i = 0; i < 10_000; i++) usage.record(TENANT, `client-${i}`, 'default');
    usage.record(TENANT, 'client-late', 'default');
    usage.record(TENANT, 'client-late', 'default', 'expired');
    usage.record(TENANT, 'client-0', 'default');
    expect(await usage.report('client-late')).toEqual([]);
    expect(await usage.report('(other)')).toMatchObject([
      { tenantId: '(other)', clientId: '(other)', success: 1, failure: 1 },
    ]);
    expect(await usage.report('client-0')).toMatchObject([{ success: 2 }]);
  });

  it('counts failures by reason, across instances', async () => {
    const store = memoryUsageStore();
    const one = new UsageRecorder({ store, clock: () => Date.UTC(2026, 0, 1), instance: 'i1' });
    const two = new UsageRecorder({ store, clock: () => Date.UTC(2026, 0, 2), instance: 'i2' });
    one.record(TENANT, 'client-a', 'default', 'expired');
    one.record(TENANT, 'client-a', 'default', 'audience');
    two.record(TENANT, 'client-a', 'default', 'expired');
    two.record(TENANT, 'client-a', 'default');
    await two.flush();
    const [record] = await one.report('client-a');
    expect(record).toMatchObject({
      success: 1,
      failure: 3,
      failureReasons: { expired: 2, audience: 1 },
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-02T00:00:00.000Z',
    });
    expect(store.rows.map((row) => row.instance).sort()).toEqual(['i1', 'i2']);
  });

  it('counts successes per UTC day across a day change and instances, keeping the last 31 days', async () => {
    const store = memoryUsageStore();
    let now = Date.UTC(2026, 0, 1, 23, 59);
    const one = new UsageRecorder({ store, clock: () => now, instance: 'i1' });
    const two = new UsageRecorder({ store, clock: () => Date.UTC(2026, 0, 2, 8), instance: 'i2' });
    one.record(TENANT, 'client-a', 'default');
    one.record(TENANT, 'client-a', 'default', 'expired'); // failures are not daily successes
    now = Date.UTC(2026, 0, 2, 0, 1);
    one.record(TENANT, 'client-a', 'default');
    one.record(TENANT, 'client-a', 'default');
    two.record(TENANT, 'client-a', 'default');
    await two.flush();
    expect((await one.report('client-a'))[0]?.daily).toEqual({ '2026-01-01': 1, '2026-01-02': 3 });
    // 31 days later the first day has left the window; the recorder's own memory drops it too.
    now = Date.UTC(2026, 1, 1, 12);
    one.record(TENANT, 'client-a', 'default');
    await one.flush();
    expect(store.rows.find((row) => row.instance === 'i1')?.daily).toEqual({
      '2026-01-02': 2,
      '2026-02-01': 1,
    });
  });
});
