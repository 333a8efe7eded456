import { normalizeEvent } from '../shared/audit/normalize.js';
import { TableAuditStore } from '../shared/audit/store.js';
import { loggerFor } from '../shared/platform/log.js';
import { registerEventGrid } from '../shared/platform/registry.js';
import type { StorageTableName } from '../shared/platform/resources.js';
import { storageConnectionFrom, tableClient } from '../shared/platform/storage.js';

const AUDIT_TABLE: StorageTableName = 'audit';
const store = storageConnectionFrom(process.env) ? new TableAuditStore(tableClient(AUDIT_TABLE)) : undefined;

// Key Vault (system topic) and the product's own events land here; see infra/modules/event-subscriptions.bicep.
registerEventGrid('auditEvents', {
  handler: async (event, context) => {
    if (!store)
      throw new Error('Storage is not configured (AzureWebJobsStorage); the event will be retried.');
    const receivedAt = new Date();
    const record = normalizeEvent(event, receivedAt);
    // A failure throws, so the batch answers 500 and Event Grid delivers it again.
    await store.record(record, receivedAt);
    loggerFor(context).info('Audit event recorded', {
      eventType: record.eventType,
      subject: record.subject,
      objectName: record.objectName,
    });
  },
});
