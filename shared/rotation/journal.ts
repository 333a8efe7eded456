import type { TableClient } from '@azure/data-tables';
import { acquireLease, type HeldLease } from '../platform/lease.js';
import {
  RUN_PARTITION,
  type RunOutcome,
  type RunOutcomeStore,
  tableRunOutcome,
} from '../platform/run-outcome.js';
import type { Env } from '../platform/settings-reader.js';
import { safeTableKey, tableCreator } from '../platform/storage.js';
import type { AppMemory, JournalRecord } from './model.js';

/**
 * The `rotationjournal` table (the port): one partition per app, one row per rotation (row key:
 * the run id), and one `~memory` row per app (the credentials last seen, the lifetime that
 * worked). Every step is written before the next one starts, so a run that dies leaves a record.
 * Never a secret value.
 */
export interface RotationJournal extends RunOutcomeStore {
  records(appId?: string): Promise<JournalRecord[]>;
  put(record: JournalRecord): Promise<void>;
  memory(): Promise<AppMemory[]>;
  putMemory(memory: AppMemory): Promise<void>;
}

const MEMORY_ROW = '~memory';

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

function clean(entity: Record<string, unknown>): Record<string, unknown> {
  const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, 'odata.etag': _o, ...rest } = entity;
  return rest;
}

const NULLABLE: (keyof JournalRecord)[] = [
  'oldKeyId',
  'newKeyId',
  'newCreatedAt',
  'secretName',
  'secretVersion',
  'secretId',
  'error',
  'removedAt',
  'note',
];

function recordFrom(entity: Record<string, unknown>): JournalRecord {
  const record = clean(entity) as unknown as JournalRecord;
  for (const name of NULLABLE) (record as unknown as Record<string, unknown>)[name] ??= null;
  record.lifetimeDays = Number(record.lifetimeDays);
  return record;
}

function withoutNulls(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

export function tableRotationJournal(client: TableClient): RotationJournal {
  const ensureTable = tableCreator(client);
  return {
    ...tableRunOutcome(client, ensureTable, 'rotation'),
    async records(appId) {
      await ensureTable();
      const records: JournalRecord[] = [];
      const filter = appId
        ? { queryOptions: { filter: `PartitionKey eq '${safeTableKey(appId).replaceAll("'", "''")}'` } }
        : {};
      for await (const entity of client.listEntities(filter))
        if (entity.rowKey !== MEMORY_ROW && entity.partitionKey !== RUN_PARTITION)
          records.push(recordFrom(entity));
      return records;
    },
    async put(record) {
      await ensureTable();
      const entity: Entity = {
        partitionKey: safeTableKey(record.appId),
        rowKey: safeTableKey(record.runId),
        ...withoutNulls(record),
      };
      await client.upsertEntity(entity, 'Replace');
    },
    async memory() {
      await ensureTable();
      const memory: AppMemory[] = [];
      for await (const entity of client.listEntities({
        queryOptions: { filter: `RowKey eq '${MEMORY_ROW}'` },
      })) {
        const rest = clean(entity);
        memory.push({
          appId: String(rest.appId),
          knownKeyIds: JSON.parse(String(rest.knownKeyIds ?? '[]')) as string[],
          lifetimeDays: rest.lifetimeDays === undefined ? null : Number(rest.lifetimeDays),
          updatedAt: String(rest.updatedAt),
        });
      }
      return memory;
    },
    async putMemory(memory) {
      await ensureTable();
      await client.upsertEntity(
        {
          partitionKey: safeTableKey(memory.appId),
          rowKey: MEMORY_ROW,
          ...withoutNulls({ ...memory, knownKeyIds: JSON.stringify(memory.knownKeyIds) }),
        },
        'Replace',
      );
    },
  };
}

/** The in-memory adapter (unit tests, the bench): the same rows. */
export function memoryRotationJournal(): RotationJournal & { rows: Map<string, JournalRecord> } {
  const rows = new Map<string, JournalRecord>();
  const memories = new Map<string, AppMemory>();
  let run: RunOutcome | null = null;
  return {
    rows,
    async lastRun() {
      return run && { ...run };
    },
    async putRun(outcome) {
      run = { ...outcome };
    },
    async records(appId) {
      return [...rows.values()]
        .filter((r) => !appId || r.appId.toLowerCase() === appId.toLowerCase())
        .map((r) => structuredClone(r));
    },
    async put(record) {
      rows.set(`${record.appId.toLowerCase()}|${record.runId}`, structuredClone(record));
    },
    async memory() {
      return [...memories.values()].map((m) => structuredClone(m));
    },
    async putMemory(memory) {
      memories.set(memory.appId.toLowerCase(), structuredClone(memory));
    },
  };
}

/** One holder per app at a time, across instances and triggers (the platform's blob lease). */
export interface AppLocks {
  acquire(appId: string): Promise<HeldLease | undefined>;
}

/**
 * 20 s, renewed every 5 s while the app is worked on (executor.ts): a run that dies holds the app
 * for at most 20 s before the next run may resume its record.
 */
export const APP_LEASE_SECONDS = 20;

export function blobAppLocks(env: Env): AppLocks {
  return {
    acquire: (appId) =>
      acquireLease(`rotation-${safeTableKey(appId)}`.slice(0, 200), {
        env,
        durationSeconds: APP_LEASE_SECONDS,
      }),
  };
}

export function memoryAppLocks(): AppLocks {
  const held = new Set<string>();
  return {
    async acquire(appId) {
      const key = appId.toLowerCase();
      if (held.has(key)) return undefined;
      held.add(key);
      return {
        name: key,
        leaseId: key,
        renew: async () => held.has(key),
        release: async () => {
          held.delete(key);
        },
      };
    },
  };
}
