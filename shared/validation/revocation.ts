import type { TableClient } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type { Logger } from '../platform/log.js';
import { tableCreator } from '../platform/storage.js';
import { unavailable } from './errors.js';

/**
 * The denylist (RFC 7009 revocation). Revoked tokens are stored in the `denylist` table until their
 * `exp`, keyed by `jti` (or, when it has none, the SHA-256 of its signed part: see VerifiedToken.hash).
 * Every instance keeps the list in memory and re-reads what changed every `refreshMs`; a request finding the list older than that
 * waits for the (single-flight) re-read, so a revocation made on any instance is enforced everywhere
 * within `refreshMs` plus one table query. Default 10 s, at most 30 s.
 */
export interface DenylistEntry {
  key: string;
  /** Seconds since the epoch; the entry is dropped after it. */
  exp: number;
}

export interface DenylistStore {
  add(entry: DenylistEntry): Promise<void>;
  /** Entries written at or after `since` (all live entries when undefined). */
  changedSince(since: Date | undefined, nowSeconds: number): Promise<DenylistEntry[]>;
}

const keysByClaims = new WeakMap<Record<string, unknown>, string>();

/** Remembered per claims object: a cached token's claims (and hash) are the same on every hit. */
export function revocationKey(claims: Record<string, unknown>, hash: string): string {
  let key = keysByClaims.get(claims);
  if (key === undefined) {
    key =
      typeof claims.jti === 'string' && claims.jti.length > 0 && claims.jti.length <= 256
        ? `jti-${Buffer.from(claims.jti, 'utf8').toString('base64url')}`
        : `sha256-${hash}`;
    keysByClaims.set(claims, key);
  }
  return key;
}

const PARTITION = 'revoked';

/** Table storage adapter: one entity per revoked token (PartitionKey `revoked`, RowKey = key). */
export function tableDenylistStore(client: TableClient): DenylistStore {
  const ensureTable = tableCreator(client);
  return {
    async add(entry) {
      await ensureTable();
      await client.upsertEntity({ partitionKey: PARTITION, rowKey: entry.key, exp: entry.exp }, 'Replace');
    },
    async changedSince(since, nowSeconds) {
      await ensureTable();
      const filter = since
        ? odata`PartitionKey eq ${PARTITION} and Timestamp ge ${since} and exp ge ${nowSeconds}`
        : odata`PartitionKey eq ${PARTITION} and exp ge ${nowSeconds}`;
      const out: DenylistEntry[] = [];
      for await (const entity of client.listEntities<{ exp: number }>({ queryOptions: { filter } })) {
        if (typeof entity.rowKey === 'string' && typeof entity.exp === 'number') {
          out.push({ key: entity.rowKey, exp: entity.exp });
        }
      }
      return out;
    },
  };
}

export interface DenylistOptions {
  store: DenylistStore;
  clock: () => number;
  refreshMs: number;
  /** Bound on entries held in memory (100k keys is a few MB); the soonest-expiring go first. */
  maxEntries?: number;
  log?: Logger;
}

/** Margin on the incremental query: storage timestamps come from the server's clock, not ours. */
const CLOCK_MARGIN_MS = 60_000;

export class Denylist {
  readonly #options: DenylistOptions;
  readonly #entries = new Map<string, number>();
  #loadedAt: number | undefined;
  #since: Date | undefined;
  #inflight: Promise<void> | undefined;

  constructor(options: DenylistOptions) {
    this.#options = options;
  }

  async revoke(entry: DenylistEntry): Promise<void> {
    await this.#options.store.add(entry);
    this.#remember(entry);
  }

  /** True when `key` is revoked. Waits for a re-read when the in-memory list is older than `refreshMs`. */
  async isRevoked(key: string): Promise<boolean> {
    const now = this.revokedNow(key);
    if (now !== undefined) return now;
    await this.#refresh();
    if (this.#loadedAt === undefined) throw unavailable('revocation_unavailable', 5);
    return this.#has(key);
  }

  /**
   * isRevoked() without waiting: undefined when the list is not loaded or older than `refreshMs`
   * (the caller must wait for the re-read). Past half the interval a re-read starts in the background.
   */
  revokedNow(key: string): boolean | undefined {
    if (this.#loadedAt === undefined) return undefined;
    const age = this.#options.clock() - this.#loadedAt;
    if (age >= this.#options.refreshMs) return undefined;
    if (age >= this.#options.refreshMs / 2) void this.#refresh();
    return this.#has(key);
  }

  #has(key: string): boolean {
    const exp = this.#entries.get(key);
    return exp !== undefined && exp * 1000 > this.#options.clock();
  }

  #remember(entry: DenylistEntry): void {
    this.#entries.set(entry.key, entry.exp);
    const max = this.#options.maxEntries ?? 100_000;
    if (this.#entries.size > max) this.#prune(true);
  }

  #prune(force: boolean): void {
    const nowSeconds = this.#options.clock() / 1000;
    for (const [key, exp] of this.#entries) if (exp < nowSeconds) this.#entries.delete(key);
    const max = this.#options.maxEntries ?? 100_000;
    if (force && this.#entries.size > max) {
      const sorted = [...this.#entries].sort((a, b) => a[1] - b[1]);
      for (const [key] of sorted.slice(0, this.#entries.size - max)) this.#entries.delete(key);
    }
  }

  #refresh(): Promise<void> {
    this.#inflight ??= (async () => {
      const started = this.#options.clock();
      try {
        const changes = await this.#options.store.changedSince(this.#since, Math.floor(started / 1000));
        for (const entry of changes) this.#remember(entry);
        this.#prune(false);
        this.#since = new Date(started - CLOCK_MARGIN_MS);
        this.#loadedAt = started;
      } catch (error) {
        // Keep enforcing what we know and try again after another interval (no retry storm).
        if (this.#loadedAt !== undefined) this.#loadedAt = started;
        this.#options.log?.warn('Revocation list refresh failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        this.#inflight = undefined;
      }
    })();
    return this.#inflight;
  }
}

/** An in-memory store, for unit tests and for instances without storage. */
export function memoryDenylistStore(): DenylistStore & { entries: DenylistEntry[] } {
  const entries: DenylistEntry[] = [];
  return {
    entries,
    async add(entry) {
      entries.push(entry);
    },
    async changedSince(_since, nowSeconds) {
      return entries.filter((e) => e.exp >= nowSeconds);
    },
  };
}
