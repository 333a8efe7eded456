import { safeTableKey } from '../platform/storage.js';
import type { AuditRecord } from './record.js';

/**
 * The `audit` table's keys, designed for GET /api/audit (newest first) and for retention:
 *
 * - every record has a **day row**: PartitionKey `YYYY-MM-DD` (UTC day of the event), so a time
 *   range reads one partition per day, and retention drops whole days (`PartitionKey lt <cutoff>`);
 * - a record about an application also has an **app row**: PartitionKey `app-YYYY-MM-<appId>`, so
 *   one app over a month reads one or two partitions, never the others;
 * - RowKey, in both, is `<inverted event time>-<source>_<event id>`: a partition lists newest first
 *   (Table storage sorts by RowKey), and the same event always gets the same key, so a redelivery
 *   lands on the row it already wrote.
 */
const MAX_MS = 9_999_999_999_999;
export const APP_PREFIX = 'app-';

export const dayOf = (time: Date): string => time.toISOString().slice(0, 10);
export const monthOf = (time: Date): string => time.toISOString().slice(0, 7);

/** Newest first: later times give smaller strings of the same length. */
export function invertedTime(time: Date): string {
  return String(MAX_MS - time.getTime()).padStart(13, '0');
}

export function identityOf(entry: Pick<AuditRecord, 'source' | 'id'>): string {
  return safeTableKey(`${entry.source}_${entry.id}`);
}

export function rowKeyOf(entry: Pick<AuditRecord, 'source' | 'id' | 'time'>): string {
  return `${invertedTime(new Date(entry.time))}-${identityOf(entry)}`;
}

export function dayPartitionOf(entry: Pick<AuditRecord, 'time'>): string {
  return dayOf(new Date(entry.time));
}

export function appPartition(appId: string, month: string): string {
  return `${APP_PREFIX}${month}-${safeTableKey(appId.toLowerCase())}`;
}

/** The partitions that hold [from, to], newest first: days, or one app's months. */
export function partitionsFor(from: Date, to: Date, appId?: string): string[] {
  const partitions: string[] = [];
  const cursor = new Date(to.getTime());
  if (appId) {
    cursor.setUTCDate(1);
    cursor.setUTCHours(0, 0, 0, 0);
    while (cursor.getTime() >= Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1)) {
      partitions.push(appPartition(appId, monthOf(cursor)));
      cursor.setUTCMonth(cursor.getUTCMonth() - 1);
    }
    return partitions;
  }
  cursor.setUTCHours(0, 0, 0, 0);
  while (cursor.getTime() >= Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate())) {
    partitions.push(dayOf(cursor));
    cursor.setUTCDate(cursor.getUTCDate() - 1);
  }
  return partitions;
}
