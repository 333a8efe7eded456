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
  /** Failures by reason (ValidationFailure.reason): `expired`, `audience`, `signature`, … */
  failureReasons: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
  /** Successful validations per UTC day (`YYYY-MM-DD`), the last DAILY_DAYS days. */
  daily: Record<string, number>;
}

export interface UsageStore {
  write(instance: string, records: UsageRecord[]): Promise<void>;
  read(clientId: string): Promise<Array<UsageRecord & { instance: string }>>;
}

/** Counters held per process; beyond this many keys new ones fold into an `(other)` client. */
const MAX_KEYS = 10_000;

/** Days of per-day counts a record keeps (the dashboard shows 30). */
export const DAILY_DAYS = 31;
const DAY_MS = 24 * 3600 * 1000;
const dayName = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Times kept as epoch ms on the hot path; written as ISO strings at flush. Today's successes are a
 * number (`day`, `dayCount`); earlier days move into `daily` when the day changes.
 */
type Counter = Omit<UsageRecord, 'firstSeen' | 'lastSeen'> & {
  key: string;
  firstMs: number;
  lastMs: number;
  day: number;
  dayCount: number;
};

/** The last DAILY_DAYS days of `daily`, newest kept. */
function recentDays(daily: Record<string, number>, today: number): Record<string, number> {
  const oldest = dayName(today - (DAILY_DAYS - 1));
  const kept: Record<string, number> = {};
  for (const [day, count] of Object.entries(daily)) if (day >= oldest) kept[day] = count;
  return kept;
}

export class UsageRecorder {
  readonly #counters = new Map<string, Counter>();
  /**
   * The same counters by the strings as given (tenant, client, policy): the hot path builds no key
   * string. Bounded like the counters (a tenant spelled in other cases is another path to one counter).
   */
  readonly #byGiven = new Map<string, Map<string, Map<string, Counter>>>();
  #paths = 0;
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

  /** One validation; `failureReason` is set for a failure. */
  record(tid: string, clientId: string, policy: string, failureReason?: string): void {
    const counter =
      this.#byGiven.get(tid)?.get(clientId)?.get(policy) ?? this.#counter(tid, clientId, policy);
    const now = this.#clock();
    if (failureReason === undefined) {
      counter.success += 1;
      const day = Math.floor(now / DAY_MS);
      if (day !== counter.day) rollDay(counter, day);
      counter.dayCount += 1;
    } else {
      counter.failure += 1;
      counter.failureReasons[failureReason] = (counter.failureReasons[failureReason] ?? 0) + 1;
    }
    counter.lastMs = now;
    this.#dirty.add(counter.key);
  }

  #counter(tid: string, clientId: string, policy: string): Counter {
    // Tenant ids are GUIDs, which compare case-insensitively: one tenant, one counter.
    let tenantId = tid.toLowerCase();
    let counted = clientId;
    let key = `${tenantId}|${counted}|${policy}`;
    if (!this.#counters.has(key) && this.#counters.size >= MAX_KEYS) {
      tenantId = '(other)';
      counted = '(other)';
      key = `${tenantId}|${counted}|${policy}`;
    }
    let counter = this.#counters.get(key);
    if (!counter) {
      const now = this.#clock();
      counter = {
        key,
        tenantId,
        clientId: counted,
        policy,
        success: 0,
        failure: 0,
        failureReasons: {},
        firstMs: now,
        lastMs: now,
        daily: {},
        day: Math.floor(now / DAY_MS),
        dayCount: 0,
      };
      this.#counters.set(key, counter);
    }
    if (this.#paths < 2 * MAX_KEYS) {
      this.#paths += 1;
      let byClient = this.#byGiven.get(tid);
      if (!byClient) {
        byClient = new Map();
        this.#byGiven.set(tid, byClient);
      }
      let byPolicy = byClient.get(clientId);
      if (!byPolicy) {
        byPolicy = new Map();
        byClient.set(clientId, byPolicy);
      }
      byPolicy.set(policy, counter);
    }
    return counter;
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
        const { key: _key, firstMs, lastMs, day, dayCount, daily, ...counts } = counter;
        records.push({
          ...counts,
          failureReasons: { ...counts.failureReasons },
          firstSeen: new Date(firstMs).toISOString(),
          lastSeen: new Date(lastMs).toISOString(),
          daily: recentDays(dayCount > 0 ? { ...daily, [dayName(day)]: dayCount } : daily, day),
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

  /** One client's counts across every instance, this one's unwritten counts included. */
  async report(clientId: string): Promise<UsageRecord[]> {
    await this.flush();
    return aggregateUsage(await this.#store.read(clientId));
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}

function rollDay(counter: Counter, day: number): void {
  if (counter.dayCount > 0) counter.daily[dayName(counter.day)] = counter.dayCount;
  counter.daily = recentDays(counter.daily, day);
  counter.day = day;
  counter.dayCount = 0;
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
              // Table properties are scalars: the reasons travel as JSON.
              failureReasons: JSON.stringify(r.failureReasons),
              daily: JSON.stringify(r.daily),
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
      for await (const e of client.listEntities<
        Omit<UsageRecord, 'failureReasons' | 'daily'> & {
          instance: string;
          failureReasons?: string;
          daily?: string;
        }
      >({
        queryOptions: { filter },
      })) {
        out.push({
          tenantId: e.tenantId,
          clientId: e.clientId,
          policy: e.policy,
          success: e.success,
          failure: e.failure,
          failureReasons: parseCounts(e.failureReasons),
          daily: parseCounts(e.daily),
          firstSeen: e.firstSeen,
          lastSeen: e.lastSeen,
          instance: e.instance,
        });
      }
      return out;
    },
  };
}

/** A JSON map of counts; rows written before reasons (or days) were recorded have none. */
function parseCounts(json: string | undefined): Record<string, number> {
  try {
    const parsed: unknown = json ? JSON.parse(json) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, number>)
      : {};
  } catch {
    return {};
  }
}

/** The in-memory adapter, for tests and for a deployment without storage. */
export function memoryUsageStore(): UsageStore & { rows: Array<UsageRecord & { instance: string }> } {
  const rows: Array<UsageRecord & { instance: string }> = [];
  const keyOf = (r: UsageRecord & { instance: string }) =>
    `${r.clientId}|${r.tenantId}|${r.policy}|${r.instance}`;
  const index = new Map<string, number>();
  return {
    rows,
    async write(instance, records) {
      for (const record of records) {
        const row = {
          ...record,
          failureReasons: { ...record.failureReasons },
          daily: { ...record.daily },
          instance,
        };
        const key = keyOf(row);
        const at = index.get(key);
        if (at === undefined) {
          index.set(key, rows.length);
          rows.push(row);
        } else rows[at] = row;
      }
    },
    async read(clientId) {
      return rows.filter((row) => row.clientId === clientId).map((row) => ({ ...row }));
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
      out.set(key, { ...row, failureReasons: { ...row.failureReasons }, daily: { ...row.daily } });
      continue;
    }
    existing.success += row.success;
    existing.failure += row.failure;
    for (const [reason, count] of Object.entries(row.failureReasons ?? {}))
      existing.failureReasons[reason] = (existing.failureReasons[reason] ?? 0) + count;
    for (const [day, count] of Object.entries(row.daily ?? {}))
      existing.daily[day] = (existing.daily[day] ?? 0) + count;
    if (row.firstSeen < existing.firstSeen) existing.firstSeen = row.firstSeen;
    if (row.lastSeen > existing.lastSeen) existing.lastSeen = row.lastSeen;
  }
  return [...out.values()].sort((a, b) => (a.tenantId + a.policy).localeCompare(b.tenantId + b.policy));
}
