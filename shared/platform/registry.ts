import './telemetry.js';
import { createRequire } from 'node:module';
import type {
  EventGridEvent,
  HttpHandler,
  HttpMethod,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
  Timer,
} from '@azure/functions';
import { loggerFor } from './log.js';
import { errorResponse, problemResponse } from './problem.js';
import { app } from './sdk.js';

/**
 * Registers every function with `@azure/functions` and records its definition, so the local host
 * (local/host) serves exactly the set of functions Azure would.
 */
export type AuthLevel = 'anonymous' | 'function' | 'admin';

/** CloudEvents 1.0 as the Event Grid extension delivers them. */
export interface CloudEvent {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  data?: unknown;
  [attribute: string]: unknown;
}

export type GridEvent = EventGridEvent | CloudEvent;

export type EventGridEventHandler = (event: GridEvent, context: InvocationContext) => Promise<void> | void;
export type TimerFunctionHandler = (timer: Timer, context: InvocationContext) => Promise<void> | void;

export interface HttpDefinition {
  kind: 'http';
  name: string;
  route: string;
  methods: HttpMethod[];
  authLevel: AuthLevel;
  handler: HttpHandler;
}

export interface TimerDefinition {
  kind: 'timer';
  name: string;
  /** NCRONTAB, six fields, UTC; or `%SettingName%` resolved from app settings as the host does. */
  schedule: string;
  runOnStartup: boolean;
  handler: TimerFunctionHandler;
}

export interface EventGridDefinition {
  kind: 'eventGrid';
  name: string;
  handler: EventGridEventHandler;
}

export type FunctionDefinition = HttpDefinition | TimerDefinition | EventGridDefinition;

const definitions = new Map<string, FunctionDefinition>();

/** True only inside the real Functions worker, which provides `@azure/functions-core`. */
const inFunctionsRuntime = (() => {
  try {
    createRequire(import.meta.url).resolve('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
})();

function record(definition: FunctionDefinition): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,127}$/.test(definition.name)) {
    throw new Error(`Invalid function name "${definition.name}": letters, digits, '-' and '_' only.`);
  }
  const clash = [...definitions.keys()].find((name) => name.toLowerCase() === definition.name.toLowerCase());
  if (clash) throw new Error(`Function "${definition.name}" is registered twice.`);
  definitions.set(definition.name, definition);
}

/** Every recorded definition, in registration order. */
export function registeredFunctions(): FunctionDefinition[] {
  return [...definitions.values()];
}

export interface HttpFunctionOptions {
  route?: string;
  methods: HttpMethod[];
  authLevel: AuthLevel;
  handler: HttpHandler;
  /** Largest request body accepted, in bytes; larger ones answer 413. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** `Http__MaxRequestBodyBytes`, or the default when unset or not a positive integer. */
export function maxBodyBytesSetting(env: Record<string, string | undefined> = process.env): number {
  const raw = env.Http__MaxRequestBodyBytes;
  const parsed = raw ? Number(raw) : Number.NaN;
  return Number.isInteger(parsed) && parsed > 0 ? parsed : DEFAULT_MAX_BODY_BYTES;
}

/**
 * Wraps a handler so that a thrown error becomes a problem+json 500 with the invocation id (the
 * stack goes to the log, never to the caller), and an oversize body is refused before it is read.
 */
function guardHttp(options: HttpFunctionOptions): HttpHandler {
  // Read once, when the function registers (app settings are loaded by then), not on every request.
  const limit = options.maxBodyBytes ?? maxBodyBytesSetting();
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const length = Number(request.headers.get('content-length') ?? '0');
    if (length > limit) {
      return problemResponse({
        title: 'Content Too Large',
        status: 413,
        code: 'payload_too_large',
        detail: `The request body is larger than ${limit} bytes.`,
        invocationId: context.invocationId,
      });
    }
    try {
      return await options.handler(request, context);
    } catch (error) {
      loggerFor(context).error('Function failed', { error });
      return errorResponse(error, context.invocationId);
    }
  };
}

export function registerHttp(name: string, options: HttpFunctionOptions): HttpDefinition {
  const definition: HttpDefinition = {
    kind: 'http',
    name,
    route: options.route ?? name,
    methods: options.methods,
    authLevel: options.authLevel,
    handler: guardHttp(options),
  };
  record(definition);
  if (inFunctionsRuntime) {
    app.http(name, {
      route: definition.route,
      methods: definition.methods,
      authLevel: definition.authLevel,
      handler: definition.handler,
    });
  }
  return definition;
}

export function registerTimer(
  name: string,
  options: { schedule: string; runOnStartup?: boolean; handler: TimerFunctionHandler },
): TimerDefinition {
  const definition: TimerDefinition = {
    kind: 'timer',
    name,
    schedule: options.schedule,
    runOnStartup: options.runOnStartup ?? false,
    handler: options.handler,
  };
  record(definition);
  if (inFunctionsRuntime) {
    app.timer(name, {
      schedule: options.schedule,
      runOnStartup: definition.runOnStartup,
      handler: options.handler,
    });
  }
  return definition;
}

export function registerEventGrid(
  name: string,
  options: { handler: EventGridEventHandler },
): EventGridDefinition {
  const definition: EventGridDefinition = { kind: 'eventGrid', name, handler: options.handler };
  record(definition);
  if (inFunctionsRuntime) {
    app.eventGrid(name, {
      handler: options.handler as (event: EventGridEvent, c: InvocationContext) => Promise<void>,
    });
  }
  return definition;
}
