import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { CrashSwitch } from '../crash-switch.js';
import type { CredentialActivity } from '../directory/credential-activity.js';
import type { Application, Directory } from '../directory/directory.js';
import type { Counters } from '../entra/counters.js';
import { BodyTooLargeError, readBody } from '../http-body.js';
import type { ServerCertificate } from '../tls/ca.js';
import { authenticate, type GraphCaller, PERMISSIONS, requireAny } from './auth.js';
import { GraphError, graphErrorBody, graphErrors } from './errors.js';
import { FaultPlan, type GraphFaultMode, type GraphFaultOptions } from './faults.js';
import { addKey, removeKey, replaceKeys } from './key-writes.js';
import { parseEqFilter, parseSelect, parseTop, project, rejectUnknownOptions } from './odata.js';
import { decodeToken, encodeToken, type PageToken, pageOf } from './paging.js';
import {
  APPLICATION_PROPERTIES,
  APPLICATION_TYPE,
  applicationResource,
  ownerResource,
  SIGN_IN_ACTIVITY_PROPERTIES,
  signInActivityResource,
} from './shapes.js';
import { SlidingWindow } from './throttle.js';
import { addPassword, type LifetimePolicy, parseWriteBody, removePassword, requireWrite } from './writes.js';

/**
 * HTTPS front of the Microsoft Graph stand-in, over the shared directory. It serves the reads a
 * credential inventory makes, with Graph's shapes, paging and errors (each route cites its
 * reference page), behind Graph's bearer-token check. The contract for tests is local/README.md.
 */
export interface GraphServerOptions {
  directory: Directory;
  activity: CredentialActivity;
  certificate: ServerCertificate;
  counters: Counters;
  /** Issuers a Graph token may carry (the tenant's v1 and v2 issuers). */
  issuers: string[];
  /** The Entra stand-in's currently published keys (followed through rotation). */
  publishedKeys: () => JWK[];
  port?: number;
  clock?: () => number;
  random?: () => number;
}

export type ReportsMode = 'ok' | 'unlicensed';

export interface GraphControls {
  /** Faults for every Graph request (test controls; see local/graph/faults.ts). */
  setFaults(mode: GraphFaultMode, options?: GraphFaultOptions): void;
  /** `unlicensed`: the reports API answers as in a tenant without Entra ID P1/P2. */
  setReports(mode: ReportsMode): void;
  /** A tenant policy capping secret lifetimes (addPassword then refuses longer ones); null: none. */
  setLifetimePolicy(policy: LifetimePolicy | null): void;
  /** Drop the connection after the next `count` calls of a write, once carried out (local/crash-switch.ts). */
  crashAfter(operation: GraphWrite, count?: number): void;
  reset(): void;
}

export interface RunningGraph {
  /** `https://127.0.0.1:<port>` (a client's base URL, as `https://graph.microsoft.com`). */
  url: string;
  controls: GraphControls;
  close(): Promise<void>;
}

/** Page size when `$top` is absent: 100 for directory objects ("Paging Microsoft Graph data"). */
const DEFAULT_PAGE_SIZE = 100;
const MAX_CONTROL_BODY = 16 * 1024;
const VERSIONS = ['v1.0', 'beta'];
const COLLECTION_OPTIONS = ['$select', '$top', '$skiptoken'];
/** "Microsoft Graph service-specific throttling limits", identity and access reports. */
const REPORTS_LIMIT = { requests: 5, windowMs: 10_000 };

export const GRAPH_WRITES = [
  'addPassword',
  'removePassword',
  'addKey',
  'removeKey',
  'updateApplication',
] as const;
export type GraphWrite = (typeof GRAPH_WRITES)[number];
type Route = 'ownedObjects' | 'application' | 'owners' | 'delta' | 'signInActivity' | GraphWrite | 'other';
/** Write bodies are small JSON objects (a password credential, a key id). */
const MAX_WRITE_BODY = 64 * 1024;

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

function isLoopback(req: IncomingMessage): boolean {
  const address = req.socket.remoteAddress ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** `applications(appId='…')` ("Get application": the alternate key form). */
function alternateKey(segment: string): string | undefined {
  const match = /^applications\(appId='((?:[^']|'')*)'\)$/i.exec(segment);
  return match ? (match[1] ?? '').replaceAll("''", "'") : undefined;
}

export async function startGraph(options: GraphServerOptions): Promise<RunningGraph> {
  const { directory, activity, counters } = options;
  const clock = options.clock ?? (() => Date.now());
  const faults = new FaultPlan(options.random);
  const reportsWindow = new SlidingWindow(REPORTS_LIMIT.requests, REPORTS_LIMIT.windowMs, clock);
  const hanging = new Set<ServerResponse>();
  const crash = new CrashSwitch<GraphWrite>(GRAPH_WRITES);
  let lifetimePolicy: LifetimePolicy | undefined;
  let reportsMode: ReportsMode = 'ok';
  let base = '';

  const tokenCheck = { issuers: options.issuers, publishedKeys: options.publishedKeys };

  function collection(
    version: string,
    path: string,
    context: string,
    values: unknown[],
    next: { token: PageToken; query: string } | undefined,
    extra: Record<string, unknown> = {},
  ): Answer {
    return {
      status: 200,
      body: {
        '@odata.context': `${base}/${version}/$metadata#${context}`,
        ...(next
          ? {
              '@odata.nextLink': `${base}/${version}/${path}?${next.query}$skiptoken=${encodeToken(next.token)}`,
            }
          : {}),
        ...extra,
        value: values,
      },
    };
  }

  /** `$top`/`$select` echoed into a next link as the client sent them (it follows it verbatim). */
  function linkQuery(top: number | undefined, select: string[] | undefined, extra = ''): string {
    return `${top === undefined ? '' : `$top=${top}&`}${select ? `$select=${select.join(',')}&` : ''}${extra}`;
  }

  function applicationQuery(query: URLSearchParams) {
    return parseSelect(query.get('$select'), APPLICATION_PROPERTIES, APPLICATION_TYPE);
  }

  function findApplication(segment: string, id: string | undefined): Application {
    const appId = alternateKey(segment);
    const app = appId !== undefined ? directory.find(appId) : directory.findByObjectId(id ?? '');
    if (!app) throw graphErrors.notFound(appId ?? id ?? '');
    return app;
  }

  /**
   * "servicePrincipal: List ownedObjects" (`GET /servicePrincipals/{id}/ownedObjects`, and the
   * `/microsoft.graph.application` cast): `$select`, `$top` and server-driven paging. Application
   * permission: Application.Read.All or Application.ReadWrite.OwnedBy. Here OwnedBy alone may read
   * only the caller's own service principal's objects (it manages only what it owns); another
   * principal's owned objects need Application.Read.All (or a higher permission).
   */
  function ownedObjects(
    caller: GraphCaller,
    version: string,
    spId: string,
    cast: boolean,
    query: URLSearchParams,
  ): Answer {
    requireAny(caller, PERMISSIONS.applicationRead);
    const ownedByOnly = !caller.roles.some(
      (role) =>
        role !== 'Application.ReadWrite.OwnedBy' &&
        (PERMISSIONS.applicationRead as readonly string[]).includes(role),
    );
    const owner = directory.findByServicePrincipalId(spId);
    if (!owner) throw graphErrors.notFound(spId);
    if (ownedByOnly && owner.servicePrincipalId.toLowerCase() !== caller.servicePrincipalId.toLowerCase())
      throw graphErrors.denied();
    rejectUnknownOptions(query, COLLECTION_OPTIONS);
    const select = applicationQuery(query);
    const top = query.has('$top') ? parseTop(query.get('$top'), DEFAULT_PAGE_SIZE) : undefined;
    const token = query.has('$skiptoken') ? decodeToken(query.get('$skiptoken') ?? '') : {};
    const page = pageOf(
      directory.ownedBy(owner.servicePrincipalId),
      (app) => app.id,
      top ?? DEFAULT_PAGE_SIZE,
      token.after,
    );
    const path = `servicePrincipals/${spId}/ownedObjects${cast ? `/${APPLICATION_TYPE}` : ''}`;
    return collection(
      version,
      path,
      cast ? 'applications' : 'directoryObjects',
      page.items.map((app) =>
        project({ '@odata.type': `#${APPLICATION_TYPE}`, ...applicationResource(app) }, select, [
          '@odata.type',
        ]),
      ),
      page.next ? { token: { after: page.next }, query: linkQuery(top, select) } : undefined,
    );
  }

  /**
   * "Get application" (`GET /applications/{id}`, `GET /applications(appId='{appId}')`). `key` of
   * keyCredentials only with `$select=keyCredentials` on this single-object read.
   */
  function application(
    caller: GraphCaller,
    version: string,
    app: Application,
    query: URLSearchParams,
  ): Answer {
    requireAny(caller, PERMISSIONS.applicationRead);
    rejectUnknownOptions(query, ['$select']);
    const select = applicationQuery(query);
    const resource = applicationResource(app, { withKey: select?.includes('keyCredentials') === true });
    return {
      status: 200,
      body: {
        '@odata.context': `${base}/${version}/$metadata#applications/$entity`,
        ...project(resource, select),
      },
    };
  }

  /** "List owners of an application" (`GET /applications/{id}/owners`): directoryObjects, paged. */
  function owners(
    caller: GraphCaller,
    version: string,
    segment: string,
    app: Application,
    query: URLSearchParams,
  ): Answer {
    requireAny(caller, PERMISSIONS.applicationRead);
    rejectUnknownOptions(query, ['$top', '$skiptoken']);
    const top = query.has('$top') ? parseTop(query.get('$top'), DEFAULT_PAGE_SIZE) : undefined;
    const token = query.has('$skiptoken') ? decodeToken(query.get('$skiptoken') ?? '') : {};
    const page = pageOf(app.owners, (id) => id, top ?? DEFAULT_PAGE_SIZE, token.after);
    const path = alternateKey(segment) === undefined ? `applications/${app.id}/owners` : `${segment}/owners`;
    return collection(
      version,
      path,
      'directoryObjects',
      page.items.map((id) => ownerResource(directory, id)),
      page.next ? { token: { after: page.next }, query: linkQuery(top, undefined) } : undefined,
    );
  }

  /**
   * "application: delta" (`GET /applications/delta`): the first round pages through every
   * application (`@odata.nextLink`), its last page carries `@odata.deltaLink`; following that link
   * returns what changed since, removed applications as `{ id, "@removed": { reason: "changed" } }`
   * (a deleted application goes to the recycle bin first, which Graph reports as `changed`).
   */
  function delta(caller: GraphCaller, version: string, query: URLSearchParams): Answer {
    requireAny(caller, PERMISSIONS.applicationRead);
    rejectUnknownOptions(query, [...COLLECTION_OPTIONS, '$deltatoken']);
    const select = applicationQuery(query);
    const top = query.has('$top') ? parseTop(query.get('$top'), DEFAULT_PAGE_SIZE) : undefined;
    let token: PageToken = {};
    if (query.has('$skiptoken')) token = decodeToken(query.get('$skiptoken') ?? '');
    else if (query.has('$deltatoken'))
      token = { since: decodeToken(query.get('$deltatoken') ?? '').since ?? 0 };
    // No `since`: the first round, every application.
    const { since } = token;
    const until = token.until ?? directory.changeSequence;
    const changes =
      since === undefined
        ? { changed: directory.applications(), removed: [] }
        : directory.changesSince(since);
    const entries: { id: string; value: Record<string, unknown> }[] = [
      ...changes.changed.map((app) => ({ id: app.id, value: project(applicationResource(app), select) })),
      ...changes.removed.map((id) => ({ id, value: { id, '@removed': { reason: 'changed' } } })),
    ];
    const page = pageOf(entries, (entry) => entry.id, top ?? DEFAULT_PAGE_SIZE, token.after);
    const values = page.items.map((entry) => entry.value);
    if (page.next)
      return collection(version, 'applications/delta', 'applications', values, {
        token: { after: page.next, ...(since === undefined ? {} : { since }), until },
        query: linkQuery(top, select),
      });
    const deltaLink = `${base}/${version}/applications/delta?${linkQuery(undefined, select)}$deltatoken=${encodeToken({ since: until })}`;
    return collection(version, 'applications/delta', 'applications', values, undefined, {
      '@odata.deltaLink': deltaLink,
    });
  }

  /**
   * beta "List appCredentialSignInActivities" (`GET /beta/reports/appCredentialSignInActivities`,
   * `$filter` on appId or keyId, `$top`): one entry per credential with a recorded sign-in.
   * AuditLog.Read.All; the tenant needs Entra ID P1/P2; the reports API allows 5 requests per
   * 10 s per app ("Microsoft Graph service-specific throttling limits").
   */
  function signInActivities(caller: GraphCaller, version: string, query: URLSearchParams): Answer {
    requireAny(caller, PERMISSIONS.credentialActivity);
    if (reportsMode === 'unlicensed')
      throw new GraphError(
        403,
        'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
        "Neither tenant is B2C or tenant doesn't have premium license",
      );
    const admission = reportsWindow.take(`${directory.tenantId}/${caller.appId}`);
    if (!admission.ok) throw graphErrors.throttled({ 'retry-after': String(admission.retryAfterSeconds) });
    rejectUnknownOptions(query, ['$filter', '$top', '$skiptoken']);
    const rawFilter = query.get('$filter');
    const filter = parseEqFilter(rawFilter, ['appId', 'keyId']);
    const top = query.has('$top') ? parseTop(query.get('$top'), DEFAULT_PAGE_SIZE) : undefined;
    const token = query.has('$skiptoken') ? decodeToken(query.get('$skiptoken') ?? '') : {};
    const uses = activity
      .all()
      .filter(
        (use) =>
          !filter || use[filter.property as 'appId' | 'keyId'].toLowerCase() === filter.value.toLowerCase(),
      );
    const page = pageOf(uses, (use) => use.keyId, top ?? DEFAULT_PAGE_SIZE, token.after);
    const values = page.items.map((use) =>
      project(signInActivityResource(directory, use), undefined, SIGN_IN_ACTIVITY_PROPERTIES),
    );
    const extra = rawFilter === null ? '' : `$filter=${encodeURIComponent(rawFilter)}&`;
    return collection(
      version,
      'reports/appCredentialSignInActivities',
      'reports/appCredentialSignInActivities',
      values,
      page.next ? { token: { after: page.next }, query: `${linkQuery(top, undefined)}${extra}` } : undefined,
    );
  }

  async function route(req: IncomingMessage, url: URL, setRoute: (r: Route) => void): Promise<Answer> {
    const segments = url.pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    const [version, first, second, third, fourth, ...rest] = segments;
    if (!version || !VERSIONS.includes(version)) throw graphErrors.noSegment(version ?? '');
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'PATCH')
      throw graphErrors.methodNotAllowed();
    const caller = await authenticate(req.headers.authorization, tokenCheck);
    const query = url.searchParams;
    if (rest.length > 0) throw graphErrors.noSegment(rest[0] ?? '');
    const post = req.method === 'POST';
    const patch = req.method === 'PATCH';

    if (first === 'servicePrincipals' && second && third === 'ownedObjects') {
      if (fourth !== undefined && fourth !== APPLICATION_TYPE) throw graphErrors.noSegment(fourth);
      setRoute('ownedObjects');
      return ownedObjects(caller, version, second, fourth !== undefined, query);
    }
    if (first === 'applications' && (second === 'delta' || second === 'delta()') && third === undefined) {
      setRoute('delta');
      return delta(caller, version, query);
    }
    if (first && (first === 'applications' || alternateKey(first) !== undefined)) {
      const keyed = alternateKey(first) !== undefined;
      const id = keyed ? undefined : second;
      const sub = keyed ? second : third;
      if ((keyed && third !== undefined) || (!keyed && fourth !== undefined))
        throw graphErrors.noSegment((keyed ? third : fourth) ?? '');
      if (!keyed && id === undefined)
        throw graphErrors.badRequest(
          'The local Graph stand-in does not list all applications; use servicePrincipals/{id}/ownedObjects.',
        );
      if (post && (sub === 'addPassword' || sub === 'removePassword')) {
        setRoute(sub);
        const app = findApplication(first, id);
        requireWrite(caller, app);
        const body = (await readBody(req, MAX_WRITE_BODY)).toString('utf8');
        if (sub === 'removePassword') {
          removePassword(directory, app, body);
          return { status: 204, body: undefined };
        }
        return {
          status: 200,
          body: {
            '@odata.context': `${base}/${version}/$metadata#microsoft.graph.passwordCredential`,
            ...addPassword(directory, app, body, lifetimePolicy),
          },
        };
      }
      if ((post && (sub === 'addKey' || sub === 'removeKey')) || (patch && sub === undefined)) {
        const operation = patch ? 'updateApplication' : (sub as 'addKey' | 'removeKey');
        setRoute(operation);
        const app = findApplication(first, id);
        requireWrite(caller, app);
        const body = parseWriteBody((await readBody(req, MAX_WRITE_BODY)).toString('utf8'));
        if (operation === 'updateApplication') {
          replaceKeys(directory, app, body);
          return { status: 204, body: undefined };
        }
        if (operation === 'removeKey') {
          await removeKey(directory, app, body);
          return { status: 204, body: undefined };
        }
        return {
          status: 200,
          body: {
            '@odata.context': `${base}/${version}/$metadata#microsoft.graph.keyCredential`,
            ...(await addKey(directory, app, body)),
          },
        };
      }
      if (post || patch) throw graphErrors.methodNotAllowed();
      if (sub === undefined) {
        setRoute('application');
        return application(caller, version, findApplication(first, id), query);
      }
      if (sub === 'owners') {
        setRoute('owners');
        return owners(caller, version, first, findApplication(first, id), query);
      }
      throw graphErrors.noSegment(sub);
    }
    if (version === 'beta' && first === 'reports' && second === 'appCredentialSignInActivities' && !third) {
      setRoute('signInActivity');
      return signInActivities(caller, version, query);
    }
    if (post || patch) throw graphErrors.methodNotAllowed();
    throw graphErrors.noSegment(first ?? version);
  }

  function send(res: ServerResponse, requestId: string, clientRequestId: string, answer: Answer) {
    res.writeHead(answer.status, {
      'content-type':
        'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
      'request-id': requestId,
      'client-request-id': clientRequestId,
      ...answer.headers,
    });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  function errorAnswer(error: GraphError, requestId: string, clientRequestId: string): Answer {
    const headers: Record<string, string> = { ...error.headers };
    // "Microsoft Graph authorization errors": 401s carry a Bearer challenge.
    if (error.status === 401)
      headers['www-authenticate'] =
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';
    return { status: error.status, body: graphErrorBody(error, requestId, clientRequestId), headers };
  }

  const controls: GraphControls = {
    setFaults(mode, faultOptions) {
      faults.set(mode, faultOptions);
      if (mode !== 'hang') releaseHanging();
    },
    setReports(mode) {
      if (mode !== 'ok' && mode !== 'unlicensed') throw new Error('reports mode must be ok or unlicensed');
      reportsMode = mode;
    },
    setLifetimePolicy(policy) {
      if (policy !== null) {
        const days = policy.maxSecretLifetimeDays;
        if (typeof policy.id !== 'string' || policy.id === '' || !(Number.isInteger(days) && days >= 1))
          throw new Error('a lifetime policy needs an id and maxSecretLifetimeDays (whole days, at least 1)');
      }
      lifetimePolicy = policy ?? undefined;
    },
    crashAfter(operation, count) {
      crash.arm(operation, count);
    },
    reset() {
      faults.set('ok');
      crash.reset();
      lifetimePolicy = undefined;
      reportsMode = 'ok';
      releaseHanging();
    },
  };

  async function control(req: IncomingMessage, path: string): Promise<Answer> {
    // Test-only controls ("test controls" in local/README.md); never part of the product.
    const reply = (status: number, body: unknown): Answer => ({ status, body });
    if (req.method !== 'POST') return reply(405, { error: 'use POST' });
    let json: Record<string, unknown>;
    try {
      const raw = (await readBody(req, MAX_CONTROL_BODY)).toString('utf8');
      json = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch (error) {
      return reply(error instanceof BodyTooLargeError ? 413 : 400, {
        error: 'body must be a small JSON object',
      });
    }
    try {
      if (path === '/faults') {
        const { mode = 'ok', ...rest } = json;
        controls.setFaults(String(mode) as GraphFaultMode, rest as GraphFaultOptions);
        return reply(200, { mode });
      }
      if (path === '/reports') {
        controls.setReports(String(json.mode ?? 'ok') as ReportsMode);
        return reply(200, { mode: json.mode ?? 'ok' });
      }
      if (path === '/lifetime-policy') {
        controls.setLifetimePolicy(json.id === undefined ? null : (json as unknown as LifetimePolicy));
        return reply(200, {});
      }
      if (path === '/crash') {
        controls.crashAfter(
          String(json.operation) as GraphWrite,
          json.count === undefined ? 1 : Number(json.count),
        );
        return reply(200, {});
      }
      if (path === '/reset') {
        controls.reset();
        return reply(200, {});
      }
      return reply(404, { error: `no control at ${path}` });
    } catch (error) {
      return reply(400, { error: (error as Error).message });
    }
  }

  function releaseHanging() {
    for (const res of hanging) res.destroy();
    hanging.clear();
  }

  const server: Server = createServer(
    { cert: options.certificate.certPem, key: options.certificate.keyPem },
    async (req, res) => {
      const requestId = randomUUID();
      const clientRequestId = String(req.headers['client-request-id'] ?? requestId).slice(0, 100);
      let routeName: Route = 'other';
      try {
        const url = new URL(req.url ?? '/', 'https://localhost');
        if (url.pathname.startsWith('/_test')) {
          if (!isLoopback(req))
            return send(res, requestId, clientRequestId, {
              status: 403,
              body: { error: 'forbidden', error_description: 'Test controls answer loopback callers only.' },
            });
          return send(
            res,
            requestId,
            clientRequestId,
            await control(req, url.pathname.slice('/_test'.length)),
          );
        }
        const write = req.method === 'POST' || req.method === 'PATCH';
        if (!write) req.resume();
        const fault = faults.next(write);
        if (fault.kind === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        if (fault.kind !== 'none') {
          const headers: Record<string, string> =
            fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
          throw fault.kind === 'throttle' ? graphErrors.throttled(headers) : graphErrors.unavailable(headers);
        }
        const answer = await route(req, url, (r) => {
          routeName = r;
        });
        counters.recordGraph(routeName, answer.status);
        if (answer.status < 300 && crash.fires(routeName)) {
          // The write is done; the caller never hears of it (the crash switch).
          res.destroy();
          return;
        }
        send(res, requestId, clientRequestId, answer);
      } catch (error) {
        const graphError =
          error instanceof GraphError
            ? error
            : error instanceof URIError
              ? graphErrors.badRequest('The request URI is not valid.')
              : new GraphError(500, 'generalException', 'The local Graph stand-in failed.');
        counters.recordGraph(routeName, graphError.status);
        if (!res.headersSent)
          send(res, requestId, clientRequestId, errorAnswer(graphError, requestId, clientRequestId));
        else res.end();
      }
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    controls,
    async close() {
      releaseHanging();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
