import type { TableClient } from '@azure/data-tables';
import { safeTableKey, tableCreator } from './storage.js';

/**
 * A per-certificate generation marker in storage: the audit trail sets it when Key Vault reports
 * `CertificateNewVersionCreated`, and every token instance compares it (at most once per 10 s per
 * certificate) with what it saw when it loaded the certificate, so a new version is picked up on
 * every instance without waiting for `Tokens__CertificateRefreshSeconds`.
 *
 * Keyed by the certificate's name only: a token instance knows its vault by URL, the event by vault
 * name, and locally the two differ. A same-named certificate in another vault costs one extra
 * version check, never a wrong certificate (the check asks the certificate's own vault).
 */
export interface CertificateGenerations {
  /** The marker for a certificate name, or undefined when none was ever set. */
  read(certificateName: string): Promise<string | undefined>;
  /** Records a new generation (the version id and the event's time). */
  bump(certificateName: string, version: string, time: string): Promise<void>;
}

const PARTITION = 'certificate';
const keyOf = (name: string) => safeTableKey(name.trim().toLowerCase());

export class TableCertificateGenerations implements CertificateGenerations {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = tableCreator(table);
  }

  async read(certificateName: string): Promise<string | undefined> {
    await this.ensureTable();
    try {
      const entity = await this.table.getEntity<{ generation: string }>(PARTITION, keyOf(certificateName));
      return entity.generation;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async bump(certificateName: string, version: string, time: string): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity(
      { partitionKey: PARTITION, rowKey: keyOf(certificateName), generation: `${time}|${version}` },
      'Replace',
    );
  }
}

export class MemoryCertificateGenerations implements CertificateGenerations {
  readonly markers = new Map<string, string>();

  async read(certificateName: string): Promise<string | undefined> {
    return this.markers.get(keyOf(certificateName));
  }

  async bump(certificateName: string, version: string, time: string): Promise<void> {
    this.markers.set(keyOf(certificateName), `${time}|${version}`);
  }
}
