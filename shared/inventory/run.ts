import type { EventSink, PublishedEvent } from '../platform/event-publisher.js';
import type { Logger } from '../platform/log.js';
import { InventoryError } from './errors.js';
import type { GraphDirectory } from './graph-directory.js';
import { credentialCounts, recordInventoryRun } from './metrics.js';
import type { CredentialRow, LastUseSource, WatchedApp } from './model.js';
import type { RotationStates } from './rotation-states.js';
import {
  type CredentialStatus,
  credentialStatus,
  daysLeft,
  STATUSES,
  thresholdToAnnounce,
} from './status.js';
import type { CredentialNote, CredentialStore } from './store.js';
import type { ValidatorUsage } from './validator-usage.js';
import { sameId, uniqueIds, WatchedApps } from './watched.js';

/**
 * One inventory run: stream the watched apps from Graph's listings into bounded-concurrency
 * workers (the Graph client retries 429/503 with Retry-After or back-off), write each app's
 * credentials as soon as it is done, announce crossed thresholds once, and summarise. Apps that
 * fail keep their previous rows, marked stale; apps Graph no longer has (404) are marked deleted.
 * A run holds one listing page, the apps in flight and a compact note of the last snapshot, never
 * the whole listing or the whole table (the 256 MB goal of `npm run bench`).
 */
export interface InventoryConfig {
  includeOwnApps: boolean;
  ownerServicePrincipalIds: string[];
  appIds: string[];
  concurrency: number;
  thresholds: number[];
  signInActivity: boolean;
  managedPrefix: string;
  progressEvery: number;
}

export interface InventoryPorts {
  graph: GraphDirectory;
  store: CredentialStore;
  /** Undefined when no topic is configured: thresholds are then not announced (nor remembered). */
  events?: EventSink;
  usage?: ValidatorUsage;
  /** Rotation's view of each credential, for the report (absent: the fields are null). */
  rotation?: RotationStates;
  clock: () => number;
}

export interface RunSummary {
  apps: number;
  credentials: number;
  byStatus: Record<CredentialStatus, number>;
  failedApps: string[];
  deletedApps: string[];
  staleApps: number;
  throttled: number;
  events: number;
  lastUseSource: LastUseSource | null;
  errors: string[];
  durationMs: number;
}

/** After this many apps failing in a row Graph is taken as down: the rest wait for the next run. */
const consecutiveFailureLimit = (concurrency: number) => Math.max(4, concurrency * 2);
const PROGRESS_INTERVAL_MS = 10_000;
export const EVENT_TYPE = 'CredentialExpiring';
export const EVENT_SOURCE = '/entra-gateway-token-plumbing/inventory';
const NONE: readonly number[] = Object.freeze([]);

/** Runs `work` over `items` with at most `limit` at a time, pulling the next only when a worker is free. */
async function eachLimited<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean = () => false,
): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const worker = async () => {
    while (!stop()) {
      const next = await iterator.next();
      if (next.done) return;
      await work(next.value);
    }
  };
  try {
    await Promise.all(Array.from({ length: limit }, worker));
  } finally {
    // Stopped early: closes the listing, so no further page is requested.
    await iterator.return?.();
  }
}

/** What a run keeps of an app in the last snapshot: enough to diff and to name it. */
interface PreviousApp {
  appId: string;
  /** Every row of it is marked deleted. */
  deleted: boolean;
  keys: Array<Pick<CredentialNote, 'keyId' | 'notified'>>;
}

/** An `Inventory__AppIds` entry, looked up by a worker once the listings are done. */
interface AppIdLookup {
  lookup: string;
}

type LastUse = { source: LastUseSource | null; byKeyId?: Map<string, string> };

export class InventoryRun {
  private readonly errors = new Set<string>();
  private readonly byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<
    CredentialStatus,
    number
  >;
  private credentials = 0;
  private readonly counted = credentialCounts();
  private events = 0;
  private readonly failed: string[] = [];
  private readonly deleted: string[] = [];
  private stale = 0;
  private throttled = 0;
  private readonly startedAt: number;
  /** The last snapshot by app object id (lower case); each app leaves it once this run settled it. */
  private readonly previous = new Map<string, PreviousApp>();
  private readonly watched = new WatchedApps();
  /** False when a listing failed: apps it did not return are then not judged. */
  private complete = true;
  private listingDone = false;

  constructor(
    private readonly config: InventoryConfig,
    private readonly ports: InventoryPorts,
    private readonly log: Logger,
  ) {
    this.startedAt = ports.clock();
  }

  private error(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.errors.has(message)) return;
    this.errors.add(message);
    this.log.error('Inventory error', { code: (error as InventoryError).code ?? 'internal', error: message });
  }

  async run(): Promise<RunSummary> {
    const { graph } = this.ports;
    graph.takeThrottledCount();
    await this.readPrevious();
    const lastUse = await this.lastUse();
    this.log.info('Inventory started', { previousApps: this.previous.size, source: lastUse.source });
    const abandoned = await this.fetchAll(lastUse);
    await this.settleUnlisted(abandoned);
    this.throttled += graph.takeThrottledCount();
    const summary: RunSummary = {
      apps: this.watched.size,
      credentials: this.credentials,
      byStatus: this.byStatus,
      failedApps: this.failed,
      deletedApps: this.deleted,
      staleApps: this.stale,
      throttled: this.throttled,
      events: this.events,
      lastUseSource: lastUse.source,
      errors: [...this.errors],
      durationMs: this.ports.clock() - this.startedAt,
    };
    recordInventoryRun(this.failed.length > 0 ? 'partial' : 'complete', this.counted.entries());
    this.log.info('Inventory finished', { ...summary, failedApps: summary.failedApps.slice(0, 50) });
    if (this.failed.length > 0)
      this.log.warn(
        'Inventory apps failed; they keep their previous snapshot (stale) and the next run retries them',
        {
          failedApps: this.failed.slice(0, 200),
        },
      );
    return summary;
  }

  /** The last snapshot as notes (app, key, announced thresholds, deleted), not whole rows. */
  private async readPrevious(): Promise<void> {
    for await (const note of this.ports.store.notes()) {
      const key = note.appObjectId.toLowerCase();
      let app = this.previous.get(key);
      if (!app) {
        app = { appId: note.appId, deleted: true, keys: [] };
        this.previous.set(key, app);
      }
      app.deleted &&= note.deleted;
      app.keys.push({ keyId: note.keyId, notified: note.notified.length > 0 ? note.notified : NONE });
    }
  }

  /**
   * The watched apps, de-duplicated as they are listed: the own service principal's, the other
   * owners', then the `Inventory__AppIds` not listed (looked up by the workers).
   */
  private async *watchedApps(): AsyncGenerator<WatchedApp | AppIdLookup> {
    const { graph } = this.ports;
    const owners: Array<{ id: string; own: boolean }> = [];
    if (this.config.includeOwnApps) {
      try {
        owners.push({ id: await graph.ownServicePrincipalId(), own: true });
      } catch (error) {
        this.complete = false;
        this.error(error);
      }
    }
    for (const id of uniqueIds(this.config.ownerServicePrincipalIds))
      if (!owners.some((o) => sameId(o.id, id))) owners.push({ id, own: false });
    for (const owner of owners) {
      try {
        for await (const app of graph.ownedApps(owner.id, owner.own)) if (this.watched.add(app)) yield app;
      } catch (error) {
        this.complete = false;
        this.error(error);
      }
    }
    for (const appId of uniqueIds(this.config.appIds))
      if (!this.watched.hasAppId(appId)) yield { lookup: appId };
    this.listingDone = true;
  }

  private async lastUse(): Promise<LastUse> {
    if (this.config.signInActivity) {
      try {
        return { source: 'signInActivity', byKeyId: await this.ports.graph.signInActivity() };
      } catch (error) {
        this.log.warn('Sign-in activity unavailable; last use comes from the validator usage records', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return { source: this.ports.usage ? 'validatorUsage' : null };
  }

  /** An `Inventory__AppIds` entry's app, or undefined (not found, already watched, or failed). */
  private async lookUp({ lookup }: AppIdLookup): Promise<WatchedApp | undefined> {
    try {
      const app = await this.ports.graph.appByAppId(lookup);
      if (!app) this.log.warn('Inventory__AppIds names an app Graph does not have', { appId: lookup });
      else if (this.watched.add(app)) return app;
    } catch (error) {
      this.complete = false;
      this.error(error);
    }
    return undefined;
  }

  /** Fetches every watched app; true when Graph looked down and the run stopped early. */
  private async fetchAll(lastUse: LastUse): Promise<boolean> {
    const { graph } = this.ports;
    let done = 0;
    let failuresInARow = 0;
    let lastProgress = this.ports.clock();
    let abandoned = false;
    const limit = consecutiveFailureLimit(this.config.concurrency);
    await eachLimited(
      this.watchedApps(),
      this.config.concurrency,
      async (item) => {
        const app = 'lookup' in item ? await this.lookUp(item) : item;
        if (!app) return;
        try {
          const owners = await graph.owners(app.objectId);
          if (owners === null) await this.markDeleted(app.objectId, app.appId);
          else {
            const usage =
              lastUse.source === 'validatorUsage'
                ? ((await this.ports.usage?.lastUse(app.appId)) ?? null)
                : null;
            await this.writeApp(app, owners, lastUse, usage);
          }
          failuresInARow = 0;
        } catch (error) {
          failuresInARow += 1;
          this.error(error);
          this.failed.push(app.appId);
          await this.markStale(app.objectId);
        }
        this.previous.delete(app.objectId.toLowerCase());
        done += 1;
        const now = this.ports.clock();
        if (done % this.config.progressEvery === 0 || now - lastProgress >= PROGRESS_INTERVAL_MS) {
          lastProgress = now;
          this.log.info('Inventory progress', {
            done,
            listed: this.watched.size,
            listingComplete: this.listingDone,
            failed: this.failed.length,
          });
        }
      },
      () => {
        if (!abandoned && failuresInARow >= limit) {
          abandoned = true;
          this.error(
            new InventoryError(
              'graph_unavailable',
              `${limit} apps failed in a row: Graph looks unavailable; the remaining apps wait for the next run.`,
            ),
          );
        }
        return abandoned;
      },
    );
    return abandoned;
  }

  private async writeApp(app: WatchedApp, owners: string[], lastUse: LastUse, usage: string | null) {
    const now = this.ports.clock();
    const previous = this.previous.get(app.objectId.toLowerCase())?.keys ?? [];
    const lastSuccessAt = new Date(now).toISOString();
    const announcements: Array<{ row: CredentialRow; threshold: number; crossed: number[] }> = [];
    const rows = app.credentials.map((credential): CredentialRow => {
      const signIn = lastUse.byKeyId?.get(credential.keyId.toLowerCase());
      const lastUsedAt = lastUse.source === 'signInActivity' ? (signIn ?? null) : usage;
      const status = credentialStatus(credential, this.config.thresholds, now);
      // Every field written out: an object spread of the credential measured at kilobytes a row.
      const row: CredentialRow = {
        type: credential.type,
        keyId: credential.keyId,
        displayName: credential.displayName,
        hint: credential.hint,
        thumbprint: credential.thumbprint,
        startDateTime: credential.startDateTime,
        endDateTime: credential.endDateTime,
        appObjectId: app.objectId,
        appId: app.appId,
        appDisplayName: app.displayName,
        owners,
        lastUsedAt,
        lastUsedSource: lastUsedAt === null ? null : (lastUse.source as LastUseSource),
        status,
        managed: (credential.displayName ?? '').startsWith(this.config.managedPrefix),
        deleted: false,
        stale: false,
        lastSuccessAt,
        notified: previous.find((key) => sameId(key.keyId, credential.keyId))?.notified ?? NONE,
      };
      const announce = this.ports.events
        ? thresholdToAnnounce(credential, this.config.thresholds, row.notified, now)
        : undefined;
      if (announce) announcements.push({ row, ...announce });
      this.byStatus[status] += 1;
      this.counted.add(status, row.managed);
      return row;
    });
    await this.announce(announcements, now);
    const removed = previous
      .filter((key) => !rows.some((row) => sameId(row.keyId, key.keyId)))
      .map((key) => key.keyId);
    await this.ports.store.writeApp(app.objectId, rows, removed);
    this.credentials += rows.length;
  }

  /** One CredentialExpiring event per newly crossed threshold; remembered only once published. */
  private async announce(
    announcements: Array<{ row: CredentialRow; threshold: number; crossed: number[] }>,
    now: number,
  ): Promise<void> {
    if (announcements.length === 0 || !this.ports.events) return;
    const events: PublishedEvent[] = announcements.map(({ row, threshold }) => ({
      // The same credential and threshold always make the same id: a redelivery is one audit row.
      id: `${row.keyId}:${threshold}`,
      type: EVENT_TYPE,
      source: EVENT_SOURCE,
      subject: `applications/${row.appId}/credentials/${row.keyId}`,
      time: new Date(now),
      data: {
        appId: row.appId,
        appObjectId: row.appObjectId,
        appDisplayName: row.appDisplayName,
        keyId: row.keyId,
        type: row.type,
        displayName: row.displayName,
        threshold,
        daysLeft: daysLeft(row.endDateTime, now),
        endDateTime: row.endDateTime,
        owners: row.owners,
      },
    }));
    try {
      await this.ports.events.publish(events);
      for (const { row, crossed } of announcements) row.notified = crossed;
      this.events += events.length;
    } catch (error) {
      this.error(
        new InventoryError(
          'events_unavailable',
          `Publishing CredentialExpiring events failed; the next run tries again (${error instanceof Error ? error.message : String(error)}).`,
        ),
      );
    }
  }

  /** An app not fetched this run keeps its previous rows, marked stale. */
  private async markStale(objectId: string): Promise<void> {
    if (!this.previous.has(objectId.toLowerCase())) return;
    const rows = await this.ports.store.readApp(objectId);
    if (rows.length === 0) return;
    this.stale += 1;
    for (const row of rows) row.stale = true;
    await this.ports.store.writeApp(objectId, rows, []);
  }

  private async markDeleted(objectId: string, appId?: string): Promise<void> {
    const previous = this.previous.get(objectId.toLowerCase());
    this.deleted.push(appId ?? previous?.appId ?? objectId);
    this.log.warn('Inventory app no longer exists in Entra ID; its credentials are marked deleted', {
      appId: appId ?? previous?.appId,
      objectId,
    });
    if (!previous) return;
    const rows = await this.ports.store.readApp(objectId);
    for (const row of rows) {
      row.deleted = true;
      row.stale = false;
    }
    if (rows.length > 0) await this.ports.store.writeApp(objectId, rows, []);
  }

  /**
   * Apps of the previous snapshot this run did not settle: gone from Graph (404, marked
   * deleted), or no longer watched (rows removed). When a listing failed they are not judged;
   * they stay as they were, marked stale; when the run stopped early they also count as failed.
   */
  private async settleUnlisted(abandoned: boolean): Promise<void> {
    const judge = this.complete && !abandoned;
    await eachLimited(this.previous.entries(), this.config.concurrency, async ([objectId, previous]) => {
      if (previous.deleted) return;
      try {
        if (!judge) {
          if (abandoned) this.failed.push(previous.appId);
          await this.markStale(objectId);
          return;
        }
        const app = await this.ports.graph.appByObjectId(objectId);
        if (app === null) await this.markDeleted(objectId);
        else {
          this.log.info('Inventory app no longer watched; its rows are removed', { appId: app.appId });
          await this.ports.store.writeApp(
            objectId,
            [],
            previous.keys.map((key) => key.keyId),
          );
        }
      } catch (error) {
        this.error(error);
        await this.markStale(objectId).catch(() => undefined);
      }
    });
  }
}
