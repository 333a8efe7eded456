import type { TableClient, TableTransaction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { Logger } from '../platform/log.js';
import { safeTableKey, tableCreator } from '../platform/storage.js';

/**
 * Usage records: successful and failed validations per (tenant, client id, policy) with first and
 * last seen, the view Entra's sign-in logs do not give for app-to-API calls. Counting is in
 * memory; a timer writes the changed counters in batches (one entity per key per instance, so
 * instances never contend), never one write per request.
 */
export interface UsageRecord {
  tenantId: string;
  clientId: string;
  policy: string;
  success: number;
  failure: number;
  firstSeen: string;
  lastSeen: string;
}

export interface UsageStore {
  write(instance: string, records: UsageRecord[]): Promise<void>;
  read(clientId: string): Promise<Array<UsageRecord & { instance: string }>>;
}

/** Counters held per process; beyond this many keys new ones fold into an `(other)` client. */
const MAX_KEYS = 10_000;

export class UsageRecorder {
  /** Times kept as epoch ms on the hot path; written as ISO strings at flush. */
  readonly #counters = new Map<
    string,
    Omit<UsageRecord, 'firstSeen' | 'lastSeen'> & { firstMs: number; lastMs: number }
  >();
  readonly #dirty = new Set<string>();
  readonly #store: UsageStore;
  readonly #clock: () => number;
  readonly #instance: string;
  readonly #log: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(options: { store: UsageStore; clock: () => number; instance: string; log?: Logger }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#instance = options.instance;
    this.#log = options.log;
  }

  record(tenantId: string, clientId: string, policy: string, ok: boolean): void {
    let key = `${tenantId}|${clientId}|${policy}`;
    if (!this.#counters.has(key) && this.#counters.size >= MAX_KEYS) {
      tenantId = '(other)';
      clientId = '(other)';
      key = `${tenantId}|${clientId}|${policy}`;
    }
    const now = this.#clock();
    let record = this.#counters.get(key);
    if (!record) {
      record = { tenantId, clientId, policy, success: 0, failure: 0, firstMs: now, lastMs: now };
      this.#counters.set(key, record);
    }
    if (ok) record.success += 1;
    else record.failure += 1;
    record.lastMs = now;
    this.#dirty.add(key);
  }

  /** Writes every counter changed since the last flush (one batch per partition). */
  flush(): Promise<void> {
    this.#flushing ??= (async () => {
      const keys = [...this.#dirty];
      this.#dirty.clear();
      const records: UsageRecord[] = [];
      for (const key of keys) {
        const counter = this.#counters.get(key);
        if (!counter) continue;
        const { firstMs, lastMs, ...counts } = counter;
        records.push({
          ...counts,
          firstSeen: new Date(firstMs).toISOString(),
          lastSeen: new Date(lastMs).toISOString(),
        });
      }
      if (records.length === 0) return;
      try {
        await this.#store.write(this.#instance, records);
      } catch (error) {
        for (const key of keys) this.#dirty.add(key);
        this.#log?.warn('Usage flush failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  start(intervalMs: number): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}

/** Table adapter: PartitionKey = client id, RowKey = tenant|policy|instance. */
export function tableUsageStore(client: TableClient): UsageStore {
  const ensureTable = tableCreator(client);
  return {
    async write(instance, records) {
      await ensureTable();
      const byPartition = new Map<string, UsageRecord[]>();
      for (const record of records) {
        const partition = safeTableKey(record.clientId);
        byPartition.set(partition, [...(byPartition.get(partition) ?? []), record]);
      }
      for (const [partition, rows] of byPartition) {
        // Entity group transactions hold at most 100 operations.
        for (let i = 0; i < rows.length; i += 100) {
          const actions: Parameters<TableTransaction['upsertEntity']>[0][] = rows
            .slice(i, i + 100)
            .map((r) => ({
              partitionKey: partition,
              rowKey: `${safeTableKey(r.tenantId)}|${safeTableKey(r.policy)}|${instance}`,
              ...r,
              instance,
            }));
          await client.submitTransaction(actions.map((entity) => ['upsert', entity, 'Replace']));
        }
      }
    },
    async read(clientId) {
      await ensureTable();
      const out: Array<UsageRecord & { instance: string }> = [];
      const filter = odata`PartitionKey eq ${safeTableKey(clientId)}`;
      for await (const e of client.listEntities<UsageRecord & { instance: string }>({
        queryOptions: { filter },
      })) {
        out.push({
          tenantId: e.tenantId,
          clientId: e.clientId,
          policy: e.policy,
          success: e.success,
          failure: e.failure,
          firstSeen: e.firstSeen,
          lastSeen: e.lastSeen,
          instance: e.instance,
        });
      }
      return out;
    },
  };
}

/** Sums the per-instance rows of one client into one record per (tenant, policy). */
export function aggregateUsage(rows: UsageRecord[]): UsageRecord[] {
  const out = new Map<string, UsageRecord>();
  for (const row of rows) {
    const key = `${row.tenantId}|${row.policy}`;
    const existing = out.get(key);
    if (!existing) {
      out.set(key, { ...row });
      continue;
    }
    existing.success += row.success;
    existing.failure += row.failure;
    if (row.firstSeen < existing.firstSeen) existing.firstSeen = row.firstSeen;
    if (row.lastSeen > existing.lastSeen) existing.lastSeen = row.lastSeen;
  }
  return [...out.values()].sort((a, b) => (a.tenantId + a.policy).localeCompare(b.tenantId + b.policy));
}
