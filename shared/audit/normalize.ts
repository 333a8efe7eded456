import type { GridEvent } from '../platform/events.js';
import { notHandled, unparseable } from './errors.js';
import { type EnvelopeFields, KEY_VAULT_PREFIX, keyVaultRecord } from './keyvault-events.js';
import { productKindOf, productRecords } from './product-events.js';
import { type AuditRecord, isoTime, type Json, str } from './record.js';

/** Where a tenant's diagnostic setting writes Entra audit logs (Microsoft Learn, "Stream logs to storage"). */
export const ENTRA_AUDIT_LOG_CONTAINER = 'insights-logs-auditlogs';

const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';
const AUDIT_LOG_SUBJECT = `/blobServices/default/containers/${ENTRA_AUDIT_LOG_CONTAINER}/blobs/`;

/** What one delivered event means: records to store, or an audit-log blob to read. */
export type Normalized =
  | { kind: 'records'; records: AuditRecord[] }
  | { kind: 'auditLogBlob'; blobName: string };

/** The envelope of either schema (Event Grid or CloudEvents 1.0), read the same way. */
function envelope(event: GridEvent): EnvelopeFields {
  const raw = event as unknown as Json;
  const cloud = typeof raw.specversion === 'string';
  const id = str(raw.id);
  const type = str(cloud ? raw.type : raw.eventType);
  if (!id) throw unparseable('The event has no id.');
  if (!type) throw unparseable('The event has no type.');
  // The row key orders by the event's own time, so a time-less event could not be stored idempotently.
  const time = isoTime(cloud ? raw.time : raw.eventTime);
  if (!time) throw unparseable(`The event has no valid ${cloud ? 'time' : 'eventTime'}.`);
  return {
    id,
    type,
    topic: str(cloud ? raw.source : raw.topic),
    subject: str(raw.subject),
    time,
    data: raw.data,
  };
}

/** Throws an AuditEventError for what is quarantined; anything else it returns is stored. */
export function normalizeEvent(event: GridEvent): Normalized {
  const fields = envelope(event);
  if (fields.type.startsWith(KEY_VAULT_PREFIX)) return { kind: 'records', records: [keyVaultRecord(fields)] };
  if (fields.type === BLOB_CREATED) {
    if (!fields.subject.startsWith(AUDIT_LOG_SUBJECT))
      throw notHandled(`BlobCreated outside ${ENTRA_AUDIT_LOG_CONTAINER} is not audited.`);
    return { kind: 'auditLogBlob', blobName: fields.subject.slice(AUDIT_LOG_SUBJECT.length) };
  }
  const kind = productKindOf(fields.type);
  if (kind) return { kind: 'records', records: productRecords(fields, kind, fields.topic) };
  throw notHandled(`Event type ${fields.type.slice(0, 120)} is not one the audit trail handles.`);
}
