import { auditQueryResponse, parseAuditQuery, queryAudit } from '../audit/query.js';
import type { CredentialItem } from '../inventory/report.js';
import type { Logger } from '../platform/log.js';
import { errorResponse, type PlainResponse, problemResponse, titleFor } from '../platform/problem.js';
import type { Asset, AssetFolder } from './assets.js';
import type { ClientConfig } from './config.js';
import { credentialsPage, parseCredentialsQuery, selectCredentials } from './credentials-query.js';
import { DashboardError } from './errors.js';
import { securityHeaders } from './headers.js';
import type { CredentialSource, DashboardSources } from './sources.js';
import { appOf, overview, timeline, usagePerDay } from './views.js';

/**
 * `GET /api/dashboard/...`: the page, its assets, the sign-in configuration and the read-only data
 * views. Every answer carries the security headers; every data answer `Cache-Control: no-store`
 * and needs a user token that passes the `dashboard` policy.
 */
export interface DashboardRequest {
  /** What follows `/api/dashboard/`, without a leading slash ('' for the page itself). */
  path: string;
  query: URLSearchParams;
  url: string;
  authorization: string | null;
}

export interface DashboardResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface DashboardOptions {
  sources: DashboardSources;
  assets: AssetFolder;
  signIn: { config(requestUrl: string): ClientConfig; authorityOrigin: string };
  graceDays: number;
  clock: () => number;
  log: Logger;
}

/** The snapshot changes once per inventory run (hourly): a page's views in a row share one read. */
const ITEMS_TTL_MS = 10_000;
const HISTORY_DAYS = 366;
const APP_ID = /^[A-Za-z0-9-]{1,64}$/;
const AUDIT_PARAMS = new Set(['kind', 'severity', 'appId', 'outOfBand', 'continuationToken', 'pageSize']);

const json = (body: unknown): PlainResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** The validator's RFC 6750 answer as problem+json, keeping its status and its challenge. */
function refusal(response: PlainResponse): PlainResponse {
  if (response.headers['content-type']?.startsWith('application/problem+json')) return response;
  let error: string | undefined;
  let description: string | undefined;
  try {
    const body = JSON.parse(response.body) as { error?: string; error_description?: string };
    error = body.error;
    description = body.error_description;
  } catch {
    // answered with the status alone
  }
  const code = error ?? (response.status === 401 ? 'unauthorized' : 'temporarily_unavailable');
  const detail =
    code === 'insufficient_scope'
      ? 'Your account is not allowed to read the dashboard: its token lacks the Credentials.Read scope.'
      : response.status === 401 && !error
        ? 'Sign in: this view needs a bearer token.'
        : (description ?? 'The token could not be checked.');
  const headers: Record<string, string> = {};
  for (const name of ['www-authenticate', 'retry-after'])
    if (response.headers[name]) headers[name] = response.headers[name] as string;
  return problemResponse(
    { title: titleFor(response.status), status: response.status, code, detail },
    headers,
  );
}

export class DashboardService {
  readonly #options: DashboardOptions;
  #items: { at: number; items: Promise<CredentialItem[]> } | undefined;

  constructor(options: DashboardOptions) {
    this.#options = options;
  }

  async handle(request: DashboardRequest): Promise<DashboardResponse> {
    const response = await this.#route(request).catch((error: unknown) => {
      if (!(error instanceof DashboardError)) throw error;
      return errorResponse(error);
    });
    return {
      ...response,
      headers: { ...response.headers, ...securityHeaders(this.#options.signIn.authorityOrigin) },
    };
  }

  async #route(request: DashboardRequest): Promise<DashboardResponse> {
    const path = request.path.replace(/^\/+/, '');
    if (path.startsWith('assets/')) return this.#asset(this.#options.assets.asset(path.slice(7)));
    if (path === 'config') return json(this.#options.signIn.config(request.url));
    if (path === 'data' || path.startsWith('data/')) {
      const admitted = await this.#options.sources.checkToken(request.authorization);
      if ('response' in admitted) return refusal(admitted.response);
      return this.#data(path.slice(5), request.query);
    }
    // Client-side views live in the hash: every other path is the page.
    return this.#asset(this.#options.assets.index(), 'no-cache');
  }

  async #asset(loading: Promise<Asset>, cache?: string): Promise<DashboardResponse> {
    const asset = await loading;
    return {
      status: 200,
      headers: {
        'content-type': asset.contentType,
        'cache-control': cache ?? (asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache'),
      },
      body: asset.body,
    };
  }

  async #data(view: string, query: URLSearchParams): Promise<PlainResponse> {
    const { sources, clock } = this.#options;
    if (view === 'audit') return this.#audit(query);
    const inventory = sources.inventory();
    if (!inventory.ok) return inventory.response;
    const source = inventory.value;
    if (view === 'overview') {
      const [items, inventoryRun, rotationRun] = await Promise.all([
        this.#snapshot(source),
        source.lastRun(),
        sources.rotationRun(),
      ]);
      return json(
        overview({
          items,
          thresholds: source.thresholds,
          now: clock(),
          graceDays: this.#options.graceDays,
          runs: { inventory: inventoryRun, rotation: rotationRun },
        }),
      );
    }
    if (view === 'timeline') return json(timeline(await this.#snapshot(source), source.thresholds, clock()));
    if (view === 'credentials') {
      const parsed = parseCredentialsQuery(query);
      const all = await this.#snapshot(source);
      const selected = selectCredentials(all, parsed);
      return parsed.format === 'csv' ? source.csv(selected) : json(credentialsPage(selected, all, parsed));
    }
    if (view.startsWith('apps/')) return this.#app(decodeURIComponent(view.slice(5)), source);
    throw new DashboardError('not_found', 'No such dashboard view.');
  }

  async #app(appId: string, source: CredentialSource): Promise<PlainResponse> {
    if (!APP_ID.test(appId)) throw new DashboardError('not_found', 'No such application.');
    const found = appOf(await this.#snapshot(source), appId);
    if (!found) throw new DashboardError('not_found', 'The inventory knows no application with this id.');
    const now = this.#options.clock();
    const [history, usage] = await Promise.all([
      this.#history(found.app.appId, now),
      this.#options.sources.usage(found.app.appId),
    ]);
    return json({ ...found, history, usage: usagePerDay(usage, now) });
  }

  /** The app's audit records of the last year, newest first (empty while the audit trail is not configured). */
  async #history(appId: string, now: number) {
    const audit = this.#options.sources.audit();
    if (!audit.ok) return [];
    const query = parseAuditQuery(
      new URLSearchParams({
        appId,
        from: new Date(now - HISTORY_DAYS * 86_400_000).toISOString(),
        to: new Date(now).toISOString(),
        pageSize: '1000',
      }),
      new Date(now),
    );
    if ('status' in query) return [];
    const page = await queryAudit(audit.value.store, query);
    return 'status' in page ? [] : page.items;
  }

  async #audit(query: URLSearchParams): Promise<PlainResponse> {
    for (const name of query.keys())
      if (!AUDIT_PARAMS.has(name))
        throw new DashboardError(
          'bad_request',
          `Unknown parameter ${name.slice(0, 40)}; use ${[...AUDIT_PARAMS].join(', ')}.`,
        );
    const audit = this.#options.sources.audit();
    if (!audit.ok) return audit.response;
    const params = new URLSearchParams(query);
    if (!params.has('pageSize')) params.set('pageSize', '50');
    return auditQueryResponse(audit.value.store, params, audit.value.now());
  }

  #snapshot(source: CredentialSource): Promise<CredentialItem[]> {
    const now = this.#options.clock();
    if (!this.#items || now - this.#items.at > ITEMS_TTL_MS) {
      const items = source.items();
      this.#items = { at: now, items };
      items.catch(() => {
        if (this.#items?.items === items) this.#items = undefined;
      });
    }
    return this.#items.items;
  }
}
