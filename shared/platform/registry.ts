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
import type { GridEvent } from './events.js';
import { consoleLogger, loggerFor } from './log.js';
import { configurationProblem, errorResponse, problemResponse } from './problem.js';
import type { Capability, ReadyRuntime, Runtime } from './runtime.js';
import { app } from './sdk.js';
import { platformSettings } from './settings.js';
import { defaultOf, type Env, settingsReader } from './settings-reader.js';

/**
 * Registers every function with `@azure/functions` and records its definition, so the local host
 * (local/host) serves exactly the set of functions Azure would.
 */
export type AuthLevel = 'anonymous' | 'function' | 'admin';

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

interface HttpBaseOptions {
  route?: string;
  methods: HttpMethod[];
  authLevel: AuthLevel;
  /** Largest request body accepted, in bytes; larger ones answer 413. */
  maxBodyBytes?: number;
}

/** A function of a capability: its handler gets the capability's ready runtime. */
export type CapabilityHttpHandler<R extends Runtime<object>> = (
  request: HttpRequest,
  context: InvocationContext,
  runtime: ReadyRuntime<R>,
) => Promise<HttpResponseInit>;

export type HttpFunctionOptions<R extends Runtime<object> = Runtime<object>> = HttpBaseOptions &
  (
    | { capability?: undefined; handler: HttpHandler }
    | { capability: Capability<R>; handler: CapabilityHttpHandler<R> }
  );

export const DEFAULT_MAX_BODY_BYTES = Number(defaultOf(platformSettings, 'Http__MaxRequestBodyBytes'));

/** `Http__MaxRequestBodyBytes`, or the default when unset or not a positive integer. */
export function maxBodyBytesSetting(env: Env = process.env): number {
  return settingsReader(env, platformSettings).int('Http__MaxRequestBodyBytes', { min: 1 });
}

const started = new WeakSet<Capability<Runtime<object>>>();

/**
 * Builds a capability's runtime when its first function registers, and says once what is wrong with
 * it. Also for a capability a function uses beside its own (the callers guard, shared/callers/http.ts).
 */
export function startCapability<R extends Runtime<object>>(capability: Capability<R>): void {
  if (started.has(capability)) return;
  started.add(capability);
  const runtime = capability.runtime();
  if (!runtime.ok) {
    consoleLogger.error(`${capability.name} settings are invalid; its functions answer 503`, {
      problems: runtime.problems,
    });
  } else if (runtime.warnings && runtime.warnings.length > 0) {
    consoleLogger.warn(`${capability.name} settings are invalid in part`, { problems: runtime.warnings });
  }
}

/** The handler with its capability's runtime, or the 503 problem (logged) when it is not configured. */
function withRuntime<R extends Runtime<object>>(options: HttpFunctionOptions<R>): HttpHandler {
  if (!options.capability) return options.handler;
  const { capability, handler } = options;
  startCapability(capability);
  return async (request, context) => {
    const runtime = capability.runtime();
    if (runtime.ok) return handler(request, context, runtime as ReadyRuntime<R>);
    loggerFor(context).error(`${capability.name} configuration invalid`, { problems: runtime.problems });
    return configurationProblem(capability.name, runtime.problems);
  };
}

/**
 * Wraps a handler so that a thrown error becomes a problem+json 500 with the invocation id (the
 * stack goes to the log, never to the caller), and an oversize body is refused before it is read.
 */
function guardHttp<R extends Runtime<object>>(options: HttpFunctionOptions<R>): HttpHandler {
  // Read once, when the function registers (app settings are loaded by then), not on every request.
  const limit = options.maxBodyBytes ?? maxBodyBytesSetting();
  const handler = withRuntime(options);
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
      return await handler(request, context);
    } catch (error) {
      loggerFor(context).error('Function failed', { error });
      return errorResponse(error, context.invocationId);
    }
  };
}

export function registerHttp<R extends Runtime<object>>(
  name: string,
  options: HttpFunctionOptions<R>,
): HttpDefinition {
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

/** The ready runtime for a trigger that cannot answer 503: not configured is a failed invocation. */
function runtimeOrThrow<R extends Runtime<object>>(
  capability: Capability<R>,
  consequence: string,
): ReadyRuntime<R> {
  const runtime = capability.runtime();
  if (!runtime.ok)
    throw new Error(`${capability.name} is not configured (${runtime.problems.join('; ')}); ${consequence}`);
  return runtime as ReadyRuntime<R>;
}

export type TimerFunctionOptions<R extends Runtime<object> = Runtime<object>> = {
  schedule: string;
  runOnStartup?: boolean;
} & (
  | { capability?: undefined; handler: TimerFunctionHandler }
  | {
      capability: Capability<R>;
      handler: (timer: Timer, context: InvocationContext, runtime: ReadyRuntime<R>) => Promise<void> | void;
    }
);

/** A timer function. When its capability is not configured the run fails and is logged (timers do not retry). */
export function registerTimer<R extends Runtime<object>>(
  name: string,
  options: TimerFunctionOptions<R>,
): TimerDefinition {
  let handler = options.handler as TimerFunctionHandler;
  if (options.capability) {
    const { capability, handler: handle } = options;
    startCapability(capability);
    handler = (timer, context) =>
      handle(timer, context, runtimeOrThrow(capability, 'the next scheduled run tries again.'));
  }
  const definition: TimerDefinition = {
    kind: 'timer',
    name,
    schedule: options.schedule,
    runOnStartup: options.runOnStartup ?? false,
    handler,
  };
  record(definition);
  if (inFunctionsRuntime) {
    app.timer(name, { schedule: options.schedule, runOnStartup: definition.runOnStartup, handler });
  }
  return definition;
}

export type CapabilityEventHandler<R extends Runtime<object>> = (
  event: GridEvent,
  context: InvocationContext,
  runtime: ReadyRuntime<R>,
) => Promise<void> | void;

export type EventGridFunctionOptions<R extends Runtime<object> = Runtime<object>> =
  | { capability?: undefined; handler: EventGridEventHandler }
  | { capability: Capability<R>; handler: CapabilityEventHandler<R> };

/**
 * An Event Grid function. When its capability is not configured the event fails, so the batch
 * answers 500 and Event Grid delivers it again once it is (at-least-once, for up to 24 h).
 */
export function registerEventGrid<R extends Runtime<object>>(
  name: string,
  options: EventGridFunctionOptions<R>,
): EventGridDefinition {
  let handler: EventGridEventHandler = options.handler as EventGridEventHandler;
  if (options.capability) {
    const { capability, handler: handle } = options;
    startCapability(capability);
    handler = (event, context) =>
      handle(event, context, runtimeOrThrow(capability, 'the event will be retried.'));
  }
  const definition: EventGridDefinition = { kind: 'eventGrid', name, handler };
  record(definition);
  if (inFunctionsRuntime) {
    app.eventGrid(name, {
      handler: handler as (event: EventGridEvent, c: InvocationContext) => Promise<void>,
    });
  }
  return definition;
}
