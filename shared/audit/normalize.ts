import type { GridEvent } from '../platform/events.js';

/**
 * One audit record per delivered event, whatever its schema. Key Vault events ("Azure Key Vault as
 * Event Grid source", Microsoft Learn) carry `Id`, `VaultName`, `ObjectType`, `ObjectName`,
 * `Version`, `NBF`, `EXP` in `data`; their case and the number-or-string type of the dates vary, so
 * they are read case-insensitively and normalised to ISO times.
 */
export interface AuditRecord {
  eventId: string;
  eventType: string;
  source: string;
  subject: string;
  eventTime: string;
  schema: 'EventGrid' | 'CloudEvents';
  vaultName?: string;
  objectType?: string;
  objectName?: string;
  objectVersion?: string;
  notBefore?: string;
  expires?: string;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function field(data: Json, name: string): unknown {
  const key = Object.keys(data).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : data[key];
}

function text(data: Json, name: string): string | undefined {
  return str(field(data, name)) || undefined;
}

/** Key Vault sends Unix seconds, as a number or a numeric string; null when the object has none. */
function unixTime(data: Json, name: string): string | undefined {
  const value = field(data, name);
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  const date = new Date(seconds * 1000);
  // Beyond the Date range (±8.64e15 ms) toISOString() throws; such a date is no date.
  return seconds > 0 && Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

/**
 * Longest text kept per field. Table storage caps a string property at 64 KiB; real ids, types,
 * subjects and names are far shorter, and an oversize one must not fail its batch forever.
 */
const MAX_FIELD_CHARS = 2048;

/** Event fields as text: strings and numbers as they are (bounded), anything else (objects, null) as ''. */
function str(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}…` : text;
}

function validTime(value: unknown, fallback: Date): string {
  const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(parsed) ? new Date(parsed).toISOString() : fallback.toISOString();
}

export function normalizeEvent(event: GridEvent, receivedAt: Date): AuditRecord {
  const raw = event as unknown as Json;
  const cloud = typeof raw.specversion === 'string';
  const record: AuditRecord = {
    eventId: str(raw.id),
    eventType: str(cloud ? raw.type : raw.eventType),
    source: str(cloud ? raw.source : raw.topic),
    subject: str(raw.subject),
    eventTime: validTime(cloud ? raw.time : raw.eventTime, receivedAt),
    schema: cloud ? 'CloudEvents' : 'EventGrid',
  };
  const data = raw.data;
  if (record.eventType.startsWith('Microsoft.KeyVault.') && isObject(data)) {
    const details = {
      vaultName: text(data, 'VaultName'),
      objectType: text(data, 'ObjectType'),
      objectName: text(data, 'ObjectName'),
      objectVersion: text(data, 'Version'),
      notBefore: unixTime(data, 'NBF'),
      expires: unixTime(data, 'EXP'),
    };
    for (const [key, value] of Object.entries(details)) {
      if (value !== undefined) (record as unknown as Json)[key] = value;
    }
  }
  return record;
}
