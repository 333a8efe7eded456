import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../shared/callers/guard.js';
import { issuanceCounter, issuedOf, type UsageRow } from '../../../shared/callers/issuance.js';
import { usageReport } from '../../../shared/callers/usage-report.js';

describe('issuance counters', () => {
  it('count per caller, client, scope and UTC day through the usage recorder, and decode back', async () => {
    const rows = new Map<string, UsageRow>();
    const usage = {
      record(tid: string, clientId: string, policy: string) {
        const key = `${clientId}|${policy}`;
        const row = rows.get(key) ?? {
          tenantId: tid,
          clientId,
          policy,
          success: 0,
          firstSeen: 'f',
          lastSeen: 'l',
        };
        row.success += 1;
        rows.set(key, row);
      },
    };
    let now = Date.UTC(2026, 0, 1, 23, 59, 59);
    const counter = issuanceCounter(usage, () => now);
    counter.record('caller-a', 't', 'default', 'api://x/.default');
    counter.record('caller-a', 't', 'default', 'api://x/.default');
    now += 2000; // the next day
    counter.record('caller-a', 't', 'default', 'api://x/.default');
    counter.record('caller-a', 't', 'pfx', 'api://y|odd/.default');
    const decoded = issuedOf([
      ...rows.values(),
      { ...[...rows.values()][0]!, policy: 'default', success: 9 },
    ]);
    expect(decoded.map((r) => [r.day, r.client, r.scope, r.count])).toEqual([
      ['2026-01-01', 'default', 'api://x/.default', 2],
      ['2026-01-02', 'default', 'api://x/.default', 1],
      ['2026-01-02', 'pfx', 'api://y|odd/.default', 1],
    ]);

    const caller = { clientIdOf: (name: string) => (name === 'a' ? 'caller-a' : name) } as Caller;
    const reader = {
      report: async (clientId: string) => [...rows.values()].filter((r) => r.clientId === clientId),
    };
    const byName = await usageReport(reader, new URLSearchParams('caller=a'), caller);
    expect(JSON.parse(byName.body)).toMatchObject({ caller: 'a', clientId: 'caller-a', issued: decoded });
    const validation = await usageReport(reader, new URLSearchParams('clientId=caller-a'), caller);
    expect(JSON.parse(validation.body).records).toEqual([]);
    for (const query of ['', 'caller=a&clientId=b', `caller=${'x'.repeat(257)}`])
      expect((await usageReport(reader, new URLSearchParams(query), caller)).status).toBe(400);
  });
});
