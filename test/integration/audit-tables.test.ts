import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../local/azurite.js';
import { TableRotationJournal } from '../../shared/audit/journal.js';
import type { AuditRecord } from '../../shared/audit/record.js';
import { TableAuditState } from '../../shared/audit/state.js';
import { TableAuditStore } from '../../shared/audit/store.js';
import { tableClient } from '../../shared/platform/storage.js';
import { tableRotationJournal } from '../../shared/rotation/journal.js';
import { completedRotation } from '../helpers/audit-journal.js';

/** The audit-log ingestion's batched writes and reads on Azurite: entity group transactions, claims. */
let azurite: RunningAzurite;
let env: Record<string, string>;

beforeAll(async () => {
  azurite = await startAzurite();
  env = { AzureWebJobsStorage: azurite.connectionString };
}, 60_000);

afterAll(async () => {
  await azurite?.stop();
});

const record = (n: number, appId: string): AuditRecord => ({
  id: `Directory_${n}`,
  source: 'entra',
  // Two UTC days, so the chunk spans two day partitions.
  time: new Date(Date.UTC(2026, 5, 14, 20) + n * 60_000).toISOString(),
  kind: 'CredentialChange',
  subject: appId,
  severity: 'info',
  appId,
  details: { n },
});

async function rowsOf(partitionKey: string): Promise<number> {
  let rows = 0;
  const entities = tableClient('audit', env).listEntities({
    queryOptions: { filter: `PartitionKey eq '${partitionKey}'`, select: ['RowKey'] },
  });
  for await (const _ of entities) rows += 1;
  return rows;
}

describe('TableAuditStore.recordMany (entity group transactions)', () => {
  it('stores a chunk once, and finds the duplicates of a re-read chunk that partly overlaps', async () => {
    const store = new TableAuditStore(tableClient('audit', env));
    const apps = [randomUUID(), randomUUID(), randomUUID()];
    const chunk = Array.from({ length: 250 }, (_, n) => record(n, apps[n % 3] as string));
    const first = await store.recordMany(chunk, new Date());
    expect(first.filter((r) => r.duplicate)).toHaveLength(0);
    const dayRows = async () => (await rowsOf('2026-06-14')) + (await rowsOf('2026-06-15'));
    expect(await rowsOf('2026-06-15')).toBeGreaterThan(0);
    expect(await dayRows()).toBe(250);
    expect(await rowsOf(`app-2026-06-${apps[0]}`)).toBe(84);

    // 100 already stored, 50 new, and one new line repeated within the chunk.
    const again = [
      ...chunk.slice(150),
      ...Array.from({ length: 50 }, (_, i) => record(250 + i, apps[0] as string)),
    ];
    again.push(again.at(-1) as AuditRecord);
    const second = await store.recordMany(again, new Date());
    expect(second.map((r) => r.duplicate)).toEqual([
      ...Array(100).fill(true),
      ...Array(50).fill(false),
      true,
    ]);
    expect(await dayRows()).toBe(300);
    expect(await rowsOf(`app-2026-06-${apps[0]}`)).toBe(134);
  });
});

describe('TableAuditState notices (claimed in transactions, sent once their chunk is stored)', () => {
  it("hands a claim out again until its chunk's checkpoint passes it, then never", async () => {
    const state = new TableAuditState(tableClient('auditstate', env));
    const blobName = `tenantId=t/${randomUUID()}/PT1H.json`;
    const chunk = { blobName, end: 5000 };
    const keys = Array.from({ length: 150 }, () => randomUUID());
    expect((await state.claimNotices(keys, chunk)).size).toBe(150);
    // The chunk failed before its checkpoint moved: the next reader claims them again.
    expect((await state.claimNotices(keys, chunk)).size).toBe(150);
    expect(await state.advance(blobName, await state.checkpoint(blobName), 5000)).toBe(true);
    const fresh = [randomUUID(), randomUUID()];
    const later = { blobName: `tenantId=t/${randomUUID()}/PT1H.json`, end: 100 };
    expect([...(await state.claimNotices([...keys.slice(0, 20), ...fresh], later))].sort()).toEqual(
      fresh.sort(),
    );
    // The later chunk never finished, so its fresh claims are handed out once more, and moved over.
    const third = { blobName: `tenantId=t/${randomUUID()}/PT1H.json`, end: 10 };
    expect((await state.claimNotices(fresh, third)).size).toBe(2);
    await state.advance(third.blobName, await state.checkpoint(third.blobName), 10);
    expect((await state.claimNotices(fresh, later)).size).toBe(0);
  });
});

describe('TableRotationJournal.knownKeys (one read per chunk)', () => {
  it('answers a few keyIds with a filter and many with one read of the keyId columns', async () => {
    const journalled = { newKeyId: randomUUID(), oldKeyId: randomUUID() };
    await tableRotationJournal(tableClient('rotationjournal', env)).put(completedRotation(journalled));
    const journal = new TableRotationJournal(tableClient('rotationjournal', env));
    const few = [journalled.newKeyId.toUpperCase(), randomUUID()];
    expect([...(await journal.knownKeys(few))]).toEqual([journalled.newKeyId]);
    const many = [
      journalled.oldKeyId,
      journalled.newKeyId,
      ...Array.from({ length: 20 }, () => randomUUID()),
    ];
    expect([...(await journal.knownKeys(many))].sort()).toEqual(
      [journalled.oldKeyId, journalled.newKeyId].sort(),
    );
    expect((await journal.knownKeys([])).size).toBe(0);
  });
});
