import type { InvocationContext } from '@azure/functions';
import { normalizeEvent } from '../shared/audit/normalize.js';
import { type AuditRuntime, audit } from '../shared/audit/runtime.js';
import { reactToSecretNearExpiry } from '../shared/audit/secret-near-expiry.js';
import type { GridEvent } from '../shared/platform/events.js';
import { loggerFor } from '../shared/platform/log.js';
import { registerEventGrid } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { rotation } from '../shared/rotation/runtime.js';

/** Records one event; a failure throws, so the batch answers 500 and Event Grid delivers it again. */
export async function auditEvents(
  event: GridEvent,
  context: InvocationContext,
  { store }: ReadyRuntime<AuditRuntime>,
): Promise<void> {
  const receivedAt = new Date();
  const record = normalizeEvent(event, receivedAt);
  await store.record(record, receivedAt);
  const log = loggerFor(context);
  log.info('Audit event recorded', {
    eventType: record.eventType,
    subject: record.subject,
    objectName: record.objectName,
  });
  await reactToSecretNearExpiry(
    record,
    () => {
      const runtime = rotation.runtime();
      return runtime.ok ? runtime.service : undefined;
    },
    log,
  );
}

// Key Vault (system topic) and the product's own events land here; see infra/modules/event-subscriptions.bicep.
registerEventGrid('auditEvents', { capability: audit, handler: auditEvents });
