/**
 * Every storage table and blob container the product uses, declared once. Code that opens a table or
 * container takes its name from here, and the infra checks (test/infra) prove that the Bicep creates
 * each of them, so a new table cannot ship without its infrastructure.
 */

/** Azure Table names: 3-63 characters, alphanumeric only, starting with a letter. */
export const STORAGE_TABLES = [
  'audit',
  'usage',
  'denylist',
  'rotationjournal',
  'quarantine',
  'auditstate',
  'certgenerations',
  'credentials',
] as const;

/** Blob container names: 3-63 characters, lowercase letters, digits and single hyphens. */
export const BLOB_CONTAINERS = [
  'deployment',
  'leases',
  'eventgrid-deadletter',
  // Entra ID's diagnostic settings write audit logs here; the name is Entra's, not ours.
  'insights-logs-auditlogs',
] as const;

export type StorageTableName = (typeof STORAGE_TABLES)[number];
export type BlobContainerName = (typeof BLOB_CONTAINERS)[number];
