import { describe, expect, it } from 'vitest';
import type { GraphDirectory } from '../../../shared/inventory/graph-directory.js';
import type { CredentialRow } from '../../../shared/inventory/model.js';
import { createInventoryRuntime } from '../../../shared/inventory/runtime.js';
import { memoryCredentialStore } from '../../../shared/inventory/store.js';
import { memoryRotationJournal } from '../../../shared/rotation/journal.js';
import type { JournalRecord } from '../../../shared/rotation/model.js';
import { rotationStatesFrom } from '../../../shared/rotation/status.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');

function record(extra: Partial<JournalRecord>): JournalRecord {
  return {
    appId: 'app-a',
    objectId: 'obj-a',
    runId: 'run-1',
    kind: 'password',
    step: 'complete',
    displayName: 'managed-by:gateway-plumbing run-1',
    oldKeyId: 'OLD',
    newKeyId: 'new',
    lifetimeDays: 180,
    newCreatedAt: '2026-11-30T00:00:00.000Z',
    secretName: 's',
    secretVersion: 'v',
    secretId: 'id',
    createdAt: '2026-11-30T00:00:00.000Z',
    updatedAt: '2026-11-30T00:01:00.000Z',
    error: null,
    removedAt: null,
    note: null,
    ...extra,
  };
}

const row = (keyId: string): CredentialRow => ({
  type: 'password',
  keyId,
  displayName: 'x',
  hint: 'abc',
  thumbprint: null,
  startDateTime: null,
  endDateTime: new Date(NOW + 86_400_000).toISOString(),
  appObjectId: 'obj-a',
  appId: 'app-a',
  appDisplayName: 'App a',
  owners: [],
  lastUsedAt: null,
  lastUsedSource: null,
  status: 'ok',
  managed: true,
  deleted: false,
  stale: false,
  lastSuccessAt: new Date(NOW).toISOString(),
  notified: [],
});

describe('rotation fields of /api/credentials', () => {
  it('the journal names the state of each new credential and what replaced each old one', async () => {
    const journal = memoryRotationJournal();
    await journal.put(record({}));
    await journal.put(
      record({
        runId: 'run-2',
        step: 'verifying',
        oldKeyId: 'new',
        newKeyId: 'newer',
        updatedAt: '2026-12-01T00:00:00.000Z',
      }),
    );
    const states = await rotationStatesFrom(journal).byKeyId();
    expect(states.get('old')).toEqual({
      lastRotatedAt: '2026-11-30T00:01:00.000Z',
      rotationState: 'complete',
      replacedBy: 'new',
    });
    // The later, unfinished rotation wins for `new`: being replaced, not yet replaced.
    expect(states.get('new')).toEqual({
      lastRotatedAt: '2026-12-01T00:00:00.000Z',
      rotationState: 'verifying',
      replacedBy: null,
    });
    expect(states.get('newer')?.rotationState).toBe('verifying');
  });

  it('the report carries lastRotatedAt, rotationState and replacedBy (null when rotation never touched it), JSON and CSV', async () => {
    const store = memoryCredentialStore();
    await store.writeApp('obj-a', [row('old'), row('new'), row('other')], []);
    const journal = memoryRotationJournal();
    await journal.put(record({}));
    const runtime = createInventoryRuntime(
      {},
      {
        graph: {} as GraphDirectory,
        store,
        events: null,
        usage: null,
        rotation: rotationStatesFrom(journal),
        clock: () => NOW,
      },
    );
    if (!runtime.ok) throw new Error(runtime.problems.join());
    const body = JSON.parse((await runtime.service.report(new URLSearchParams(), [])).body);
    const byKey = Object.fromEntries(
      body.items.map((i: Record<string, unknown>) => [
        i.keyId,
        [i.rotationState, i.replacedBy, i.lastRotatedAt],
      ]),
    );
    expect(byKey).toEqual({
      old: ['complete', 'new', '2026-11-30T00:01:00.000Z'],
      new: ['complete', null, '2026-11-30T00:01:00.000Z'],
      other: [null, null, null],
    });
    const csv = (await runtime.service.report(new URLSearchParams('format=csv'), ['format'])).body as string;
    expect(csv.split('\r\n')[0]).toMatch(/,lastRotatedAt,rotationState,replacedBy$/);
  });
});
