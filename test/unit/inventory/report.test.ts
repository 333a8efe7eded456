import { describe, expect, it } from 'vitest';
import type { GraphDirectory } from '../../../shared/inventory/graph-directory.js';
import type { CredentialRow } from '../../../shared/inventory/model.js';
import { createInventoryRuntime } from '../../../shared/inventory/runtime.js';
import { memoryCredentialStore } from '../../../shared/inventory/store.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;

const row = (
  appId: string,
  keyId: string,
  days: number | null,
  owners = ['sp-a'],
  name = 'secret',
): CredentialRow => ({
  type: 'password',
  keyId,
  displayName: name,
  hint: 'abc',
  thumbprint: null,
  startDateTime: null,
  endDateTime: days === null ? null : new Date(NOW + days * DAY).toISOString(),
  appObjectId: `obj-${appId}`,
  appId,
  appDisplayName: `App ${appId}`,
  owners,
  lastUsedAt: null,
  lastUsedSource: null,
  status: 'stored status is recomputed',
  managed: false,
  deleted: false,
  stale: false,
  lastSuccessAt: new Date(NOW).toISOString(),
  notified: [],
});

const graph = {} as GraphDirectory;

async function report(query: string, rows: CredentialRow[]) {
  const store = memoryCredentialStore();
  for (const r of rows) await store.writeApp(r.appObjectId, [r], []);
  const runtime = createInventoryRuntime({}, { graph, store, events: null, usage: null, clock: () => NOW });
  if (!runtime.ok) throw new Error(runtime.problems.join());
  const params = new URLSearchParams(query);
  return runtime.service.report(params, [...new Set(params.keys())]);
}

const rows = [
  row('a', 'k1', 200),
  row('a', 'k2', 10),
  row('b', 'k3', -5, ['sp-b']),
  row('b', 'k4', null, ['sp-b']),
  row('c', 'k5', 40, ['sp-a', 'sp-b'], '=cmd|calc'),
];

describe('GET /api/credentials report', () => {
  it('sorts by days left (unknown last) and computes status for now', async () => {
    const response = await report('', rows);
    expect(response.status).toBe(200);
    const body = JSON.parse(response.body);
    expect(
      body.items.map((i: { keyId: string; status: string; daysLeft: number | null }) => [
        i.keyId,
        i.status,
        i.daysLeft,
      ]),
    ).toEqual([
      ['k3', 'expired', -5],
      ['k2', 'warning', 10],
      ['k5', 'notice', 40],
      ['k1', 'ok', 200],
      ['k4', 'unknown', null],
    ]);
    expect(body.continuationToken).toBeNull();
  });

  it.each([
    ['status=expired', ['k3']],
    ['status=warning,notice', ['k2', 'k5']],
    ['status=warning&status=unknown', ['k2', 'k4']],
    ['appId=B', ['k3', 'k4']],
    ['withinDays=40', ['k3', 'k2', 'k5']],
    ['owner=SP-B', ['k3', 'k5', 'k4']],
    ['owner=sp-a&withinDays=30', ['k2']],
  ])('filters: %s', async (query, keys) => {
    const body = JSON.parse((await report(query, rows)).body);
    expect(body.items.map((i: { keyId: string }) => i.keyId)).toEqual(keys);
  });

  it('pages with an opaque continuation token, without skipping or repeating', async () => {
    const seen: string[] = [];
    let token: string | null = '';
    let pages = 0;
    while (token !== null) {
      const body = JSON.parse(
        (await report(`pageSize=2${token ? `&continuationToken=${token}` : ''}`, rows)).body,
      );
      seen.push(...body.items.map((i: { keyId: string }) => i.keyId));
      token = body.continuationToken;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(['k3', 'k2', 'k5', 'k1', 'k4']);
  });

  it.each([
    ['status=soon', /status must be one or more of/],
    ['withinDays=abc', /withinDays must be a whole number/],
    ['withinDays=-1', /withinDays must be a whole number/],
    ['pageSize=0', /pageSize/],
    ['format=xml', /format must be json or csv/],
    ['appId=', /appId must be a non-empty id/],
    ['continuationToken=bm9wZQ', /continuationToken/],
    ['sort=name', /Unknown query parameter sort/],
  ])('a bad filter (%s) is a 400 problem+json', async (query, detail) => {
    const response = await report(query, rows);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(response.body);
    expect(problem.detail).toMatch(detail);
    expect(['bad_filter', 'bad_continuation_token']).toContain(problem.code);
  });

  it('gives RFC 4180 CSV with a header row, formula text guarded', async () => {
    const response = await report('format=csv&appId=c', rows);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const lines = response.body.split('\r\n');
    expect(lines[0]).toMatch(/^appDisplayName,appId,objectId,type,keyId,hint,thumbprint,displayName,/);
    expect(lines[1]).toContain(",'=cmd|calc,");
    expect(lines[1]).toContain(',sp-a sp-b,');
    expect(lines).toHaveLength(3);
  });
});
