import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import {
  RUN_PARTITION,
  type RunOutcome,
  type RunOutcomeStore,
  tableRunOutcome,
} from '../platform/run-outcome.js';
import { safeTableKey, tableCreator } from '../platform/storage.js';
import type { CredentialRow } from './model.js';

/**
 * The `credentials` table (the port): one row per credential, one partition per app. A run
 * replaces an app's rows when it fetched the app; the report reads the table, never Graph.
 */
export interface CredentialStore extends RunOutcomeStore {
  readAll(): Promise<CredentialRow[]>;
  /** Every row as a note, streamed: what a run diffs against, without holding the rows. */
  notes(): AsyncIterable<CredentialNote>;
  /** One app's rows (a run marks them stale or deleted). */
  readApp(appObjectId: string): Promise<CredentialRow[]>;
  /** Writes an app's rows and deletes the named credentials it no longer has. */
  writeApp(appObjectId: string, rows: CredentialRow[], removedKeyIds: string[]): Promise<void>;
}

/** What a run needs of a row of the last snapshot. */
export type CredentialNote = Pick<CredentialRow, 'appObjectId' | 'appId' | 'keyId' | 'notified' | 'deleted'>;

const NOTE_FIELDS = ['appObjectId', 'appId', 'keyId', 'notified', 'deleted'];

const JSON_FIELDS = ['owners', 'notified'] as const;
/** Entity group transactions hold at most 100 operations, all in one partition. */
const TRANSACTION_LIMIT = 100;

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function toEntity(row: CredentialRow): Entity {
  const entity: Entity = { partitionKey: safeTableKey(row.appObjectId), rowKey: safeTableKey(row.keyId) };
  for (const [name, value] of Object.entries(row)) {
    // Table properties are scalars; null means "no property", read back as null.
    if (value === null || value === undefined) continue;
    entity[name] = (JSON_FIELDS as readonly string[]).includes(name) ? JSON.stringify(value) : value;
  }
  return entity;
}

const NULLABLE = [
  'displayName',
  'hint',
  'thumbprint',
  'startDateTime',
  'endDateTime',
  'lastUsedAt',
  'lastUsedSource',
] as const;

const parse = (value: unknown): unknown[] => {
  try {
    const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : [];
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
};

function noteFromEntity(entity: Record<string, unknown>): CredentialNote {
  return {
    appObjectId: String(entity.appObjectId),
    appId: String(entity.appId),
    keyId: String(entity.keyId),
    notified: parse(entity.notified).map(Number),
    deleted: entity.deleted === true,
  };
}

function fromEntity(entity: Record<string, unknown>): CredentialRow {
  const row = {
    type: entity.type,
    keyId: entity.keyId,
    appObjectId: entity.appObjectId,
    appId: entity.appId,
    appDisplayName: entity.appDisplayName ?? '',
    owners: parse(entity.owners).map(String),
    status: entity.status,
    managed: entity.managed === true,
    deleted: entity.deleted === true,
    stale: entity.stale === true,
    lastSuccessAt: entity.lastSuccessAt,
    notified: parse(entity.notified).map(Number) as readonly number[],
  } as CredentialRow;
  for (const name of NULLABLE) (row as unknown as Record<string, unknown>)[name] = entity[name] ?? null;
  return row;
}

export function tableCredentialStore(client: TableClient): CredentialStore {
  const ensureTable = tableCreator(client);
  return {
    ...tableRunOutcome(client, ensureTable, 'inventory'),
    async readAll() {
      await ensureTable();
      const rows: CredentialRow[] = [];
      for await (const entity of client.listEntities())
        if (entity.partitionKey !== RUN_PARTITION) rows.push(fromEntity(entity));
      return rows;
    },
    async *notes() {
      await ensureTable();
      // Only the note's properties travel: a fifth of each row.
      for await (const entity of client.listEntities({
        queryOptions: { select: [...NOTE_FIELDS, 'PartitionKey'] },
      }))
        if (entity.partitionKey !== RUN_PARTITION) yield noteFromEntity(entity);
    },
    async readApp(appObjectId) {
      await ensureTable();
      const rows: CredentialRow[] = [];
      const filter = odata`PartitionKey eq ${safeTableKey(appObjectId)}`;
      for await (const entity of client.listEntities({ queryOptions: { filter } }))
        rows.push(fromEntity(entity));
      return rows;
    },
    async writeApp(appObjectId, rows, removedKeyIds) {
      await ensureTable();
      const partitionKey = safeTableKey(appObjectId);
      const actions: TransactionAction[] = [
        ...rows.map((row): TransactionAction => ['upsert', toEntity(row), 'Replace']),
        ...removedKeyIds.map(
          (keyId): TransactionAction => ['delete', { partitionKey, rowKey: safeTableKey(keyId) }],
        ),
      ];
      for (let i = 0; i < actions.length; i += TRANSACTION_LIMIT)
        await client.submitTransaction(actions.slice(i, i + TRANSACTION_LIMIT));
    },
  };
}

/** The in-memory adapter (tests, the bench): the same replace-per-app rule. */
export function memoryCredentialStore(): CredentialStore & { rows: Map<string, CredentialRow> } {
  const rows = new Map<string, CredentialRow>();
  let run: RunOutcome | null = null;
  const key = (appObjectId: string, keyId: string) => `${appObjectId.toLowerCase()}|${keyId.toLowerCase()}`;
  return {
    rows,
    async readAll() {
      return [...rows.values()].map((row) => structuredClone(row));
    },
    async *notes() {
      for (const { appObjectId, appId, keyId, notified, deleted } of rows.values())
        yield { appObjectId, appId, keyId, notified: [...notified], deleted };
    },
    async readApp(appObjectId) {
      const prefix = key(appObjectId, '');
      return [...rows].filter(([k]) => k.startsWith(prefix)).map(([, row]) => structuredClone(row));
    },
    async writeApp(appObjectId, written, removedKeyIds) {
      // A copy that shares the (immutable) strings: a third of a structured clone's size, which the
      // bench's 30,000 rows in this process would otherwise add to the run's own memory.
      for (const row of written)
        rows.set(key(appObjectId, row.keyId), {
          ...row,
          owners: [...row.owners],
          notified: [...row.notified],
        });
      for (const keyId of removedKeyIds) rows.delete(key(appObjectId, keyId));
    },
    async lastRun() {
      return run && { ...run };
    },
    async putRun(outcome) {
      run = { ...outcome };
    },
  };
}
