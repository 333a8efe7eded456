import { odata, type TableClient } from '@azure/data-tables';
import { tableCreator } from '../platform/storage.js';

/**
 * The rotation journal's read side: did the product itself add or remove these credentials? Rotation
 * (shared/rotation/journal.ts) writes one record per app and run to the `rotationjournal` table, with
 * the credential it added (`newKeyId`) and the one it replaces and later removes (`oldKeyId`).
 */
export interface RotationJournal {
  /** The keyIds (lower case) among `keyIds` that the journal names: one read for a whole chunk. */
  knownKeys(keyIds: readonly string[]): Promise<Set<string>>;
}

/**
 * A `$filter` holds at most 15 comparisons ("Querying tables and entities", Microsoft Learn), two
 * per keyId here; more keyIds read the journal's two keyId columns whole instead, which stays small:
 * one row per app and rotation run.
 */
const FILTERED_KEYS = 7;

export class TableRotationJournal implements RotationJournal {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = tableCreator(table);
  }

  async knownKeys(keyIds: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(keyIds.map((keyId) => keyId.toLowerCase()));
    const known = new Set<string>();
    if (wanted.size === 0) return known;
    await this.ensureTable();
    const filter =
      wanted.size <= FILTERED_KEYS
        ? [...wanted].map((keyId) => odata`newKeyId eq ${keyId} or oldKeyId eq ${keyId}`).join(' or ')
        : undefined;
    const rows = this.table.listEntities<{ newKeyId?: unknown; oldKeyId?: unknown }>({
      queryOptions: { select: ['newKeyId', 'oldKeyId'], ...(filter ? { filter } : {}) },
    });
    for await (const row of rows) {
      for (const keyId of [row.newKeyId, row.oldKeyId]) {
        if (typeof keyId === 'string' && wanted.has(keyId.toLowerCase())) known.add(keyId.toLowerCase());
      }
    }
    return known;
  }
}

export class MemoryRotationJournal implements RotationJournal {
  /** How many reads the ingestion made (one per chunk). */
  reads = 0;

  constructor(readonly keyIds = new Set<string>()) {}

  async knownKeys(keyIds: readonly string[]): Promise<Set<string>> {
    this.reads += 1;
    return new Set(keyIds.map((keyId) => keyId.toLowerCase()).filter((keyId) => this.keyIds.has(keyId)));
  }
}
