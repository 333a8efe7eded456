import { odata, type TableClient } from '@azure/data-tables';
import { tableCreator } from '../platform/storage.js';

/**
 * The rotation journal's read side: did the product itself add or remove this credential? Rotation
 * (shared/rotation/journal.ts) writes one record per app and run to the `rotationjournal` table, with
 * the credential it added (`newKeyId`) and the one it replaces and later removes (`oldKeyId`).
 */
export interface RotationJournal {
  knows(keyId: string): Promise<boolean>;
}

export class TableRotationJournal implements RotationJournal {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = tableCreator(table);
  }

  async knows(keyId: string): Promise<boolean> {
    await this.ensureTable();
    const rows = this.table
      .listEntities({
        queryOptions: {
          filter: odata`newKeyId eq ${keyId.toLowerCase()} or oldKeyId eq ${keyId.toLowerCase()}`,
          select: ['RowKey'],
        },
      })
      .byPage({ maxPageSize: 1 });
    for await (const page of rows) if (page.length > 0) return true;
    return false;
  }
}

export class MemoryRotationJournal implements RotationJournal {
  constructor(readonly keyIds = new Set<string>()) {}

  async knows(keyId: string): Promise<boolean> {
    return this.keyIds.has(keyId.toLowerCase());
  }
}
