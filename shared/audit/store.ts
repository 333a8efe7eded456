import { odata, type TableClient, type TableEntity } from '@azure/data-tables';
import { tableCreator } from '../platform/storage.js';
import { eachConcurrently, transactionsOf } from './batches.js';
import { APP_PREFIX, appPartition, dayOf, dayPartitionOf, invertedTime, monthOf, rowKeyOf } from './keys.js';
import type { AuditRecord, AuditSource, Severity, StoredAuditRecord } from './record.js';

/** Which rows of one partition a read wants. RowKeys are `<inverted time>-…`, so `newest` < `oldest`. */
export interface RowQuery {
  /** Inverted time of the range's newest instant (the smallest RowKey prefix). */
  newest: string;
  /** Inverted time of its oldest instant. */
  oldest: string;
  /** Resume strictly after this RowKey (the continuation token). */
  after?: string;
  kind?: string;
  severity?: Severity;
  outOfBand?: boolean;
}

export interface StoredRow {
  partitionKey: string;
  rowKey: string;
  record: StoredAuditRecord;
}

/** Where audit records go and how they are read back (the port). */
export interface AuditStore {
  /** `duplicate`: the event was already recorded (a redelivery); the write changed nothing. */
  record(entry: AuditRecord, receivedAt: Date): Promise<{ duplicate: boolean }>;
  /** Many at once (an audit-log chunk), by the same rules; one answer per entry, in order. */
  recordMany(entries: AuditRecord[], receivedAt: Date): Promise<{ duplicate: boolean }[]>;
  /** Up to `limit` rows of one partition, RowKey order (newest first). */
  read(partition: string, query: RowQuery, limit: number): Promise<StoredRow[]>;
  /** Deletes every row older than `cutoff`; returns how many. */
  deleteBefore(cutoff: Date): Promise<number>;
}

type Entity = TableEntity<Record<string, unknown>>;

function toEntity(partitionKey: string, entry: AuditRecord, receivedAt: Date): Entity {
  return {
    partitionKey,
    rowKey: rowKeyOf(entry),
    id: entry.id,
    source: entry.source,
    time: entry.time,
    kind: entry.kind,
    subject: entry.subject,
    severity: entry.severity,
    details: JSON.stringify(entry.details),
    outOfBand: entry.outOfBand ?? false,
    receivedAt: receivedAt.toISOString(),
    ...(entry.actor ? { actor: entry.actor } : {}),
    ...(entry.appId ? { appId: entry.appId } : {}),
  };
}

function fromEntity(entity: Record<string, unknown>): StoredAuditRecord {
  const record: StoredAuditRecord = {
    id: String(entity.id),
    source: String(entity.source) as AuditSource,
    time: String(entity.time),
    kind: String(entity.kind),
    subject: String(entity.subject ?? ''),
    severity: String(entity.severity) as Severity,
    details: JSON.parse(String(entity.details ?? '{}')) as Record<string, unknown>,
    receivedAt: String(entity.receivedAt),
  };
  if (typeof entity.actor === 'string') record.actor = entity.actor;
  if (typeof entity.appId === 'string') record.appId = entity.appId;
  if (entity.outOfBand === true) record.outOfBand = true;
  return record;
}

const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;
/** Transactions in flight per chunk: partitions are independent, and Table storage scales by partition. */
const TRANSACTION_CONCURRENCY = 8;

/**
 * Audit records in Table storage (keys.ts has the design). The day row is created, never replaced:
 * a 409 says the event is a redelivery; the app row is then written again, in case the first
 * delivery failed between the two writes.
 */
export class TableAuditStore implements AuditStore {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = tableCreator(table);
  }

  async record(entry: AuditRecord, receivedAt: Date): Promise<{ duplicate: boolean }> {
    await this.ensureTable();
    const duplicate = await this.createOnce(toEntity(dayPartitionOf(entry), entry, receivedAt));
    if (entry.appId) {
      const partition = appPartition(entry.appId, monthOf(new Date(entry.time)));
      await this.table.upsertEntity(toEntity(partition, entry, receivedAt), 'Replace');
    }
    return { duplicate };
  }

  /**
   * The day rows are created in entity group transactions per partition; a transaction that meets
   * an existing row (a re-read chunk, a redelivery) wrote nothing, so its rows are created one by
   * one and each conflict is that record's duplicate. The app rows likewise, replaced on a conflict.
   */
  async recordMany(entries: AuditRecord[], receivedAt: Date): Promise<{ duplicate: boolean }[]> {
    await this.ensureTable();
    const duplicate = entries.map(() => false);
    const days: { partitionKey: string; index: number; entity: Entity }[] = [];
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const partitionKey = dayPartitionOf(entry);
      const identity = `${partitionKey}/${rowKeyOf(entry)}`;
      // The same line twice in one chunk: a transaction may not name one row twice.
      if (seen.has(identity)) duplicate[index] = true;
      else days.push({ partitionKey, index, entity: toEntity(partitionKey, entry, receivedAt) });
      seen.add(identity);
    });
    await eachConcurrently(transactionsOf(days), TRANSACTION_CONCURRENCY, async (rows) => {
      try {
        await this.table.submitTransaction(rows.map((row) => ['create', row.entity] as ['create', Entity]));
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        for (const row of rows) duplicate[row.index] = await this.createOnce(row.entity);
      }
    });
    const apps = new Map<string, { partitionKey: string; entity: Entity }>();
    for (const entry of entries) {
      if (!entry.appId) continue;
      const partitionKey = appPartition(entry.appId, monthOf(new Date(entry.time)));
      apps.set(`${partitionKey}/${rowKeyOf(entry)}`, {
        partitionKey,
        entity: toEntity(partitionKey, entry, receivedAt),
      });
    }
    await eachConcurrently(transactionsOf([...apps.values()]), TRANSACTION_CONCURRENCY, async (rows) => {
      // Created, as the rows are new but after a failure; a transaction that meets one replaces each.
      try {
        await this.table.submitTransaction(rows.map((row) => ['create', row.entity] as ['create', Entity]));
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        for (const row of rows) await this.table.upsertEntity(row.entity, 'Replace');
      }
    });
    return duplicate.map((d) => ({ duplicate: d }));
  }

  /** Creates a day row; true when it was there already (the event is a redelivery). */
  private async createOnce(entity: Entity): Promise<boolean> {
    try {
      await this.table.createEntity(entity);
      return false;
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      return true;
    }
  }

  async read(partition: string, query: RowQuery, limit: number): Promise<StoredRow[]> {
    await this.ensureTable();
    const clauses = [
      odata`PartitionKey eq ${partition}`,
      odata`RowKey ge ${query.newest}`,
      odata`RowKey lt ${`${query.oldest}.`}`,
    ];
    if (query.after) clauses.push(odata`RowKey gt ${query.after}`);
    if (query.kind) clauses.push(odata`kind eq ${query.kind}`);
    if (query.severity) clauses.push(odata`severity eq ${query.severity}`);
    if (query.outOfBand !== undefined) clauses.push(odata`outOfBand eq ${query.outOfBand}`);
    const rows: StoredRow[] = [];
    const pages = this.table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: clauses.join(' and ') } })
      .byPage({ maxPageSize: Math.min(1000, limit) });
    for await (const page of pages) {
      for (const entity of page) {
        rows.push({ partitionKey: partition, rowKey: String(entity.rowKey), record: fromEntity(entity) });
        if (rows.length >= limit) return rows;
      }
    }
    return rows;
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    await this.ensureTable();
    const month = monthOf(cutoff);
    // Whole days before the cutoff's day; whole app-months before its month; in its month, older rows.
    const filters = [
      odata`PartitionKey lt ${dayOf(cutoff)}`,
      odata`PartitionKey ge ${APP_PREFIX} and PartitionKey lt ${`${APP_PREFIX}${month}`}`,
      odata`PartitionKey ge ${`${APP_PREFIX}${month}-`} and PartitionKey lt ${`${APP_PREFIX}${month}.`} and RowKey gt ${`${invertedTime(cutoff)}.`}`,
    ];
    let deleted = 0;
    for (const filter of filters) {
      const byPartition = new Map<string, string[]>();
      const entities = this.table.listEntities({
        queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
      });
      for await (const entity of entities) {
        const partition = String(entity.partitionKey);
        const rows = byPartition.get(partition) ?? [];
        rows.push(String(entity.rowKey));
        byPartition.set(partition, rows);
        if (rows.length === 100) deleted += await this.deleteBatch(partition, byPartition);
      }
      for (const partition of [...byPartition.keys()])
        deleted += await this.deleteBatch(partition, byPartition);
    }
    return deleted;
  }

  /** One entity group transaction: at most 100 rows, all of one partition. */
  private async deleteBatch(partition: string, byPartition: Map<string, string[]>): Promise<number> {
    const rows = byPartition.get(partition) ?? [];
    byPartition.delete(partition);
    if (rows.length === 0) return 0;
    await this.table.submitTransaction(
      rows.map((rowKey) => ['delete', { partitionKey: partition, rowKey }] as ['delete', Entity]),
    );
    return rows.length;
  }
}

/** The in-memory adapter, for unit tests: the same keys and the same rules. */
export class MemoryAuditStore implements AuditStore {
  readonly partitions = new Map<string, Map<string, StoredAuditRecord>>();

  async record(entry: AuditRecord, receivedAt: Date): Promise<{ duplicate: boolean }> {
    const stored = { ...entry, receivedAt: receivedAt.toISOString() };
    const rowKey = rowKeyOf(entry);
    const day = this.partition(dayPartitionOf(entry));
    const duplicate = day.has(rowKey);
    if (!duplicate) day.set(rowKey, stored);
    if (entry.appId)
      this.partition(appPartition(entry.appId, monthOf(new Date(entry.time)))).set(rowKey, stored);
    return { duplicate };
  }

  async recordMany(entries: AuditRecord[], receivedAt: Date): Promise<{ duplicate: boolean }[]> {
    const outcomes: { duplicate: boolean }[] = [];
    for (const entry of entries) outcomes.push(await this.record(entry, receivedAt));
    return outcomes;
  }

  async read(partition: string, query: RowQuery, limit: number): Promise<StoredRow[]> {
    const rows = [...(this.partitions.get(partition) ?? new Map()).entries()]
      .filter(([rowKey]) => rowKey >= query.newest && rowKey < `${query.oldest}.`)
      .filter(([rowKey]) => query.after === undefined || rowKey > query.after)
      .filter(([, r]) => query.kind === undefined || r.kind === query.kind)
      .filter(([, r]) => query.severity === undefined || r.severity === query.severity)
      .filter(([, r]) => query.outOfBand === undefined || (r.outOfBand ?? false) === query.outOfBand)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return rows.slice(0, limit).map(([rowKey, record]) => ({ partitionKey: partition, rowKey, record }));
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (const [, rows] of this.partitions) {
      for (const [rowKey, record] of rows) {
        if (Date.parse(record.time) < cutoff.getTime()) {
          rows.delete(rowKey);
          deleted += 1;
        }
      }
    }
    return deleted;
  }

  /** Every distinct record (day rows only). */
  records(): StoredAuditRecord[] {
    return [...this.partitions]
      .filter(([pk]) => !pk.startsWith(APP_PREFIX))
      .flatMap(([, rows]) => [...rows.values()]);
  }

  private partition(key: string): Map<string, StoredAuditRecord> {
    let rows = this.partitions.get(key);
    if (!rows) {
      rows = new Map();
      this.partitions.set(key, rows);
    }
    return rows;
  }
}
