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
import type { CredentialStore } from './store.js';
import type { ValidatorUsage } from './validator-usage.js';
import { uniqueIds, WatchedApps } from './watched.js';

/**
 * One inventory run: find the watched apps, fetch each (bounded concurrency; the Graph client
 * retries 429/503 with Retry-After or back-off), write each app's credentials as soon as it is
 * done, announce crossed thresholds once, and summarise. Apps that fail keep their previous rows,
 * marked stale; apps Graph no longer has (404) are marked deleted.
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

/** Runs `work` over `items` with at most `limit` at a time; `stop()` true ends it early. */
async function eachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

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
  private previous = new Map<string, CredentialRow[]>();
  /** Client ids of the apps written this run. */
  private readonly touched = new Set<string>();

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
    const { graph, store } = this.ports;
    graph.takeThrottledCount();
    for (const row of await store.readAll()) {
      const key = row.appObjectId.toLowerCase();
      this.previous.set(key, [...(this.previous.get(key) ?? []), row]);
    }
    const { apps, complete } = await this.discover();
    const lastUse = await this.lastUse();
    this.log.info('Inventory started', { apps: apps.size, source: lastUse.source });
    await this.fetchAll(apps.all(), lastUse);
    await this.settleUnlisted(apps, complete);
    this.throttled += graph.takeThrottledCount();
    const summary: RunSummary = {
      apps: apps.size,
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

  /** The watched apps; `complete` is false when a listing failed (unlisted apps are then not judged). */
  private async discover(): Promise<{ apps: WatchedApps; complete: boolean }> {
    const { graph } = this.ports;
    const apps = new WatchedApps();
    let complete = true;
    const owners: Array<{ id: string; own: boolean }> = [];
    if (this.config.includeOwnApps) {
      try {
        owners.push({ id: await graph.ownServicePrincipalId(), own: true });
      } catch (error) {
        complete = false;
        this.error(error);
      }
    }
    for (const id of uniqueIds(this.config.ownerServicePrincipalIds))
      if (!owners.some((o) => o.id.toLowerCase() === id.toLowerCase())) owners.push({ id, own: false });
    for (const owner of owners) {
      try {
        for (const app of await graph.ownedApps(owner.id, owner.own)) apps.add(app);
      } catch (error) {
        complete = false;
        this.error(error);
      }
    }
    const explicit = uniqueIds(this.config.appIds).filter((appId) => !apps.hasAppId(appId));
    await eachLimited(
      explicit,
      this.config.concurrency,
      async (appId) => {
        try {
          const app = await graph.appByAppId(appId);
          if (app) apps.add(app);
          else this.log.warn('Inventory__AppIds names an app Graph does not have', { appId });
        } catch (error) {
          complete = false;
          this.error(error);
        }
      },
      () => false,
    );
    return { apps, complete };
  }

  private async lastUse(): Promise<{ source: LastUseSource | null; byKeyId?: Map<string, string> }> {
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

  private async fetchAll(
    apps: WatchedApp[],
    lastUse: { source: LastUseSource | null; byKeyId?: Map<string, string> },
  ): Promise<void> {
    const { graph } = this.ports;
    let done = 0;
    let failuresInARow = 0;
    let lastProgress = this.ports.clock();
    let abandoned = false;
    const limit = consecutiveFailureLimit(this.config.concurrency);
    await eachLimited(
      apps,
      this.config.concurrency,
      async (app) => {
        try {
          const owners = await graph.owners(app.objectId);
          if (owners === null) await this.markDeleted(app.objectId, app);
          else {
            const usage =
              lastUse.source === 'validatorUsage'
                ? ((await this.ports.usage?.lastUse(app.appId)) ?? null)
                : null;
            await this.writeApp({ ...app, owners }, lastUse, usage);
          }
          failuresInARow = 0;
        } catch (error) {
          failuresInARow += 1;
          this.error(error);
          this.failed.push(app.appId);
          await this.markStale(app.objectId);
        }
        done += 1;
        const now = this.ports.clock();
        if (done % this.config.progressEvery === 0 || now - lastProgress >= PROGRESS_INTERVAL_MS) {
          lastProgress = now;
          this.log.info('Inventory progress', { done, total: apps.length, failed: this.failed.length });
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
    if (abandoned) {
      const finished = new Set([...this.failed, ...this.touched, ...this.deleted]);
      for (const app of apps) {
        if (finished.has(app.appId)) continue;
        this.failed.push(app.appId);
        await this.markStale(app.objectId).catch((error: unknown) => this.error(error));
      }
    }
  }

  private async writeApp(
    app: WatchedApp,
    lastUse: { source: LastUseSource | null; byKeyId?: Map<string, string> },
    usage: string | null,
  ): Promise<void> {
    const now = this.ports.clock();
    const previous = new Map(
      (this.previous.get(app.objectId.toLowerCase()) ?? []).map((row) => [row.keyId.toLowerCase(), row]),
    );
    const announcements: Array<{ row: CredentialRow; threshold: number; crossed: number[] }> = [];
    const rows = app.credentials.map((credential): CredentialRow => {
      const before = previous.get(credential.keyId.toLowerCase());
      const status = credentialStatus(credential, this.config.thresholds, now);
      const signIn = lastUse.byKeyId?.get(credential.keyId.toLowerCase());
      const row: CredentialRow = {
        ...credential,
        appObjectId: app.objectId,
        appId: app.appId,
        appDisplayName: app.displayName,
        owners: app.owners,
        lastUsedAt: lastUse.source === 'signInActivity' ? (signIn ?? null) : usage,
        lastUsedSource:
          lastUse.source === 'signInActivity'
            ? signIn
              ? 'signInActivity'
              : null
            : usage
              ? 'validatorUsage'
              : null,
        status,
        managed: (credential.displayName ?? '').startsWith(this.config.managedPrefix),
        deleted: false,
        stale: false,
        lastSuccessAt: new Date(now).toISOString(),
        notified: before?.notified ?? [],
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
    const kept = new Set(rows.map((row) => row.keyId.toLowerCase()));
    const removed = [...previous.values()]
      .filter((row) => !kept.has(row.keyId.toLowerCase()))
      .map((row) => row.keyId);
    await this.ports.store.writeApp(app.objectId, rows, removed);
    this.credentials += rows.length;
    this.touched.add(app.appId);
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

  private async markStale(objectId: string): Promise<void> {
    const rows = this.previous.get(objectId.toLowerCase()) ?? [];
    if (rows.length === 0) return;
    this.stale += 1;
    await this.ports.store.writeApp(
      objectId,
      rows.map((row) => ({ ...row, stale: true })),
      [],
    );
  }

  private async markDeleted(objectId: string, app?: WatchedApp): Promise<void> {
    const rows = this.previous.get(objectId.toLowerCase()) ?? [];
    this.deleted.push(app?.appId ?? rows[0]?.appId ?? objectId);
    this.log.warn('Inventory app no longer exists in Entra ID; its credentials are marked deleted', {
      appId: app?.appId ?? rows[0]?.appId,
      objectId,
    });
    if (rows.length > 0)
      await this.ports.store.writeApp(
        objectId,
        rows.map((row) => ({ ...row, deleted: true, stale: false })),
        [],
      );
  }

  /**
   * Apps of the previous snapshot that no listing returned: gone from Graph (404, marked
   * deleted), or no longer watched (rows removed). When a listing failed they are not judged;
   * they stay as they were, marked stale.
   */
  private async settleUnlisted(apps: WatchedApps, complete: boolean): Promise<void> {
    const unlisted = [...this.previous.entries()].filter(([objectId]) => !apps.hasObjectId(objectId));
    await eachLimited(
      unlisted,
      this.config.concurrency,
      async ([objectId, rows]) => {
        if (rows.every((row) => row.deleted)) return;
        try {
          if (!complete) {
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
              rows.map((row) => row.keyId),
            );
          }
        } catch (error) {
          this.error(error);
          await this.markStale(objectId).catch(() => undefined);
        }
      },
      () => false,
    );
  }
}
