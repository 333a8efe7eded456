import type { TableClient } from '@azure/data-tables';
import type { AuditRecord } from './normalize.js';

/** Where audit records go. */
export interface AuditStore {
  record(entry: AuditRecord, receivedAt: Date): Promise<void>;
}

/** Characters Table storage refuses in PartitionKey/RowKey ("Understanding the Table service data model"). */
const FORBIDDEN_KEY_CHARS = /[/\\#?]/g;

function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

export function rowKeyFor(entry: AuditRecord): string {
  const id = entry.eventId || `${entry.eventType}|${entry.subject}|${entry.eventTime}`;
  const safe = [...`${entry.source}|${id}`.replace(FORBIDDEN_KEY_CHARS, '_')].map((c) =>
    isControl(c) ? '_' : c,
  );
  return safe.join('').slice(0, 1000);
}

/**
 * Audit records in Table storage, one partition per UTC day of the event. Event Grid delivers at
 * least once, so the row key is the event's own id (per source): a redelivery replaces the same
 * row instead of adding a duplicate.
 */
export class TableAuditStore implements AuditStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly table: TableClient) {}

  private ensureTable(): Promise<void> {
    this.ready ??= this.table.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
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
