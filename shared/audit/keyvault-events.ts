import { notHandled, unparseable } from './errors.js';
import { type AuditRecord, defined, isObject, type Json, type Severity, text } from './record.js';

/**
 * Key Vault system-topic events ("Azure Key Vault as Event Grid source", Microsoft Learn):
 * `{Certificate,Key,Secret}{NewVersionCreated,NearExpiry,Expired}` and `VaultAccessPolicyChanged`,
 * with `data` {Id, VaultName, ObjectType, ObjectName, Version, NBF, EXP}. Members are read
 * case-insensitively with names and values trimmed (the documented sample has `"ObjectName "`), and
 * the dates are Unix seconds as a number or a numeric string.
 */
export const KEY_VAULT_PREFIX = 'Microsoft.KeyVault.';

const SEVERITY_BY_SUFFIX: Array<[RegExp, Severity]> = [
  [/^(Certificate|Key|Secret)NewVersionCreated$/, 'info'],
  [/^(Certificate|Key|Secret)NearExpiry$/, 'warning'],
  [/^(Certificate|Key|Secret)Expired$/, 'critical'],
  [/^VaultAccessPolicyChanged$/, 'warning'],
];

/** Key Vault sends Unix seconds, as a number or a numeric string; null when the object has none. */
function unixTime(data: Json, name: string): string | undefined {
  const value = text(data, name);
  const seconds = value === undefined ? Number.NaN : Number(value);
  const date = new Date(seconds * 1000);
  // Beyond the Date range (±8.64e15 ms) toISOString() throws; such a date is no date.
  return seconds > 0 && Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

export interface EnvelopeFields {
  id: string;
  type: string;
  topic: string;
  subject: string;
  time: string;
  data: unknown;
}

export function keyVaultRecord(event: EnvelopeFields): AuditRecord {
  const kind = event.type.slice(KEY_VAULT_PREFIX.length);
  const severity = SEVERITY_BY_SUFFIX.find(([pattern]) => pattern.test(kind))?.[1];
  if (!severity) throw notHandled(`Key Vault event type ${kind} is not one the audit trail handles.`);
  if (!isObject(event.data)) throw unparseable('A Key Vault event needs a data object.');
  const data = event.data;
  const vaultName = text(data, 'VaultName') ?? '';
  const objectName = text(data, 'ObjectName') ?? '';
  const version = text(data, 'Version') ?? '';
  if (kind !== 'VaultAccessPolicyChanged' && objectName === '')
    throw unparseable(`A ${kind} event needs data.ObjectName.`);
  return {
    id: event.id,
    source: 'keyvault',
    time: event.time,
    kind,
    subject: [vaultName, objectName, version].filter(Boolean).join('/') || event.subject,
    severity,
    details: defined({
      vaultName: vaultName || undefined,
      objectType: text(data, 'ObjectType'),
      objectName: objectName || undefined,
      version: version || undefined,
      objectId: text(data, 'Id'),
      notBefore: unixTime(data, 'NBF'),
      expires: unixTime(data, 'EXP'),
      topic: event.topic || undefined,
    }),
  };
}
