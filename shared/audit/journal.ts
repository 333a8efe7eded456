import { odata, type TableClient } from '@azure/data-tables';
import { tableCreator } from '../platform/storage.js';

/**
 * The rotation journal's read side: did the product itself add or remove this credential? The
 * rotation capability (not built yet) will write it to the declared `rotationjournal` table, one row
 * per credential change with RowKey = the credential's keyId. Until it does, the table is empty, and
 * every credential change in the Entra audit log is out of band.
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
      .listEntities({ queryOptions: { filter: odata`RowKey eq ${keyId.toLowerCase()}`, select: ['RowKey'] } })
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
