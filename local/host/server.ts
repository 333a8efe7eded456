import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAX_BODY_BYTES, type FunctionDefinition } from '../../shared/platform/registry.js';
import { BodyTooLargeError, readBody } from '../http-body.js';
import { adminRun } from './admin.js';
import { eventGridWebhook } from './eventgrid-webhook.js';
import { httpFunctions } from './http.js';
import { Invocations } from './invocation.js';
import type { HostKeys } from './keys.js';
import { sendProblem } from './response.js';
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

const ADMIN_PATH = /^\/admin\/functions\/([^/]+)\/?$/i;
const EVENT_GRID_PATH = /^\/runtime\/webhooks\/eventgrid\/?$/i;

/** The path under the route prefix (no leading slash), or undefined outside it. */
function underPrefix(path: string, prefix: string): string | undefined {
  if (prefix === '') return path.replace(/^\/+/, '');
  if (!path.toLowerCase().startsWith(`/${prefix.toLowerCase()}/`)) return undefined;
  return path.slice(prefix.length + 1).replace(/^\/+/, '');
}

/** The local Functions host: its three surfaces (HTTP functions, admin runs, the Event Grid webhook) and the timers. */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const log = options.log ?? ((line: string) => console.log(line));
  const prefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { functions, keys } = options;

  const invocations = new Invocations(log);
  const byName = new Map(functions.map((d) => [d.name.toLowerCase(), d]));
  const find = (name: string) => byName.get(name.toLowerCase());
  const timers = new Map<string, TimerRunner>();
  for (const definition of functions) {
    if (definition.kind === 'timer') {
      const runner = new TimerRunner(
        definition,
        (d, t) => invocations.timer(d, t),
        options.env ?? process.env,
      );
      timers.set(definition.name.toLowerCase(), runner);
    }
  }
  const timer = (name: string) => timers.get(name.toLowerCase());

  const http = httpFunctions(functions, keys, invocations);
  const admin = adminRun({ find, timer, keys, invocations });
  const eventGrid = eventGridWebhook({ find, keys, invocations });

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      let body: Buffer;
      try {
        body = await readBody(req, maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          return await sendProblem(res, 413, `The request body is larger than ${maxBodyBytes} bytes.`);
        }
        throw error;
      }
      const incoming = { req, res, url, body };
      const path = url.pathname;
      const adminName = ADMIN_PATH.exec(path)?.[1];
      if (adminName !== undefined) return await admin(incoming, decodeURIComponent(adminName));
      if (EVENT_GRID_PATH.test(path)) return await eventGrid(incoming);
      const routed = underPrefix(path, prefix);
      if (routed === undefined) return await sendProblem(res, 404, 'Not found.');
      return await http(incoming, routed);
    } catch (error) {
      log(`[${new Date().toISOString()}] host error: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent) await sendProblem(res, 500, 'The host failed to process the request.');
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
    timer,
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
