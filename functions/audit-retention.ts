import type { InvocationContext, Timer } from '@azure/functions';
import { enforceRetention } from '../shared/audit/retention.js';
import { type AuditRuntime, audit } from '../shared/audit/runtime.js';
import { loggerFor } from '../shared/platform/log.js';
import { registerTimer } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';

/** Deletes audit records and quarantined events older than `Audit__RetentionDays`, in batches. */
export async function auditRetention(
  _timer: Timer,
  context: InvocationContext,
  { store, quarantine, clock, retentionDays }: ReadyRuntime<AuditRuntime>,
): Promise<void> {
  const result = await enforceRetention(store, quarantine, clock(), retentionDays);
  loggerFor(context).info('Audit retention enforced', { ...result, retentionDays });
}

// Daily at 03:15 UTC.
registerTimer('auditRetention', { schedule: '0 15 3 * * *', capability: audit, handler: auditRetention });
