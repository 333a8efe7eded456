import type { ContainerClient } from '@azure/storage-blob';

/** The audit-log container as the ingestion reads it (the port): list, size, ranged read. */
export interface AuditLogBlobs {
  /** The `tenantId=<guid>/` folders. */
  tenants(): AsyncIterable<string>;
  list(prefix: string): AsyncIterable<{ name: string; size: number }>;
  /** The blob's length now, or undefined when it does not exist. */
  size(name: string): Promise<number | undefined>;
  read(name: string, offset: number, count: number): Promise<Buffer>;
}

const isNotFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

/** On Blob storage. A missing container (no tenant exports yet) lists as empty. */
export class ContainerAuditLogBlobs implements AuditLogBlobs {
  constructor(private readonly container: ContainerClient) {}

  async *tenants(): AsyncIterable<string> {
    try {
      for await (const item of this.container.listBlobsByHierarchy('/', { prefix: 'tenantId=' })) {
        if (item.kind === 'prefix') yield item.name;
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<{ name: string; size: number }> {
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        yield { name: blob.name, size: blob.properties.contentLength ?? 0 };
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  async size(name: string): Promise<number | undefined> {
    try {
      return (await this.container.getBlobClient(name).getProperties()).contentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  read(name: string, offset: number, count: number): Promise<Buffer> {
    return this.container.getBlobClient(name).downloadToBuffer(offset, count, { concurrency: 1 });
  }
}

/** In memory, for unit tests: blobs that grow by appends, as Entra writes them. */
export class MemoryAuditLogBlobs implements AuditLogBlobs {
  readonly blobs = new Map<string, Buffer>();

  append(name: string, text: string): void {
    this.blobs.set(name, Buffer.concat([this.blobs.get(name) ?? Buffer.alloc(0), Buffer.from(text, 'utf8')]));
  }

  async *tenants(): AsyncIterable<string> {
    const seen = new Set([...this.blobs.keys()].map((name) => `${name.split('/')[0]}/`));
    yield* seen;
  }

  async *list(prefix: string): AsyncIterable<{ name: string; size: number }> {
    for (const [name, bytes] of this.blobs) if (name.startsWith(prefix)) yield { name, size: bytes.length };
  }

  async size(name: string): Promise<number | undefined> {
    return this.blobs.get(name)?.length;
  }

  async read(name: string, offset: number, count: number): Promise<Buffer> {
    return Buffer.from((this.blobs.get(name) ?? Buffer.alloc(0)).subarray(offset, offset + count));
  }
}
