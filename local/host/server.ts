import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResponseInit, Timer } from '@azure/functions';
import type { GridEvent } from '../../shared/platform/events.js';
import { PROBLEM_CONTENT_TYPE, titleFor } from '../../shared/platform/problem.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  type EventGridDefinition,
  type FunctionDefinition,
  type HttpDefinition,
  type TimerDefinition,
} from '../../shared/platform/registry.js';
import { HttpRequest, type HttpResponse, InvocationContext } from '../../shared/platform/sdk.js';
import { BodyTooLargeError, readBody } from '../http-body.js';
import { parseEventGridRequest } from './eventgrid.js';
import { type HostKeys, isAuthorized, isSystemKey } from './keys.js';
import { toWireResponse } from './response.js';
import { type CompiledRoute, compareRoutes, compileRoute } from './routes.js';
import { TimerRunner } from './timers.js';

export interface HostOptions {
  functions: FunctionDefinition[];
  keys: HostKeys;
  /** 7071 by default, as the func CLI; 0 picks a free port. */
  port?: number;
  hostname?: string;
  /** host.json `extensions.http.routePrefix`; `api` by default. */
  routePrefix?: string;
  maxBodyBytes?: number;
  /** Start timer schedules (tests that only exercise HTTP may turn them off). */
  timers?: boolean;
  log?: (line: string) => void;
  env?: Record<string, string | undefined>;
}

export interface RunningHost {
  url: string;
  port: number;
  /** The webhook URL an Event Grid subscription would use for a function, system key included. */
  eventGridUrl(functionName: string): string;
  timer(name: string): TimerRunner | undefined;
  close(): Promise<void>;
}

export class PortInUseError extends Error {}

function sendProblem(
  res: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
) {
  const body = JSON.stringify({ type: 'about:blank', title: titleFor(status), status, detail });
  res.writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, ...headers });
  res.end(body);
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

interface Route {
  definition: HttpDefinition;
  compiled: CompiledRoute;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const env = options.env ?? process.env;
  const prefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const keys = options.keys;

  const routes: Route[] = options.functions
    .filter((d): d is HttpDefinition => d.kind === 'http')
    .map((definition) => ({ definition, compiled: compileRoute(definition.route) }))
    .sort((a, b) => compareRoutes(a.compiled, b.compiled));
  const byName = new Map(options.functions.map((d) => [d.name.toLowerCase(), d]));

  function newContext(definition: FunctionDefinition, triggerType: string, triggerName: string) {
    const invocationId = randomUUID();
    return new InvocationContext({
      invocationId,
      functionName: definition.name,
      logHandler: (level, ...args) => {
        const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
        log(`[${new Date().toISOString()}] ${definition.name} ${level}: ${text}`);
      },
      options: { trigger: { type: triggerType, name: triggerName } },
    });
  }

  async function invoke<T>(
    definition: FunctionDefinition,
    reason: string,
    context: InvocationContext,
    run: () => Promise<T>,
  ) {
    const started = performance.now();
    log(
      `[${new Date().toISOString()}] Executing 'Functions.${definition.name}' (Reason='${reason}', Id=${context.invocationId})`,
    );
    let outcome = 'Succeeded';
    try {
      return await run();
    } catch (error) {
      outcome = 'Failed';
      log(
        `[${new Date().toISOString()}] ${definition.name} error: ${(error as Error)?.stack ?? String(error)}`,
      );
      throw error;
    } finally {
      const ms = Math.round(performance.now() - started);
      log(
        `[${new Date().toISOString()}] Executed 'Functions.${definition.name}' (${outcome}, Id=${context.invocationId}, Duration=${ms}ms)`,
      );
    }
  }

  async function runTimer(definition: TimerDefinition, timer: Timer): Promise<void> {
    const context = newContext(definition, 'timerTrigger', 'timer');
    const reason = timer.isPastDue ? 'Timer fired (past due)' : 'Timer fired';
    await invoke(definition, reason, context, async () => definition.handler(timer, context)).catch(() => {
      // A failed timer run is logged and not retried, as the host does; the next occurrence runs as usual.
    });
  }

  const timers = new Map<string, TimerRunner>();
  for (const definition of options.functions) {
    if (definition.kind === 'timer')
      timers.set(definition.name.toLowerCase(), new TimerRunner(definition, runTimer, env));
  }

  async function handleHttp(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, path: string) {
    const method = (req.method ?? 'GET').toUpperCase();
    // Routes are in precedence order: the first that matches the path and allows the method wins.
    let match: { route: Route; params: Record<string, string> } | undefined;
    const allowed = new Set<string>();
    const slash = path.indexOf('/');
    const first = (slash === -1 ? path : path.slice(0, slash)).toLowerCase();
    for (const route of routes) {
      if (route.compiled.firstLiteral !== undefined && route.compiled.firstLiteral !== first) continue;
      const params = route.compiled.match(path);
      if (!params) continue;
      if (route.definition.methods.includes(method as never)) {
        match = { route, params };
        break;
      }
      for (const m of route.definition.methods) allowed.add(m);
    }
    if (!match && allowed.size === 0) return sendProblem(res, 404, 'No function matches this route.');
    if (!match) {
      return sendProblem(res, 405, `Method ${method} is not allowed here.`, {
        allow: [...allowed].join(', '),
      });
    }
    const { definition } = match.route;
    const presented = req.headers['x-functions-key']?.toString() ?? url.searchParams.get('code') ?? undefined;
    if (!isAuthorized(definition.authLevel, definition.name, presented, keys)) {
      return sendProblem(
        res,
        401,
        `This function needs a ${definition.authLevel === 'admin' ? 'master' : 'function'} key.`,
      );
    }
    const context = newContext(definition, 'httpTrigger', 'request');
    const hasBody = body.length > 0 && method !== 'GET' && method !== 'HEAD';
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      query: Object.fromEntries(url.searchParams),
      params: match.params,
      ...(hasBody ? { body: { bytes: body } } : {}),
    });
    let result: HttpResponseInit | HttpResponse | undefined;
    try {
      result = await invoke(
        definition,
        'This function was programmatically called via the host APIs.',
        context,
        async () => definition.handler(request, context),
      );
    } catch {
      return sendProblem(res, 500, `The function failed (invocation ${context.invocationId}).`);
    }
    await writeResponse(res, result);
  }

  async function writeResponse(res: ServerResponse, result: HttpResponseInit | HttpResponse | undefined) {
    const { status, headers, body } = await toWireResponse(result);
    // The body is fully buffered, so it goes out with Content-Length, as the Functions host sends
    // buffered responses, rather than chunked transfer encoding.
    if (status !== 204 && status !== 304) headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    res.end(body);
  }

  async function handleAdminRun(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: Buffer,
    name: string,
  ) {
    const presented = req.headers['x-functions-key']?.toString() ?? url.searchParams.get('code') ?? undefined;
    if (!isAuthorized('admin', name, presented, keys))
      return sendProblem(res, 401, 'Admin endpoints need the master key.');
    if (req.method !== 'POST') return sendProblem(res, 405, 'Use POST.', { allow: 'POST' });
    const definition = byName.get(name.toLowerCase());
    if (!definition || definition.kind === 'http')
      return sendProblem(res, 404, `No non-HTTP function named "${name}".`);
    let input: unknown = '';
    if (body.length > 0) {
      try {
        input = (JSON.parse(body.toString('utf8')) as { input?: unknown }).input ?? '';
      } catch {
        return sendProblem(res, 400, 'The body must be JSON like {"input": "..."}.');
      }
    }
    // "Manually run a non HTTP-triggered function" (Microsoft Learn): the host accepts and answers 202.
    if (definition.kind === 'timer') {
      void timers.get(definition.name.toLowerCase())?.run(false);
    } else {
      // An Event Grid function gets its event(s) as JSON text in `input`, checked like the webhook's.
      const parsed = parseEventGridRequest(
        'Notification',
        typeof input === 'string' ? input : JSON.stringify(input),
      );
      if (parsed.kind !== 'notification') {
        return sendProblem(
          res,
          400,
          `"input" must hold an Event Grid or CloudEvents event: ${parsed.kind === 'invalid' ? parsed.detail : ''}`,
        );
      }
      void deliverEvents(definition, parsed.events).catch(() => undefined);
    }
    res.writeHead(202);
    res.end();
  }

  async function deliverEvents(definition: EventGridDefinition, events: GridEvent[]): Promise<void> {
    for (const event of events) {
      const context = newContext(definition, 'eventGridTrigger', 'event');
      await invoke(definition, 'EventGrid trigger fired', context, async () =>
        definition.handler(event, context),
      );
    }
  }

  async function handleEventGrid(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) {
    const name = url.searchParams.get('functionName') ?? '';
    const presented = req.headers['x-functions-key']?.toString() ?? url.searchParams.get('code') ?? undefined;
    if (!isSystemKey('eventgrid_extension', presented, keys)) {
      return sendProblem(
        res,
        401,
        'The Event Grid webhook needs the eventgrid_extension system key (code=...).',
      );
    }
    const definition = byName.get(name.toLowerCase());
    if (definition?.kind !== 'eventGrid')
      return sendProblem(res, 404, `No Event Grid function named "${name}".`);
    // CloudEvents abuse-protection handshake: OPTIONS with WebHook-Request-Origin.
    if (req.method === 'OPTIONS') {
      const origin = req.headers['webhook-request-origin']?.toString();
      if (!origin) return sendProblem(res, 400, 'Missing WebHook-Request-Origin header.');
      res.writeHead(200, { 'webhook-allowed-origin': origin, allow: 'POST' });
      return res.end();
    }
    if (req.method !== 'POST') return sendProblem(res, 405, 'Use POST.', { allow: 'POST, OPTIONS' });
    const parsed = parseEventGridRequest(
      req.headers['aeg-event-type']?.toString() ?? null,
      body.toString('utf8'),
    );
    if (parsed.kind === 'invalid') return sendProblem(res, parsed.status, parsed.detail);
    if (parsed.kind === 'validation') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ validationResponse: parsed.validationCode }));
    }
    try {
      await deliverEvents(definition, parsed.events);
    } catch {
      // One failed event fails the batch, and Event Grid re-sends all of it.
      return sendProblem(res, 500, 'At least one event failed; the batch should be retried.');
    }
    res.writeHead(202);
    res.end();
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      let body: Buffer;
      try {
        body = await readBody(req, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          return sendProblem(res, 413, `The request body is larger than ${maxBodyBytes} bytes.`);
        }
        throw error;
      }
      const path = url.pathname;
      const admin = /^\/admin\/functions\/([^/]+)\/?$/i.exec(path);
      if (admin) return await handleAdminRun(req, res, url, body, decodeURIComponent(admin[1] ?? ''));
      if (/^\/runtime\/webhooks\/eventgrid\/?$/i.test(path))
        return await handleEventGrid(req, res, url, body);
      const prefixMatch =
        prefix === ''
          ? path
          : path.toLowerCase().startsWith(`/${prefix.toLowerCase()}/`)
            ? path.slice(prefix.length + 1)
            : undefined;
      if (prefixMatch === undefined) return sendProblem(res, 404, 'Not found.');
      return await handleHttp(req, res, url, body, prefixMatch.replace(/^\/+/, ''));
    } catch (error) {
      log(`[${new Date().toISOString()}] host error: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) sendProblem(res, 500, 'The host failed to process the request.');
      else res.end();
    }
  });

  const requestedPort = options.port ?? 7071;
  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new PortInUseError(
            `Port ${requestedPort} is already in use. Set Host.LocalHttpPort in local.settings.json or pass --port <n>.`,
          ),
        );
      } else reject(error);
    });
    server.listen(requestedPort, hostname, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${hostname}:${port}`;
  if (options.timers !== false) for (const runner of timers.values()) runner.start();

  return {
    url,
    port,
    eventGridUrl: (functionName) =>
      `${url}/runtime/webhooks/EventGrid?functionName=${encodeURIComponent(functionName)}&code=${encodeURIComponent(keys.system.eventgrid_extension ?? keys.master)}`,
    timer: (name) => timers.get(name.toLowerCase()),
    async close() {
      for (const runner of timers.values()) runner.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...timers.values()].map((runner) => runner.idle()));
    },
  };
}
