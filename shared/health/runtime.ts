import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import { platformSettings } from '../platform/settings.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { configuredChecks } from './checks.js';
import type { DependencyCheck } from './health.js';

/** `/api/health`: the dependency checks this deployment is configured for, and how long each may take. */
export type HealthRuntime = Runtime<{ checks: DependencyCheck[]; timeoutMs: number }>;

export function createHealthRuntime(env: Env): HealthRuntime {
  try {
    const settings = settingsReader(env, platformSettings);
    const timeoutMs = settings.int('Health__TimeoutMs', { min: 1, max: 60_000 });
    if (settings.problems.length > 0) return { ok: false, problems: settings.problems };
    return { ok: true, checks: configuredChecks(env), timeoutMs };
  } catch (error) {
    return problemsOf(error);
  }
}

export const health = capability('Health', () => createHealthRuntime(process.env));
