import { unparseable } from './errors.js';
import type { EnvelopeFields } from './keyvault-events.js';
import { type AuditRecord, isObject, type Json, type Severity, str, text } from './record.js';

/**
 * The product's own CloudEvents (the custom topic): the inventory publishes `CredentialExpiring`
 * with data {appId, keyId, threshold, daysLeft, endDateTime, owners, appDisplayName}; rotation
 * publishes the others. They are read from their CloudEvents shape only (this module knows no
 * publisher), so a type may carry a reverse-DNS prefix (`…CredentialExpiring`).
 */
export const PRODUCT_EVENT_KINDS = [
  'CredentialExpiring',
  'CredentialRotated',
  'CredentialRemoved',
  'StillInUse',
  'RotationFailed',
  'OutOfBandChange',
] as const;
export type ProductEventKind = (typeof PRODUCT_EVENT_KINDS)[number];

const BASE_SEVERITY: Record<ProductEventKind, Severity> = {
  CredentialExpiring: 'warning',
  CredentialRotated: 'info',
  CredentialRemoved: 'info',
  StillInUse: 'warning',
  RotationFailed: 'critical',
  OutOfBandChange: 'warning',
};

/** At this many days left or fewer, an expiring credential is critical. */
const CRITICAL_DAYS_LEFT = 7;

export function productKindOf(type: string): ProductEventKind | undefined {
  const last = type.slice(type.lastIndexOf('.') + 1);
  return (PRODUCT_EVENT_KINDS as readonly string[]).includes(last) ? (last as ProductEventKind) : undefined;
}

function severityOf(kind: ProductEventKind, data: Json): Severity {
  const daysLeft = Number(text(data, 'daysLeft'));
  if (kind === 'CredentialExpiring' && Number.isFinite(daysLeft) && daysLeft <= CRITICAL_DAYS_LEFT)
    return 'critical';
  return BASE_SEVERITY[kind];
}

/** The credentials an event concerns: its `keyId`, or each of `keyIds`; none for an app-wide event. */
function keyIdsOf(data: Json): string[] {
  const many = data.keyIds;
  if (Array.isArray(many)) return many.map(str).filter(Boolean);
  const one = text(data, 'keyId');
  return one ? [one] : [];
}

const DETAIL_FIELDS = [
  'threshold',
  'daysLeft',
  'endDateTime',
  'owners',
  'appDisplayName',
  'reason',
  'error',
  'newKeyId',
  'lastUsed',
  'change',
  'auditId',
] as const;

export function productRecords(event: EnvelopeFields, kind: ProductEventKind, actor: string): AuditRecord[] {
  if (!isObject(event.data)) throw unparseable(`A ${kind} event needs a data object.`);
  const data = event.data;
  const appId = text(data, 'appId');
  if (!appId) throw unparseable(`A ${kind} event needs data.appId.`);
  const details: Json = {};
  for (const name of DETAIL_FIELDS) {
    const value = data[name];
    if (value !== undefined && value !== null) details[name] = value;
  }
  const severity = severityOf(kind, data);
  const keyIds = keyIdsOf(data);
  const base = {
    source: 'product' as const,
    time: event.time,
    kind,
    actor,
    severity,
    appId,
    ...(kind === 'OutOfBandChange' ? { outOfBand: true } : {}),
  };
  if (keyIds.length === 0) return [{ ...base, id: event.id, subject: appId, details }];
  return keyIds.map((keyId) => ({
    ...base,
    // One record per app and credential; a single-credential event keeps its own id.
    id: keyIds.length === 1 ? event.id : `${event.id}/${keyId}`,
    subject: `${appId}/${keyId}`,
    details: { ...details, keyId },
  }));
}
