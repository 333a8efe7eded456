import { createHash } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { safeTableKey, tableCreator } from '../platform/storage.js';
import { dayOf } from './keys.js';

/**
 * Events the trail cannot parse or does not handle, kept with the reason and the raw payload, and
 * then acknowledged: a poison event must not be redelivered for Event Grid's 24 hours.
 */
export interface QuarantinedEvent {
  source: string;
  /** The event id when it has one; the payload's hash otherwise, so a redelivery lands on one row. */
  eventId?: string;
  reason: string;
  code: string;
  payload: string;
}

export interface QuarantineStore {
  put(entry: QuarantinedEvent, receivedAt: Date): Promise<void>;
  /** Drops the days received before `cutoff`'s day (retention); returns how many rows. */
  deleteBefore(cutoff: Date): Promise<number>;
}

/** Table storage holds 64 KiB per string property (UTF-16); 32 KiB of UTF-8 always fits. */
export const MAX_PAYLOAD_BYTES = 32 * 1024;

export function capPayload(payload: string): { payload: string; truncated: boolean } {
  const bytes = Buffer.from(payload, 'utf8');
  if (bytes.length <= MAX_PAYLOAD_BYTES) return { payload, truncated: false };
  // Cut on a character boundary: drop a partial UTF-8 sequence at the end.
  let end = MAX_PAYLOAD_BYTES;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return { payload: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

function rowKeyOf(entry: QuarantinedEvent): string {
  const identity = entry.eventId || createHash('sha256').update(entry.payload).digest('base64url');
  return safeTableKey(`${entry.source}_${identity}`);
}

/** One partition per UTC day of receipt, RowKey the event's identity (a redelivery replaces its row). */
export class TableQuarantineStore implements QuarantineStore {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = tableCreator(table);
  }

  async put(entry: QuarantinedEvent, receivedAt: Date): Promise<void> {
    await this.ensureTable();
    const { payload, truncated } = capPayload(entry.payload);
    await this.table.upsertEntity(
      {
        partitionKey: dayOf(receivedAt),
        rowKey: rowKeyOf(entry),
        source: entry.source,
        eventId: entry.eventId ?? '',
        reason: entry.reason,
        code: entry.code,
        payload,
        truncated,
        receivedAt: receivedAt.toISOString(),
      },
      'Replace',
    );
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    await this.ensureTable();
    let deleted = 0;
    const filter = odata`PartitionKey lt ${dayOf(cutoff)}`;
    for await (const entity of this.table.listEntities({
      queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
    })) {
      await this.table.deleteEntity(String(entity.partitionKey), String(entity.rowKey));
      deleted += 1;
    }
    return deleted;
  }
}

export class MemoryQuarantineStore implements QuarantineStore {
  readonly entries = new Map<string, QuarantinedEvent & { truncated: boolean; receivedAt: string }>();

  async put(entry: QuarantinedEvent, receivedAt: Date): Promise<void> {
    const capped = capPayload(entry.payload);
    this.entries.set(rowKeyOf(entry), { ...entry, ...capped, receivedAt: receivedAt.toISOString() });
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    let deleted = 0;
    for (const [key, entry] of this.entries) {
      if (entry.receivedAt.slice(0, 10) < dayOf(cutoff)) {
        this.entries.delete(key);
        deleted += 1;
      }
    }
    return deleted;
  }
}
