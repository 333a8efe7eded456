import type { TokenCredential } from '@azure/identity';
import { type Client, type PageCollection, PageIterator } from '@microsoft/microsoft-graph-client';
import { decodeJwt } from 'jose';
import { type GraphErrorLike, graphRetry } from '../platform/graph.js';
import { InventoryError, permissionMissing } from './errors.js';
import { recordGraphRequest } from './metrics.js';
import type { WatchedApp } from './model.js';
import { appFromGraph } from './watched.js';

/** The Graph reads the inventory makes (the port); `GraphClientDirectory` is its adapter. */
export interface GraphDirectory {
  /** Object id of the product's own service principal (the `oid` of its Graph token). */
  ownServicePrincipalId(): Promise<string>;
  /**
   * Apps owned by a service principal, streamed: the next page is requested only when the
   * consumer has taken every app of the current one. `own` says which permission a 403 lacks.
   */
  ownedApps(servicePrincipalId: string, own: boolean): AsyncIterable<WatchedApp>;
  /** One app by client id or object id; null when Graph answers 404. */
  appByAppId(appId: string): Promise<WatchedApp | null>;
  appByObjectId(objectId: string): Promise<WatchedApp | null>;
  /** Owner object ids of an app; null when the app is gone (404). */
  owners(objectId: string): Promise<string[] | null>;
  /** Last sign-in per credential keyId (beta report); throws `sign_in_activity_unavailable` on 403. */
  signInActivity(): Promise<Map<string, string>>;
  /** 429 answers seen since the last call (the run summary's count). */
  takeThrottledCount(): number;
}

export interface GraphDirectoryOptions {
  pageSize: number;
  maxRetries: number;
  retryDelaySeconds: number;
  requestTimeoutMs: number;
}

const APP_SELECT = ['id', 'appId', 'displayName', 'passwordCredentials', 'keyCredentials'];

const statusOf = (error: unknown) => (error as GraphErrorLike).statusCode;

function unavailable(what: string, error: unknown): InventoryError {
  const { statusCode, code } = error as GraphErrorLike;
  const answer =
    statusCode === -1 || statusCode === undefined ? 'no answer' : `${statusCode} ${code ?? ''}`.trim();
  return new InventoryError('graph_unavailable', `Microsoft Graph could not ${what} (${answer}).`, {
    cause: error,
  });
}

export class GraphClientDirectory implements GraphDirectory {
  #throttled = 0;

  constructor(
    private readonly client: Client,
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly options: GraphDirectoryOptions,
  ) {}

  private retry() {
    return [
      graphRetry(this.options.retryDelaySeconds, this.options.maxRetries, (status) => {
        if (status === 429) {
          this.#throttled += 1;
          recordGraphRequest('throttled');
        }
      }),
    ];
  }

  private get(path: string, select?: string[]) {
    recordGraphRequest('sent');
    let request = this.client
      .api(path)
      .middlewareOptions(this.retry())
      .option('signal', AbortSignal.timeout(this.options.requestTimeoutMs));
    if (select) request = request.select(select);
    return request;
  }

  /**
   * A page iterator (`@odata.nextLink` followed verbatim) whose every page request gets its own
   * deadline: the options are read once per page, so the getter makes a fresh signal each time
   * and a hung page fails that page, not a listing that lasts as long as the run.
   */
  private pages(first: PageCollection, callback: (item: Record<string, unknown>) => boolean): PageIterator {
    const timeoutMs = this.options.requestTimeoutMs;
    return new PageIterator(this.client, first, callback, {
      middlewareOptions: this.retry(),
      options: {
        get signal() {
          return AbortSignal.timeout(timeoutMs);
        },
      },
    });
  }

  /** Every item of a collection; a single page (the usual owners answer) builds no iterator. */
  private async collect(first: PageCollection, each: (item: Record<string, unknown>) => void): Promise<void> {
    if (first['@odata.nextLink'] === undefined) {
      for (const item of first.value) each(item);
      return;
    }
    await this.pages(first, (item) => {
      each(item);
      return true;
    }).iterate();
  }

  async ownServicePrincipalId(): Promise<string> {
    const token = await this.credential.getToken(this.scope);
    const oid = token ? decodeJwt(token.token).oid : undefined;
    if (typeof oid !== 'string' || oid === '')
      throw new InventoryError(
        'graph_unavailable',
        'The Graph token of the product identity carries no oid.',
      );
    return oid;
  }

  async *ownedApps(servicePrincipalId: string, own: boolean): AsyncGenerator<WatchedApp> {
    const what = `list the apps owned by service principal ${servicePrincipalId}`;
    // The iterator pauses after each app (its callback answers false) and resumes when the
    // consumer asks for the next: one page of Graph's answer is held at a time, never the listing.
    let taken: Record<string, unknown> | undefined;
    const take = (item: Record<string, unknown>) => {
      taken = item;
      return false;
    };
    let iterator: PageIterator | undefined;
    for (;;) {
      taken = undefined;
      try {
        if (iterator) await iterator.resume();
        else {
          const first = (await this.get(
            `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/ownedObjects/microsoft.graph.application`,
            APP_SELECT,
          )
            .top(this.options.pageSize)
            .get()) as PageCollection;
          iterator = this.pages(first, take);
          await iterator.iterate();
        }
      } catch (error) {
        throw this.listingError(error, servicePrincipalId, own, what);
      }
      if (taken === undefined) return;
      yield appFromGraph(taken, [servicePrincipalId]);
    }
  }

  private listingError(error: unknown, servicePrincipalId: string, own: boolean, what: string): Error {
    if (statusOf(error) === 403)
      return permissionMissing(
        own ? 'Application.ReadWrite.OwnedBy (or Application.Read.All)' : 'Application.Read.All',
        what,
      );
    if (statusOf(error) === 404)
      return new InventoryError(
        'graph_unavailable',
        `Service principal ${servicePrincipalId} does not exist (Inventory__OwnerServicePrincipalIds).`,
      );
    return unavailable(what, error);
  }

  private async app(path: string, label: string): Promise<WatchedApp | null> {
    try {
      return appFromGraph(await this.get(path, APP_SELECT).get());
    } catch (error) {
      if (statusOf(error) === 404) return null;
      if (statusOf(error) === 403) throw permissionMissing('Application.Read.All', `read app ${label}`);
      throw unavailable(`read app ${label}`, error);
    }
  }

  appByAppId(appId: string): Promise<WatchedApp | null> {
    return this.app(`/applications(appId='${encodeURIComponent(appId.replaceAll("'", "''"))}')`, appId);
  }

  appByObjectId(objectId: string): Promise<WatchedApp | null> {
    return this.app(`/applications/${encodeURIComponent(objectId)}`, objectId);
  }

  async owners(objectId: string): Promise<string[] | null> {
    const owners: string[] = [];
    try {
      const first = (await this.get(
        `/applications/${encodeURIComponent(objectId)}/owners`,
      ).get()) as PageCollection;
      await this.collect(first, (item) => owners.push(String(item.id)));
      return owners;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      if (statusOf(error) === 403)
        throw permissionMissing(
          'Application.ReadWrite.OwnedBy (or Application.Read.All)',
          `read the owners of app ${objectId}`,
        );
      throw unavailable(`read the owners of app ${objectId}`, error);
    }
  }

  async signInActivity(): Promise<Map<string, string>> {
    const last = new Map<string, string>();
    try {
      const first = (await this.get('/reports/appCredentialSignInActivities')
        .version('beta')
        .top(this.options.pageSize)
        .get()) as PageCollection;
      await this.collect(first, (item) => {
        const at = (item.signInActivity as { lastSignInDateTime?: unknown } | undefined)?.lastSignInDateTime;
        if (typeof item.keyId === 'string' && typeof at === 'string') last.set(item.keyId.toLowerCase(), at);
      });
      return last;
    } catch (error) {
      const { statusCode, code } = error as GraphErrorLike;
      if (statusCode === 403)
        throw new InventoryError(
          'sign_in_activity_unavailable',
          `The sign-in activity report answered 403 ${code ?? ''}: it needs AuditLog.Read.All and Entra ID P1/P2.`.replace(
            '  ',
            ' ',
          ),
        );
      throw unavailable('read the sign-in activity report', error);
    }
  }

  takeThrottledCount(): number {
    const count = this.#throttled;
    this.#throttled = 0;
    return count;
  }
}
