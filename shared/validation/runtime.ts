import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../config/settings.js';
import { consoleLogger, type Logger } from '../platform/log.js';
import { tableClient } from '../platform/storage.js';
import { createFetchJson } from './http-json.js';
import { KeySetRegistry } from './keys.js';
import { loadPolicies } from './policy.js';
import { Denylist, tableDenylistStore } from './revocation.js';
import { ValidationService } from './service.js';
import { tableUsageStore, UsageRecorder } from './usage.js';
import { Verifier } from './verifier.js';

/**
 * Builds the validation service from app settings, once per process (function files share it).
 * Never throws: a configuration problem is returned, and the endpoints answer 503 with it.
 */
type Env = Record<string, string | undefined>;

export type ValidationRuntime =
  | {
      ok: true;
      service: ValidationService;
      usage: UsageRecorder;
      usageStore: ReturnType<typeof tableUsageStore>;
    }
  | { ok: false; problems: string[] };

function seconds(
  env: Env,
  name: string,
  fallback: number,
  problems: string[],
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    problems.push(`${name}: must be a number between 0 and ${max}`);
    return fallback;
  }
  return value;
}

export function createRuntime(
  env: Env,
  log: Logger = consoleLogger,
  clock: () => number = Date.now,
): ValidationRuntime {
  const problems: string[] = [];
  let policies = new Map<string, ReturnType<typeof loadPolicies> extends Map<string, infer P> ? P : never>();
  try {
    policies = loadPolicies(env, { readFile: (path) => readFileSync(path, 'utf8') });
  } catch (error) {
    if (error instanceof ConfigurationError) problems.push(...error.problems);
    else throw error;
  }
  if (problems.length === 0 && policies.size === 0) {
    problems.push(
      'no validation policy: set Validation__TenantId and Validation__Audiences, or Validation__Policies',
    );
  }
  const refresh = seconds(env, 'Validation__KeyRefreshSeconds', 43_200, problems);
  const kidRefresh = Math.max(1, seconds(env, 'Validation__UnknownKidRefreshSeconds', 300, problems));
  const lkg = seconds(env, 'Validation__LastKnownGoodSeconds', 86_400, problems);
  const maxEntries = seconds(env, 'Validation__Cache__MaxEntries', 10_000, problems);
  const maxBytes = seconds(env, 'Validation__Cache__MaxBytes', 16 * 1024 * 1024, problems);
  const revocationRefresh = seconds(env, 'Validation__RevocationRefreshSeconds', 10, problems, 30);
  const flush = Math.max(1, seconds(env, 'Validation__Usage__FlushSeconds', 5, problems));
  let ca: string | undefined;
  if (env.Validation__CaFile) {
    try {
      ca = readFileSync(env.Validation__CaFile, 'utf8');
    } catch {
      problems.push(`Validation__CaFile: cannot read ${env.Validation__CaFile}`);
    }
  }
  for (const setting of ['Validation__IntrospectionPolicy', 'Validation__IntrospectionCallerPolicy']) {
    const name = env[setting];
    if (name && policies.size > 0 && !policies.has(name))
      problems.push(`${setting}: no policy named "${name}"`);
  }
  if (problems.length > 0) return { ok: false, problems };

  const keySets = new KeySetRegistry({
    fetchJson: createFetchJson(ca ? { ca } : {}),
    clock,
    refreshMs: refresh * 1000,
    unknownKidRefreshMs: kidRefresh * 1000,
    lastKnownGoodMs: lkg * 1000,
    log,
  });
  const verifier = new Verifier({
    keySets,
    clock,
    cache: { maxEntries, maxBytes },
    // Same cloud as token acquisition unless told otherwise (locally: the Entra stand-in).
    ...((env.Validation__Instance ?? env.AzureAd__Instance)
      ? { defaultInstance: env.Validation__Instance ?? env.AzureAd__Instance }
      : {}),
  });
  let tables: { denylist: ReturnType<typeof tableClient>; usage: ReturnType<typeof tableClient> };
  try {
    tables = { denylist: tableClient('denylist', env), usage: tableClient('usage', env) };
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
  }
  const denylist = new Denylist({
    store: tableDenylistStore(tables.denylist),
    clock,
    refreshMs: revocationRefresh * 1000,
    log,
  });
  const usageStore = tableUsageStore(tables.usage);
  const usage = new UsageRecorder({
    store: usageStore,
    clock,
    instance: `${env.WEBSITE_INSTANCE_ID?.slice(0, 16) ?? 'local'}-${randomUUID().slice(0, 8)}`,
    log,
  });
  usage.start(flush * 1000);
  const service = new ValidationService({
    policies,
    verifier,
    denylist,
    usage,
    clock,
    introspectionPolicy: env.Validation__IntrospectionPolicy ?? 'default',
    ...(env.Validation__IntrospectionCallerPolicy
      ? { callerPolicy: env.Validation__IntrospectionCallerPolicy }
      : {}),
    log,
  });
  return { ok: true, service, usage, usageStore };
}

let shared: ValidationRuntime | undefined;

/** The process-wide runtime, built on first use from process.env. */
export function validationRuntime(): ValidationRuntime {
  shared ??= createRuntime(process.env);
  return shared;
}

export function configurationProblem(problems: string[]): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  return {
    status: 503,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', 'retry-after': '60' },
    body: JSON.stringify({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      code: 'configuration_invalid',
      detail: 'Validation is not configured correctly.',
      problems,
    }),
  };
}
