import type { InvocationContext } from '@azure/functions';
import { handleAuditEvent } from '../shared/audit/events.js';
import { type AuditRuntime, audit } from '../shared/audit/runtime.js';
import type { GridEvent } from '../shared/platform/events.js';
import { loggerFor } from '../shared/platform/log.js';
import { registerEventGrid } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';

/**
 * Records one event, or quarantines it (acknowledged) when it cannot be parsed or is not handled.
 * A storage failure throws, so the batch answers 500 and Event Grid delivers it again.
 */
export async function auditEvents(
  event: GridEvent,
  context: InvocationContext,
  { handling }: ReadyRuntime<AuditRuntime>,
): Promise<void> {
  const log = loggerFor(context);
  const outcomes = await handleAuditEvent(event, handling, log);
  log.info('Audit event handled', {
    eventType: 'specversion' in event ? event.type : event.eventType,
    subject: event.subject,
    outcomes,
  });
}

// Key Vault (system topic), the product's own events, and BlobCreated of insights-logs-auditlogs;
// see infra/modules/event-subscriptions.bicep.
registerEventGrid('auditEvents', { capability: audit, handler: auditEvents });
