import type { TableClient } from '@azure/data-tables';
import { safeTableKey, tableCreator } from '../platform/storage.js';
import { eachConcurrently, transactionsOf } from './batches.js';

/**
 * The audit trail's own bookkeeping, in the `auditstate` table: how far each audit-log blob has
 * been read (its checkpoint), and which keyIds already had their OutOfBandChange sent.
 */
export interface Checkpoint {
  offset: number;
  /** Opaque: the store's concurrency tag, so two readers of one blob cannot move it backwards. */
  etag?: string;
}

/** The part of an audit-log blob being stored: from its checkpoint up to `end` (bytes). */
export interface Chunk {
  blobName: string;
  end: number;
}

export interface AuditState {
  checkpoint(blobName: string): Promise<Checkpoint>;
  /** Advances the checkpoint; false when another reader moved it first (its records are stored too). */
  advance(blobName: string, from: Checkpoint, offset: number): Promise<boolean>;
  /**
   * Claims the out-of-band notices of these keyIds for `chunk`: returns the keyIds to announce now.
   * A notice counts as sent once the checkpoint of the chunk that claimed it has passed that chunk's
   * end (the checkpoint moves only after the chunk's notices went out), so no second write marks it.
   * A claim whose chunk never finished is handed to the next claimer: a notice goes out at least
   * once (two readers at the same moment may both send it).
   */
  claimNotices(keyIds: readonly string[], chunk: Chunk): Promise<Set<string>>;
}

const CHECKPOINTS = 'checkpoint';
/** Notices spread over 16 partitions by the keyId's first hex digit: no partition holds them all. */
const noticePartition = (keyId: string) => `outofband-${/^[0-9a-f]/.test(keyId) ? keyId[0] : '_'}`;
const NOTICE_CONCURRENCY = 4;
const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;

type Marker = { partitionKey: string; rowKey: string; blobName: string; end: number };

export class TableAuditState implements AuditState {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = tableCreator(table);
  }

  async checkpoint(blobName: string): Promise<Checkpoint> {
    await this.ensureTable();
    try {
      const entity = await this.table.getEntity<{ offset: number }>(CHECKPOINTS, safeTableKey(blobName));
      return { offset: Number(entity.offset) || 0, ...(entity.etag ? { etag: entity.etag } : {}) };
    } catch (error) {
      if (statusOf(error) === 404) return { offset: 0 };
      throw error;
    }
  }

  async advance(blobName: string, from: Checkpoint, offset: number): Promise<boolean> {
    const entity = { partitionKey: CHECKPOINTS, rowKey: safeTableKey(blobName), blobName, offset };
    try {
      if (from.etag) await this.table.updateEntity(entity, 'Replace', { etag: from.etag });
      else await this.table.createEntity(entity);
      return true;
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 409) return false;
      throw error;
    }
  }

  /**
   * Markers are created in entity group transactions (one per partition and 100 keyIds); one that
   * meets an existing marker wrote nothing, so its keyIds are claimed one by one.
   */
  async claimNotices(keyIds: readonly string[], chunk: Chunk): Promise<Set<string>> {
    await this.ensureTable();
    const claimed = new Set<string>();
    const markers = [...new Set(keyIds)].map(
      (keyId): Marker => ({ partitionKey: noticePartition(keyId), rowKey: safeTableKey(keyId), ...chunk }),
    );
    await eachConcurrently(transactionsOf(markers), NOTICE_CONCURRENCY, async (batch) => {
      try {
        await this.table.submitTransaction(batch.map((marker) => ['create', marker] as ['create', Marker]));
        for (const marker of batch) claimed.add(marker.rowKey);
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        for (const marker of batch) if (await this.claimOne(marker)) claimed.add(marker.rowKey);
      }
    });
    return new Set(keyIds.filter((keyId) => claimed.has(safeTableKey(keyId))));
  }

  private async claimOne(marker: Marker): Promise<boolean> {
    try {
      await this.table.createEntity(marker);
      return true;
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    const existing = await this.table.getEntity<Partial<Marker>>(marker.partitionKey, marker.rowKey);
    if (typeof existing.blobName !== 'string' || typeof existing.end !== 'number') return false;
    if ((await this.checkpoint(existing.blobName)).offset >= existing.end) return false;
    // Its chunk never finished: take the claim over, unless another reader just did.
    try {
      await this.table.updateEntity(marker, 'Replace', { etag: existing.etag ?? '*' });
      return true;
    } catch (error) {
      if (statusOf(error) === 412) return false;
      throw error;
    }
  }
}

export class MemoryAuditState implements AuditState {
  readonly offsets = new Map<string, number>();
  readonly notices = new Map<string, Chunk>();

  async checkpoint(blobName: string): Promise<Checkpoint> {
    const offset = this.offsets.get(blobName);
    return offset === undefined ? { offset: 0 } : { offset, etag: String(offset) };
  }

  async advance(blobName: string, from: Checkpoint, offset: number): Promise<boolean> {
    const current = this.offsets.get(blobName);
    if ((current === undefined ? undefined : String(current)) !== from.etag) return false;
    this.offsets.set(blobName, offset);
    return true;
  }

  async claimNotices(keyIds: readonly string[], chunk: Chunk): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (const keyId of keyIds) {
      const marker = this.notices.get(keyId);
      if (marker && (this.offsets.get(marker.blobName) ?? 0) >= marker.end) continue;
      this.notices.set(keyId, chunk);
      claimed.add(keyId);
    }
    return claimed;
  }
}
