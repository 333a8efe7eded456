import type { TableClient } from '@azure/data-tables';
import { safeTableKey, tableCreator } from '../platform/storage.js';
import type { AuditRecord } from './normalize.js';

/** Where audit records go (the port). */
export interface AuditStore {
  record(entry: AuditRecord, receivedAt: Date): Promise<void>;
}

export interface StoredAuditRecord extends AuditRecord {
  receivedAt: string;
}

/** The event's own identity: its id within its source (or its content when it has no id). */
export function rowKeyFor(entry: AuditRecord): string {
  const id = entry.eventId || `${entry.eventType}|${entry.subject}|${entry.eventTime}`;
  return safeTableKey(`${entry.source}|${id}`);
}

/**
 * Audit records in Table storage, one partition per UTC day of the event. Event Grid delivers at
 * least once, so the row key is the event's own id (per source): a redelivery replaces the same
 * row instead of adding a duplicate.
 */
export class TableAuditStore implements AuditStore {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = tableCreator(table);
  }

  async record(entry: AuditRecord, receivedAt: Date): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity(
      {
        partitionKey: entry.eventTime.slice(0, 10),
        rowKey: rowKeyFor(entry),
        ...entry,
        receivedAt: receivedAt.toISOString(),
      },
      'Replace',
    );
  }
}

/** The in-memory adapter, for tests: the same identity rule (a redelivery replaces its row). */
export class MemoryAuditStore implements AuditStore {
  readonly records = new Map<string, StoredAuditRecord>();

  async record(entry: AuditRecord, receivedAt: Date): Promise<void> {
    this.records.set(rowKeyFor(entry), { ...entry, receivedAt: receivedAt.toISOString() });
  }
}
