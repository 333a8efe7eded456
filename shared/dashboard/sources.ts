import { audit } from '../audit/runtime.js';
import type { AuditStore } from '../audit/store.js';
import type { CredentialItem } from '../inventory/report.js';
import { inventory } from '../inventory/runtime.js';
import { configurationProblem, type PlainResponse } from '../platform/problem.js';
import type { Capability, Runtime } from '../platform/runtime.js';
import type { Env } from '../platform/settings-reader.js';
import { storageConnectionFrom, tableClient } from '../platform/storage.js';
import { tableRotationJournal } from '../rotation/journal.js';
import { DASHBOARD_POLICY } from '../validation/dashboard-policy.js';
import { validation } from '../validation/runtime.js';
import { tableUsageStore } from '../validation/usage.js';
import type { Run } from './model.js';

/**
 * What the dashboard reads, through the other capabilities' public surfaces only: the inventory's
 * and the audit trail's capability accessors, the validation service's `verifyCaller`, and the
 * exported store adapters of the rotation journal (its last run) and the validator's usage records.
 */
export type Available<T> = { ok: true; value: T } | { ok: false; response: PlainResponse };

export interface CredentialSource {
  items(): Promise<CredentialItem[]>;
  thresholds: readonly number[];
  /** The inventory API's CSV of these items. */
  csv(items: CredentialItem[]): PlainResponse;
  lastRun(): Promise<Run | null>;
}

export interface AuditSource {
  store: AuditStore;
  now(): Date;
}

/** A user token checked under the `dashboard` policy: its claims, or the RFC 6750 answer. */
export type TokenCheck = (
  authorization: string | null,
) => Promise<{ claims: Record<string, unknown> } | { response: PlainResponse }>;

export interface DashboardSources {
  inventory(): Available<CredentialSource>;
  audit(): Available<AuditSource>;
  rotationRun(): Promise<Run | null>;
  /** The validator's usage records of one client id (all instances, tenants and policies). */
  usage(appId: string): Promise<Array<{ daily: Record<string, number> }>>;
  checkToken: TokenCheck;
}

function ready<R extends Runtime<object>, T>(
  capability: Capability<R>,
  pick: (runtime: Extract<R, { ok: true }>) => T,
): Available<T> {
  const runtime = capability.runtime();
  if (!runtime.ok) return { ok: false, response: configurationProblem(capability.name, runtime.problems) };
  return { ok: true, value: pick(runtime as Extract<R, { ok: true }>) };
}

export function capabilitySources(env: Env): DashboardSources {
  const stored = Boolean(storageConnectionFrom(env));
  const journal = stored ? tableRotationJournal(tableClient('rotationjournal', env)) : undefined;
  const usage = stored ? tableUsageStore(tableClient('usage', env)) : undefined;
  return {
    inventory: () =>
      ready(inventory, ({ service }) => ({
        items: () => service.items(),
        thresholds: service.config.thresholds,
        csv: (items) => service.csv(items),
        lastRun: () => service.lastRun(),
      })),
    audit: () => ready(audit, ({ store, clock }) => ({ store, now: clock })),
    rotationRun: async () => (journal ? journal.lastRun() : null),
    usage: async (appId) => (usage ? usage.read(appId) : []),
    async checkToken(authorization) {
      const runtime = validation.runtime();
      if (!runtime.ok) return { response: configurationProblem(validation.name, runtime.problems) };
      return runtime.service.verifyCaller(authorization, DASHBOARD_POLICY);
    },
  };
}
