import { describe, expect, it } from 'vitest';
import { memoryUsageStore, UsageRecorder } from '../../../shared/validation/usage.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('usage records', () => {
  it('counts one tenant once whatever the case of its tid (GUIDs are case-insensitive)', async () => {
    const store = memoryUsageStore();
    const usage = new UsageRecorder({ store, clock: () => Date.UTC(2026, 0, 1), instance: 'i1' });
    usage.record(TENANT, 'client-a', 'default');
    usage.record(TENANT.toUpperCase(), 'client-a', 'default');
    const records = await usage.report('client-a');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ tenantId: TENANT, success: 2, failure: 0 });
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
});
