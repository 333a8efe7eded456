import type { TableClient, TransactionAction } from '@azure/data-tables';
import { safeTableKey, tableCreator } from '../platform/storage.js';
import type { CredentialRow } from './model.js';

/**
 * The `credentials` table (the port): one row per credential, one partition per app. A run
 * replaces an app's rows when it fetched the app; the report reads the table, never Graph.
 */
export interface CredentialStore {
  readAll(): Promise<CredentialRow[]>;
  /** Writes an app's rows and deletes the named credentials it no longer has. */
  writeApp(appObjectId: string, rows: CredentialRow[], removedKeyIds: string[]): Promise<void>;
  /** The last run's outcome (one row, replaced by every run), for the dashboard; null before the first. */
  lastRun(): Promise<RunOutcome | null>;
  putRun(run: RunOutcome): Promise<void>;
}

/** How a run ended, in one line a person reads. Never a secret. */
export interface RunOutcome {
  at: string;
  outcome: 'succeeded' | 'partial' | 'failed' | 'dry-run';
  summary: string;
}

/** The last run's row: a partition of its own, which no app's object id can be. */
const RUN_KEY = { partitionKey: '~run', rowKey: 'inventory' } as const;

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

function fromEntity(entity: Record<string, unknown>): CredentialRow {
  const parse = (value: unknown): unknown[] => {
    try {
      const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : [];
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  };
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
    notified: parse(entity.notified).map(Number),
  } as CredentialRow;
  for (const name of NULLABLE) (row as unknown as Record<string, unknown>)[name] = entity[name] ?? null;
  return row;
}

export function tableCredentialStore(client: TableClient): CredentialStore {
  const ensureTable = tableCreator(client);
  return {
    async readAll() {
      await ensureTable();
      const rows: CredentialRow[] = [];
      for await (const entity of client.listEntities())
        if (entity.partitionKey !== RUN_KEY.partitionKey) rows.push(fromEntity(entity));
      return rows;
    },
    async lastRun() {
      await ensureTable();
      try {
        const entity = await client.getEntity<RunOutcome>(RUN_KEY.partitionKey, RUN_KEY.rowKey);
        return { at: entity.at, outcome: entity.outcome, summary: entity.summary };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null;
        throw error;
      }
    },
    async putRun(run) {
      await ensureTable();
      await client.upsertEntity({ ...RUN_KEY, ...run }, 'Replace');
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
    async writeApp(appObjectId, written, removedKeyIds) {
      for (const row of written) rows.set(key(appObjectId, row.keyId), structuredClone(row));
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
