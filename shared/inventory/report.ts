import type { PlainResponse } from '../platform/problem.js';
import { type CsvValue, toCsv } from './csv.js';
import { InventoryError } from './errors.js';
import type { CredentialRow } from './model.js';
import { NO_ROTATION, type RotationFields } from './rotation-states.js';
import { type CredentialStatus, credentialStatus, daysLeft, endTime, STATUSES } from './status.js';

/**
 * `GET /api/credentials`: the snapshot in the `credentials` table as a report, filtered, sorted by
 * days left (soonest first, unknown last), paged with an opaque continuation token, or as CSV.
 * Status and days left are computed for now from the stored dates.
 */
export interface CredentialItem {
  appDisplayName: string;
  appId: string;
  objectId: string;
  type: CredentialRow['type'];
  keyId: string;
  hint: string | null;
  thumbprint: string | null;
  displayName: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
  daysLeft: number | null;
  status: CredentialStatus;
  lastUsedAt: string | null;
  lastUsedSource: CredentialRow['lastUsedSource'];
  owners: string[];
  managed: boolean;
  deleted: boolean;
  stale: boolean;
  lastSuccessAt: string;
  lastRotatedAt: RotationFields['lastRotatedAt'];
  rotationState: RotationFields['rotationState'];
  replacedBy: RotationFields['replacedBy'];
}

export interface ReportQuery {
  statuses: CredentialStatus[];
  appId?: string;
  withinDays?: number;
  owner?: string;
  format: 'json' | 'csv';
  pageSize: number;
  after?: SortKey;
}

/** `[end time or +∞, appId, keyId]`: a total order, so a page boundary never skips or repeats. */
type SortKey = [number | null, string, string];

export interface QueryParams {
  get(name: string): string | null;
  getAll(name: string): string[];
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
const MAX_ID = 256;
const KNOWN = new Set([
  'status',
  'appId',
  'withinDays',
  'owner',
  'format',
  'pageSize',
  'continuationToken',
  'code',
]);

function bad(detail: string): InventoryError {
  return new InventoryError('bad_filter', detail);
}

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max)
    throw bad(`${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

function id(name: string, raw: string | null): string | undefined {
  if (raw === null) return undefined;
  const value = raw.trim();
  if (value === '' || value.length > MAX_ID || !/^[\x20-\x7e]+$/.test(value))
    throw bad(`${name} must be a non-empty id of at most ${MAX_ID} printable ASCII characters.`);
  return value;
}

function decodeToken(token: string): SortKey {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      (parsed[0] === null || typeof parsed[0] === 'number') &&
      typeof parsed[1] === 'string' &&
      typeof parsed[2] === 'string'
    )
      return parsed as SortKey;
  } catch {
    // fall through
  }
  throw new InventoryError('bad_continuation_token', 'continuationToken is not one this endpoint issued.');
}

const encodeToken = (key: SortKey) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** The query string as a report query; a bad filter is a 400 (`bad_filter`), never a 500. */
export function parseReportQuery(params: QueryParams, unknownNames: string[] = []): ReportQuery {
  const unknown = unknownNames.filter((name) => !KNOWN.has(name));
  if (unknown.length > 0)
    throw bad(
      `Unknown query parameter ${unknown[0]}; use status, appId, withinDays, owner, format, pageSize or continuationToken.`,
    );
  const statuses = params
    .getAll('status')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  const wrong = statuses.find((status) => !(STATUSES as readonly string[]).includes(status));
  if (wrong !== undefined) throw bad(`status must be one or more of ${STATUSES.join(', ')}.`);
  const format = params.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw bad('format must be json or csv.');
  const within = params.get('withinDays');
  const size = params.get('pageSize');
  const token = params.get('continuationToken');
  const query: ReportQuery = {
    statuses: [...new Set(statuses)] as CredentialStatus[],
    format,
    pageSize: size === null ? DEFAULT_PAGE_SIZE : wholeNumber('pageSize', size, 1, MAX_PAGE_SIZE),
  };
  const appId = id('appId', params.get('appId'));
  const owner = id('owner', params.get('owner'));
  if (appId) query.appId = appId;
  if (owner) query.owner = owner;
  if (within !== null) query.withinDays = wholeNumber('withinDays', within, 0, 36500);
  if (token) query.after = decodeToken(token);
  return query;
}

export function toItem(
  row: CredentialRow,
  thresholds: readonly number[],
  now: number,
  rotation: RotationFields = NO_ROTATION,
): CredentialItem {
  return {
    appDisplayName: row.appDisplayName,
    appId: row.appId,
    objectId: row.appObjectId,
    type: row.type,
    keyId: row.keyId,
    hint: row.hint,
    thumbprint: row.thumbprint,
    displayName: row.displayName,
    startDateTime: row.startDateTime,
    endDateTime: row.endDateTime,
    daysLeft: daysLeft(row.endDateTime, now),
    status: credentialStatus(row, thresholds, now),
    lastUsedAt: row.lastUsedAt,
    lastUsedSource: row.lastUsedSource,
    owners: row.owners,
    managed: row.managed,
    deleted: row.deleted,
    stale: row.stale,
    lastSuccessAt: row.lastSuccessAt,
    lastRotatedAt: rotation.lastRotatedAt,
    rotationState: rotation.rotationState,
    replacedBy: rotation.replacedBy,
  };
}

const sortKey = (item: CredentialItem): SortKey => [
  endTime(item.endDateTime) ?? null,
  item.appId.toLowerCase(),
  item.keyId.toLowerCase(),
];

function compare(a: SortKey, b: SortKey): number {
  const [ea, eb] = [a[0] ?? Number.POSITIVE_INFINITY, b[0] ?? Number.POSITIVE_INFINITY];
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a[1] !== b[1] ? (a[1] < b[1] ? -1 : 1) : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

export function selectItems(
  rows: CredentialRow[],
  query: ReportQuery,
  thresholds: readonly number[],
  now: number,
  rotation: ReadonlyMap<string, RotationFields> = new Map(),
): CredentialItem[] {
  const owner = query.owner?.toLowerCase();
  return rows
    .map((row) => toItem(row, thresholds, now, rotation.get(row.keyId.toLowerCase())))
    .filter(
      (item) =>
        (query.statuses.length === 0 || query.statuses.includes(item.status)) &&
        (!query.appId || item.appId.toLowerCase() === query.appId.toLowerCase()) &&
        (!owner || item.owners.some((o) => o.toLowerCase() === owner)) &&
        (query.withinDays === undefined || (item.daysLeft !== null && item.daysLeft <= query.withinDays)),
    )
    .sort((a, b) => compare(sortKey(a), sortKey(b)));
}

const CSV_COLUMNS = [
  'appDisplayName',
  'appId',
  'objectId',
  'type',
  'keyId',
  'hint',
  'thumbprint',
  'displayName',
  'startDateTime',
  'endDateTime',
  'daysLeft',
  'status',
  'lastUsedAt',
  'lastUsedSource',
  'owners',
  'managed',
  'deleted',
  'stale',
  'lastRotatedAt',
  'rotationState',
  'replacedBy',
] as const;

export function reportResponse(items: CredentialItem[], query: ReportQuery): PlainResponse {
  if (query.format === 'csv') {
    const rows = items.map((item) =>
      CSV_COLUMNS.map((column): CsvValue => (column === 'owners' ? item.owners.join(' ') : item[column])),
    );
    return {
      status: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8; header=present',
        'content-disposition': 'attachment; filename="credentials.csv"',
        'cache-control': 'no-store',
      },
      body: toCsv(CSV_COLUMNS, rows),
    };
  }
  const after = query.after;
  const start = after ? items.findIndex((item) => compare(sortKey(item), after) > 0) : 0;
  const page = start < 0 ? [] : items.slice(start, start + query.pageSize);
  const last = page.at(-1);
  const more = start >= 0 && start + query.pageSize < items.length;
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify({
      items: page,
      continuationToken: more && last ? encodeToken(sortKey(last)) : null,
    }),
  };
}
