/**
 * The one audit record every source normalises into. `id` is the event's id within its source, so
 * (source, id) is the record's identity: a redelivered event lands on the same row.
 */
export const AUDIT_SOURCES = ['keyvault', 'product', 'entra', 'reaction'] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AuditRecord {
  id: string;
  source: AuditSource;
  /** When it happened (ISO 8601, UTC), from the event itself, so a redelivery keeps it. */
  time: string;
  kind: string;
  /** `vault/object/version` for Key Vault, `appId/keyId` (or `appId`) for app credentials. */
  subject: string;
  actor?: string;
  severity: Severity;
  details: Record<string, unknown>;
  /** The application the record concerns, when there is one: what `GET /api/audit?appId=` finds. */
  appId?: string;
  /** A credential change the rotation journal does not know. */
  outOfBand?: boolean;
}

export interface StoredAuditRecord extends AuditRecord {
  receivedAt: string;
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Longest text kept per field. Table storage caps a string property at 64 KiB; real ids, types,
 * subjects and names are far shorter, and an oversize one must not fail its batch forever.
 */
const MAX_FIELD_CHARS = 2048;

/** Event fields as text: strings and numbers trimmed and bounded, anything else (objects, null) as ''. */
export function str(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}…` : text;
}

/**
 * A member read case-insensitively and with its name trimmed: Key Vault's documented sample carries
 * `"ObjectName "`, and the case of its members varies between samples.
 */
export function field(data: Json, name: string): unknown {
  const wanted = name.toLowerCase();
  const key = Object.keys(data).find((k) => k.trim().toLowerCase() === wanted);
  return key === undefined ? undefined : data[key];
}

export function text(data: Json, name: string): string | undefined {
  return str(field(data, name)) || undefined;
}

/** An ISO time from an event's time member, or undefined when it holds none. */
export function isoTime(value: unknown): string | undefined {
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(parsed) ? new Date(parsed).toISOString() : undefined;
}

/** Drops the undefined members, so a stored record carries only what the event said. */
export function defined<T extends Json>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
