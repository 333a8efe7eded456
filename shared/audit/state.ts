import type { TableClient } from '@azure/data-tables';
import { safeTableKey, tableCreator } from '../platform/storage.js';

/**
 * The audit trail's own bookkeeping, in the `auditstate` table: how far each audit-log blob has
 * been read (its checkpoint), and which keyIds already had their OutOfBandChange sent.
 */
export interface Checkpoint {
  offset: number;
  /** Opaque: the store's concurrency tag, so two readers of one blob cannot move it backwards. */
  etag?: string;
}

export interface AuditState {
  checkpoint(blobName: string): Promise<Checkpoint>;
  /** Advances the checkpoint; false when another reader moved it first (its records are stored too). */
  advance(blobName: string, from: Checkpoint, offset: number): Promise<boolean>;
  /** Whether the out-of-band notice for this keyId already went out. */
  notified(keyId: string): Promise<boolean>;
  markNotified(keyId: string, time: string): Promise<void>;
}

const CHECKPOINTS = 'checkpoint';
const NOTICES = 'outofband';
const statusOf = (error: unknown) => (error as { statusCode?: number }).statusCode;

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

  async notified(keyId: string): Promise<boolean> {
    await this.ensureTable();
    try {
      await this.table.getEntity(NOTICES, safeTableKey(keyId));
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async markNotified(keyId: string, time: string): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity({ partitionKey: NOTICES, rowKey: safeTableKey(keyId), time }, 'Replace');
  }
}

export class MemoryAuditState implements AuditState {
  readonly offsets = new Map<string, number>();
  readonly notices = new Set<string>();

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

  async notified(keyId: string): Promise<boolean> {
    return this.notices.has(keyId);
  }

  async markNotified(keyId: string): Promise<void> {
    this.notices.add(keyId);
  }
}
