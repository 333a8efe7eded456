import { consoleLogger, type Logger } from '../platform/log.js';
import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { tokens } from '../tokens/service.js';
import { CALLERS_POLICY } from '../validation/callers-policy.js';
import { validation } from '../validation/runtime.js';
import { validationSettings } from '../validation/settings.js';
import { loadGrants } from './grants.js';
import { CallerGuard, type CallerVerifier } from './guard.js';
import { issuanceCounter, type UsageCounts } from './issuance.js';
import { callersSettings } from './settings.js';

/**
 * The callers capability: who calls `/api/token`, `/api/introspect`, `/api/revoke`, `/api/usage`
 * (and, as they land, `/api/credentials` and `/api/audit`), recognised by its own Entra token.
 */
export type CallersRuntime = Runtime<{ guard: CallerGuard; allowKeyOnly: boolean }>;

/** The validator, as the callers capability uses it: caller tokens are checked by the same verifier. */
export type ValidatorPort =
  | { ok: true; verify: CallerVerifier; policies: ReadonlySet<string>; usage: UsageCounts }
  | { ok: false; problems: string[] };

export interface CallersDeps {
  log?: Logger;
  clock?: () => number;
  validator?: () => ValidatorPort;
  /** Names of the configured token clients (valid or not); undefined when tokens are not configured. */
  tokenClients?: () => ReadonlySet<string> | undefined;
}

/** The caller policy and whether it came from the older introspection setting. */
function callerPolicy(env: Env, problems: string[]): { name?: string; legacy: boolean } {
  const settings = settingsReader(env, callersSettings);
  const named = settings.string('Callers__Policy');
  const audience = settings.list('Callers__Audience').length > 0;
  if (named && audience) problems.push('Callers__Policy and Callers__Audience are both set; use one');
  if (named) return { name: named, legacy: false };
  if (audience) return { name: CALLERS_POLICY, legacy: false };
  const alias = settingsReader(env, validationSettings).string('Validation__IntrospectionCallerPolicy');
  return alias ? { name: alias, legacy: true } : { legacy: false };
}

export function createCallersRuntime(env: Env, deps: CallersDeps = {}): CallersRuntime {
  try {
    const log = deps.log ?? consoleLogger;
    const clock = deps.clock ?? Date.now;
    const settings = settingsReader(env, callersSettings);
    const problems = settings.problems;
    const allowKeyOnly = settings.bool('Callers__AllowKeyOnly');
    const policy = callerPolicy(env, problems);
    if (!allowKeyOnly && !policy.name)
      problems.push(
        'Callers__AllowKeyOnly=false needs Callers__Audience (or Callers__Policy) to recognise callers',
      );
    // Tokens served are counted even with no callers configured (as the function key's).
    const validator = deps.validator?.();
    if (policy.name) {
      if (!validator?.ok)
        problems.push('Callers: caller tokens cannot be checked while Validation is not configured');
      else if (!validator.policies.has(policy.name))
        problems.push(`Callers: no validation policy named "${policy.name}" to check caller tokens with`);
    }
    const grants = loadGrants(env, deps.tokenClients?.());
    if (problems.length > 0) return { ok: false, problems };
    const guard = new CallerGuard({
      verifier: policy.name && validator?.ok ? { policy: policy.name, verify: validator.verify } : undefined,
      legacyIntrospectionPolicy: policy.legacy,
      allowKeyOnly,
      grants,
      issuance: validator?.ok ? issuanceCounter(validator.usage, clock) : undefined,
      log,
    });
    return { ok: true, guard, allowKeyOnly, warnings: grants.warnings };
  } catch (error) {
    return problemsOf(error);
  }
}

/** The validator and the token clients of this process, from their own capabilities' runtimes. */
function processDeps(): CallersDeps {
  return {
    validator: () => {
      const runtime = validation.runtime();
      if (!runtime.ok) return runtime;
      const { service, usage } = runtime;
      return {
        ok: true,
        verify: (authorization, policy) => service.verifyCaller(authorization, policy),
        policies: new Set(service.policies.keys()),
        usage,
      };
    },
    tokenClients: () => {
      const runtime = tokens.runtime();
      if (!runtime.ok) return undefined;
      const { clients, invalidClients } = runtime.service.config;
      return new Set([...clients.keys(), ...invalidClients.keys()]);
    },
  };
}

/** The process-wide callers capability, built from process.env on first use. */
export const callers = capability('Callers', () => createCallersRuntime(process.env, processDeps()));
