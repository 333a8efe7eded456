import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../platform/errors.js';
import { consoleLogger, type Logger } from '../platform/log.js';
import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import { type Env, type SettingsReader, settingsReader } from '../platform/settings-reader.js';
import { tableClient } from '../platform/storage.js';
import { createFetchJson } from './http-json.js';
import { KeySetRegistry, type KeySetTimings } from './keys.js';
import { loadPolicies, type Policy } from './policy.js';
import { Denylist, type DenylistStore, tableDenylistStore } from './revocation.js';
import { ValidationService } from './service.js';
import { validationSettings } from './settings.js';
import { tableUsageStore, UsageRecorder, type UsageStore } from './usage.js';
import { Verifier } from './verifier.js';

/**
 * The validation capability from app settings: policies, key sets, the verifier, the denylist and
 * usage recording, shared by /api/validate, /api/introspect, /api/revoke and /api/usage.
 */
export type ValidationRuntime = Runtime<{ service: ValidationService; usage: UsageRecorder }>;

export interface ValidationDeps {
  log?: Logger;
  clock?: () => number;
  readFile?: (path: string) => string;
  /** Storage ports; the table-backed adapters on `AzureWebJobsStorage` by default. */
  stores?: { denylist: DenylistStore; usage: UsageStore };
}

/** The key-set timings from settings (their defaults are the catalogue's). */
export function keySetTimings(settings: SettingsReader): KeySetTimings {
  return {
    refreshMs: settings.seconds('Validation__KeyRefreshSeconds') * 1000,
    unknownKidRefreshMs: Math.max(1, settings.seconds('Validation__UnknownKidRefreshSeconds')) * 1000,
    lastKnownGoodMs: settings.seconds('Validation__LastKnownGoodSeconds') * 1000,
  };
}

function policiesFrom(env: Env, readFile: (path: string) => string, problems: string[]): Map<string, Policy> {
  try {
    const policies = loadPolicies(env, { readFile });
    if (policies.size === 0) {
      problems.push(
        'no validation policy: set Validation__TenantId and Validation__Audiences, or Validation__Policies',
      );
    }
    return policies;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
    return new Map();
  }
}

function tableStores(env: Env): { denylist: DenylistStore; usage: UsageStore } {
  return {
    denylist: tableDenylistStore(tableClient('denylist', env)),
    usage: tableUsageStore(tableClient('usage', env)),
  };
}

export function createValidationRuntime(env: Env, deps: ValidationDeps = {}): ValidationRuntime {
  try {
    return build(env, deps);
  } catch (error) {
    return problemsOf(error);
  }
}

function build(env: Env, deps: ValidationDeps): ValidationRuntime {
  const log = deps.log ?? consoleLogger;
  const clock = deps.clock ?? Date.now;
  const readFile = deps.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const settings = settingsReader(env, validationSettings);
  const problems = settings.problems;
  const policies = policiesFrom(env, readFile, problems);
  const timings = keySetTimings(settings);
  const maxEntries = settings.int('Validation__Cache__MaxEntries');
  const maxBytes = settings.int('Validation__Cache__MaxBytes');
  const revocationRefresh = settings.seconds('Validation__RevocationRefreshSeconds', { max: 30 });
  const flush = Math.max(1, settings.seconds('Validation__Usage__FlushSeconds'));
  const caFile = settings.string('Validation__CaFile');
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFile(caFile);
    } catch {
      problems.push(`Validation__CaFile: cannot read ${caFile}`);
    }
  }
  const introspectionPolicy = settings.string('Validation__IntrospectionPolicy') as string;
  const callerPolicy = settings.string('Validation__IntrospectionCallerPolicy');
  for (const [setting, name] of [
    ['Validation__IntrospectionPolicy', env.Validation__IntrospectionPolicy],
    ['Validation__IntrospectionCallerPolicy', callerPolicy],
  ]) {
    if (name && policies.size > 0 && !policies.has(name))
      problems.push(`${setting}: no policy named "${name}"`);
  }
  if (problems.length > 0) return { ok: false, problems };

  const keySets = new KeySetRegistry({
    fetchJson: createFetchJson(ca ? { ca } : {}),
    clock,
    log,
    ...timings,
  });
  // Same cloud as token acquisition unless told otherwise (locally: the Entra stand-in).
  const instance = settings.string('Validation__Instance') ?? env.AzureAd__Instance;
  const verifier = new Verifier({
    keySets,
    clock,
    cache: { maxEntries, maxBytes },
    ...(instance ? { defaultInstance: instance } : {}),
  });
  const stores = deps.stores ?? tableStores(env);
  const denylist = new Denylist({ store: stores.denylist, clock, refreshMs: revocationRefresh * 1000, log });
  const usage = new UsageRecorder({
    store: stores.usage,
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
    introspectionPolicy,
    // Callers of /api/introspect and /api/revoke are checked by the callers capability
    // (shared/callers), which reads Validation__IntrospectionCallerPolicy as an alias.
    log,
  });
  return { ok: true, service, usage };
}

/** The process-wide validation capability, built from process.env on first use. */
export const validation = capability('Validation', () => createValidationRuntime(process.env));
