import { describe, expect, it } from 'vitest';
import { partitionsFor } from '../../../shared/audit/keys.js';
import { MemoryQuarantineStore } from '../../../shared/audit/quarantine.js';
import { auditQueryResponse } from '../../../shared/audit/query.js';
import type { AuditRecord } from '../../../shared/audit/record.js';
import { enforceRetention } from '../../../shared/audit/retention.js';
import { MemoryAuditStore } from '../../../shared/audit/store.js';

const now = new Date('2026-11-22T12:00:00Z');

function record(n: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `e${n}`,
    source: 'product',
    time: new Date(now.getTime() - n * 3_600_000).toISOString(),
    kind: 'CredentialExpiring',
    subject: `app-${n % 2}/k${n}`,
    severity: n % 3 === 0 ? 'critical' : 'warning',
    details: { n },
    appId: `app-${n % 2}`,
    ...extra,
  };
}

async function get(store: MemoryAuditStore, query: string) {
  const response = await auditQueryResponse(store, new URLSearchParams(query), now);
  return {
    status: response.status,
    headers: response.headers,
    body: response.status === 200 && !query.includes('ndjson') ? JSON.parse(response.body) : response.body,
  };
}

async function seeded(count = 50): Promise<MemoryAuditStore> {
  const store = new MemoryAuditStore();
  for (let n = 0; n < count; n += 1) await store.record(record(n), now);
  return store;
}

describe('GET /api/audit', () => {
  it('answers newest first across day partitions, in pages joined by the continuation token', async () => {
    const store = await seeded();
    const first = await get(store, 'pageSize=20');
    expect(first.status).toBe(200);
    expect(first.body.items.map((r: AuditRecord) => r.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `e${i}`),
    );
    const seen = [...first.body.items];
    let token = first.body.continuationToken;
    while (token) {
      const page = await get(store, `pageSize=20&continuationToken=${token}`);
      seen.push(...page.body.items);
      token = page.body.continuationToken;
    }
    expect(seen.map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
  });

  it('filters by app (its month partitions only), kind, severity, outOfBand and time', async () => {
    const store = await seeded();
    await store.record(
      record(100, {
        kind: 'CredentialChange',
        source: 'entra',
        outOfBand: true,
        time: '2026-11-20T00:00:00Z',
      }),
      now,
    );
    const app = await get(store, 'appId=app-1&pageSize=1000');
    expect(app.body.items.every((r: AuditRecord) => r.appId === 'app-1')).toBe(true);
    expect(app.body.items).toHaveLength(25);
    expect((await get(store, 'severity=critical')).body.items).toHaveLength(17);
    const oob = await get(store, 'outOfBand=true');
    expect(oob.body.items.map((r: AuditRecord) => r.id)).toEqual(['e100']);
    expect((await get(store, 'outOfBand=false&kind=CredentialChange')).body.items).toEqual([]);
    const window = await get(store, 'from=2026-11-22T08:00:00Z&to=2026-11-22T10:00:00Z');
    expect(window.body.items.map((r: AuditRecord) => r.id)).toEqual(['e2', 'e3', 'e4']);
  });

  it('reads one or two partitions for one app over a month', () => {
    expect(partitionsFor(new Date('2026-10-22T00:00:00Z'), now, 'App-1')).toEqual([
      'app-2026-11-app-1',
      'app-2026-10-app-1',
    ]);
    expect(partitionsFor(new Date('2026-11-01T00:00:00Z'), now, 'app-1')).toHaveLength(1);
    expect(partitionsFor(new Date('2026-11-20T05:00:00Z'), now)).toEqual([
      '2026-11-22',
      '2026-11-21',
      '2026-11-20',
    ]);
  });

  it('answers NDJSON, one record per line, the token in a header', async () => {
    const store = await seeded(5);
    const response = await get(store, 'format=ndjson&pageSize=2');
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const lines = String(response.body)
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((r) => r.id)).toEqual(['e0', 'e1']);
    expect(response.headers['x-continuation-token']).toBeTruthy();
  });

  it.each([
    ['severity=loud', /severity/],
    ['outOfBand=yes', /outOfBand/],
    ['from=yesterday', /from/],
    ['from=2026-11-22&to=2026-11-01', /after/],
    ['pageSize=1001', /pageSize/],
    ['pageSize=0', /pageSize/],
    ['format=xml', /format/],
    ['continuationToken=nonsense', /continuationToken/],
    ['kind=a%20b', /kind/],
    ['appId=', /appId/],
    ['colour=red', /Unknown parameter/],
  ])('refuses %s with a 400 problem', async (query, detail) => {
    const response = await auditQueryResponse(new MemoryAuditStore(), new URLSearchParams(query), now);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body).detail).toMatch(detail);
  });

  it('refuses a continuation token used with other filters', async () => {
    const store = await seeded();
    const first = await get(store, 'pageSize=5');
    const other = await get(
      store,
      `appId=app-1&pageSize=5&continuationToken=${first.body.continuationToken}`,
    );
    expect(other.status).toBe(400);
  });
});

describe('retention', () => {
  it('deletes records older than the retention days, and keeps the rest', async () => {
    const store = new MemoryAuditStore();
    await store.record(record(0, { time: '2025-01-01T00:00:00Z' }), now);
    await store.record(record(1), now);
    const quarantine = new MemoryQuarantineStore();
    await quarantine.put(
      { source: 'x', reason: 'r', code: 'c', payload: '{}' },
      new Date('2025-01-01T00:00:00Z'),
    );
    const result = await enforceRetention(store, quarantine, now, 400);
    expect(result.records).toBeGreaterThanOrEqual(1);
    expect(result.quarantined).toBe(1);
    expect(store.records().map((r) => r.id)).toEqual(['e1']);
    expect((await get(store, 'appId=app-0&from=2024-12-01T00:00:00Z')).body.items).toEqual([]);
  });
});
