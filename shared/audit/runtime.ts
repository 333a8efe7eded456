import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import type { Env } from '../platform/settings-reader.js';
import { storageConnectionFrom, tableClient } from '../platform/storage.js';
import { type AuditStore, TableAuditStore } from './store.js';

/** The audit trail: where normalised events are recorded. */
export type AuditRuntime = Runtime<{ store: AuditStore }>;

export function createAuditRuntime(env: Env, deps: { store?: AuditStore } = {}): AuditRuntime {
  try {
    if (deps.store) return { ok: true, store: deps.store };
    if (!storageConnectionFrom(env))
      return { ok: false, problems: ['Storage is not configured (AzureWebJobsStorage)'] };
    return { ok: true, store: new TableAuditStore(tableClient('audit', env)) };
  } catch (error) {
    return problemsOf(error);
  }
}

export const audit = capability('Audit', () => createAuditRuntime(process.env));
