import { loggerFor } from '../platform/log.js';
import { configurationProblem } from '../platform/problem.js';
import { type AuthLevel, type CapabilityHttpHandler, startCapability } from '../platform/registry.js';
import type { Runtime } from '../platform/runtime.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import type { Caller } from './guard.js';
import { callers } from './runtime.js';
import { type CallerOperation, callersSettings } from './settings.js';

type HttpArguments = Parameters<CapabilityHttpHandler<Runtime<object>>>;

/** A guarded function's handler: its capability's ready runtime `T`, and the caller the guard admitted. */
export type CallerHttpHandler<T> = (
  request: HttpArguments[0],
  context: HttpArguments[1],
  runtime: T,
  caller: Caller,
) => ReturnType<CapabilityHttpHandler<Runtime<object>>>;

/**
 * The authLevel of the guarded functions: `function` while a key alone may call them
 * (`Callers__AllowKeyOnly=true`, the default), `anonymous` once a caller token is required, so a
 * gateway presents its Entra token and no shared key (README, "Callers").
 */
export function callersAuthLevel(env: Env = process.env): AuthLevel {
  const settings = settingsReader(env, callersSettings);
  return settings.bool('Callers__AllowKeyOnly') ? 'function' : 'anonymous';
}

/**
 * The one caller check of every guarded function: the callers runtime (built when the function
 * registers, its problems logged once) admits the request or answers for it (401 / 403 / 503).
 */
export function forCaller<T>(
  operation: CallerOperation,
  handler: CallerHttpHandler<T>,
): (request: HttpArguments[0], context: HttpArguments[1], runtime: T) => ReturnType<CallerHttpHandler<T>> {
  startCapability(callers);
  return async (request, context, runtime) => {
    const ready = callers.runtime();
    if (!ready.ok) {
      loggerFor(context).error(`${callers.name} configuration invalid`, { problems: ready.problems });
      return configurationProblem(callers.name, ready.problems);
    }
    const authorization = request.headers.get('authorization');
    // A key-only call (the default) is admitted without a promise or a logger of its own.
    const admission =
      ready.guard.admitKeyOnly(operation, authorization) ??
      (await ready.guard.admit(operation, authorization, loggerFor(context)));
    if (!admission.ok) return admission.response;
    return handler(request, context, runtime, admission.caller);
  };
}
