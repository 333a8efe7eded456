import { hash } from 'node:crypto';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { AppError } from './errors.js';
import { STORAGE_TABLES, type StorageTableName } from './resources.js';
import type { Env } from './settings-reader.js';

/**
 * The storage connection named `AzureWebJobsStorage`, read the way the Functions host reads it:
 * either a connection string, or identity-based settings (`__accountName` or `__<service>ServiceUri`,
 * with `__credential` = `managedidentity` and an optional `__clientId`).
 */
export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; blobUrl: string; tableUrl: string; queueUrl: string; credential: TokenCredential };

const PREFIX = 'AzureWebJobsStorage';

export function storageConnectionFrom(env: Env): StorageConnection | undefined {
  const connectionString = env[PREFIX];
  if (connectionString) return { kind: 'connectionString', connectionString };
  const account = env[`${PREFIX}__accountName`];
  const blobUrl = env[`${PREFIX}__blobServiceUri`] ?? (account && `https://${account}.blob.core.windows.net`);
  const tableUrl =
    env[`${PREFIX}__tableServiceUri`] ?? (account && `https://${account}.table.core.windows.net`);
  const queueUrl =
    env[`${PREFIX}__queueServiceUri`] ?? (account && `https://${account}.queue.core.windows.net`);
  if (!blobUrl || !tableUrl || !queueUrl) return undefined;
  const clientId = env[`${PREFIX}__clientId`];
  const credential =
    env[`${PREFIX}__credential`]?.toLowerCase() === 'managedidentity'
      ? new ManagedIdentityCredential(clientId ? { clientId } : {})
      : new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  return { kind: 'identity', blobUrl, tableUrl, queueUrl, credential };
}

function requireConnection(env: Env): StorageConnection {
  const connection = storageConnectionFrom(env);
  if (!connection) {
    throw new AppError(
      'configuration_invalid',
      'Storage is not configured: set AzureWebJobsStorage or AzureWebJobsStorage__accountName.',
    );
  }
  return connection;
}

/** Local emulators speak plain HTTP; the SDKs refuse it unless told. Azure endpoints are always HTTPS. */
function allowHttp(url: string): { allowInsecureConnection: boolean } {
  return { allowInsecureConnection: url.startsWith('http://') };
}

export function tableServiceClient(env: Env = process.env): TableServiceClient {
  const connection = requireConnection(env);
  if (connection.kind === 'connectionString') {
    const url = /TableEndpoint=([^;]+)/i.exec(connection.connectionString)?.[1] ?? '';
    return TableServiceClient.fromConnectionString(connection.connectionString, allowHttp(url));
  }
  return new TableServiceClient(connection.tableUrl, connection.credential);
}

/** A client for one of the product's tables (resources.ts declares them, and the Bicep creates them). */
export function tableClient(tableName: StorageTableName, env: Env = process.env): TableClient {
  if (!(STORAGE_TABLES as readonly string[]).includes(tableName))
    throw new AppError('internal', `Table "${tableName}" is not one of the product's tables (resources.ts).`);
  const connection = requireConnection(env);
  if (connection.kind === 'connectionString') {
    const url = /TableEndpoint=([^;]+)/i.exec(connection.connectionString)?.[1] ?? '';
    return TableClient.fromConnectionString(connection.connectionString, tableName, allowHttp(url));
  }
  return new TableClient(connection.tableUrl, tableName, connection.credential);
}

export function blobServiceClient(env: Env = process.env): BlobServiceClient {
  const connection = requireConnection(env);
  if (connection.kind === 'connectionString')
    return BlobServiceClient.fromConnectionString(connection.connectionString);
  return new BlobServiceClient(connection.blobUrl, connection.credential);
}

/**
 * Creates a table on first use, once per client; a failed attempt is retried on the next call.
 * `createTable` succeeds when the table already exists, so many instances can race safely.
 */
export function tableCreator(client: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= client.createTable().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}

/** Table storage keys hold at most 1 KiB; past this many characters a key becomes a hash. */
const MAX_TABLE_KEY_CHARS = 512;

/**
 * A PartitionKey/RowKey Table storage accepts ("Understanding the Table service data model": no
 * `/`, backslash, `#`, `?` or control characters, at most 1 KiB): plain values pass as they are, anything else is
 * base64url-encoded, and a value too long for that is replaced by its SHA-256. The same input
 * always gives the same key, so redelivered events and repeated writes land on the same row.
 */
export function safeTableKey(value: string): string {
  if (/^[A-Za-z0-9._()-]{1,200}$/.test(value)) return value;
  const encoded = `b64-${Buffer.from(value, 'utf8').toString('base64url')}`;
  return encoded.length <= MAX_TABLE_KEY_CHARS ? encoded : `sha256-${hash('sha256', value, 'base64url')}`;
}
