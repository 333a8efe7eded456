import type { InvocationContext, Timer } from '@azure/functions';
import { type AuditRuntime, audit, auditIngestSchedule } from '../shared/audit/runtime.js';
import { loggerFor } from '../shared/platform/log.js';
import { registerTimer } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';

/**
 * Reads the recent hours' Entra audit-log blobs past their checkpoints: Entra appends to them
 * without a BlobCreated event. A failed run (storage down) leaves the checkpoints; the next run resumes.
 */
export async function ingestEntraAuditLogs(
  _timer: Timer,
  context: InvocationContext,
  { ingester }: ReadyRuntime<AuditRuntime>,
): Promise<void> {
  const summary = await ingester.ingestRecent();
  loggerFor(context).info('Entra audit logs ingested', { ...summary });
}

// Every 5 minutes by default (Audit__EntraLogIngestSchedule).
registerTimer('ingestEntraAuditLogs', {
  schedule: auditIngestSchedule(),
  capability: audit,
  handler: ingestEntraAuditLogs,
});
