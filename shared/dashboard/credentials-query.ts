import type { CredentialItem } from '../inventory/report.js';
import { type CredentialStatus, STATUSES } from '../inventory/status.js';
import { DashboardError } from './errors.js';
import { credentialOf } from './model.js';

/**
 * `data/credentials`: the table's filters, sort and pages over the inventory's items, server-side,
 * so the page never holds more than one page of 10,000+ credentials.
 */
export const SORT_COLUMNS = [
  'appDisplayName',
  'type',
  'label',
  'endDateTime',
  'daysLeft',
  'status',
  'lastUsedAt',
  'lastRotatedAt',
  'managed',
  'owners',
] as const;
type SortColumn = (typeof SORT_COLUMNS)[number];

export interface CredentialsQuery {
  statuses: CredentialStatus[];
  owner?: string;
  managed?: boolean;
  q?: string;
  sort: SortColumn;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
  format: 'json' | 'csv';
}

export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 50;
const KNOWN = new Set(['status', 'owner', 'managed', 'q', 'sort', 'order', 'page', 'pageSize', 'format']);
const MAX_TEXT = 256;

const bad = (detail: string) => new DashboardError('bad_request', detail);

function whole(name: string, raw: string | null, min: number, max: number, fallback: number): number {
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d{1,7}$/.test(raw) || value < min || value > max)
    throw bad(`${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

function text(name: string, raw: string | null): string | undefined {
  if (raw === null) return undefined;
  const value = raw.trim();
  if (value.length > MAX_TEXT || [...value].some((c) => c < ' '))
    throw bad(`${name} must be at most ${MAX_TEXT} printable characters.`);
  return value === '' ? undefined : value;
}

export function parseCredentialsQuery(params: URLSearchParams): CredentialsQuery {
  for (const name of params.keys())
    if (!KNOWN.has(name)) throw bad(`Unknown parameter ${name.slice(0, 40)}; use ${[...KNOWN].join(', ')}.`);
  const statuses = params
    .getAll('status')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  if (statuses.some((status) => !(STATUSES as readonly string[]).includes(status)))
    throw bad(`status must be one or more of ${STATUSES.join(', ')}.`);
  const managed = params.get('managed');
  if (managed !== null && managed !== 'true' && managed !== 'false')
    throw bad('managed must be true or false.');
  const sort = params.get('sort') ?? 'endDateTime';
  if (!(SORT_COLUMNS as readonly string[]).includes(sort))
    throw bad(`sort must be one of ${SORT_COLUMNS.join(', ')}.`);
  const order = params.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw bad('order must be asc or desc.');
  const format = params.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw bad('format must be json or csv.');
  const query: CredentialsQuery = {
    statuses: [...new Set(statuses)] as CredentialStatus[],
    sort: sort as SortColumn,
    order,
    page: whole('page', params.get('page'), 1, 1_000_000, 1),
    pageSize: whole('pageSize', params.get('pageSize'), 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    format,
  };
  const owner = text('owner', params.get('owner'));
  const q = text('q', params.get('q'));
  if (owner) query.owner = owner;
  if (q) query.q = q;
  if (managed !== null) query.managed = managed === 'true';
  return query;
}

/** Most urgent first when sorted ascending. */
const STATUS_ORDER: Record<CredentialStatus, number> = {
  expired: 0,
  critical: 1,
  warning: 2,
  notice: 3,
  ok: 4,
  unknown: 5,
};

function sortValue(item: CredentialItem, column: SortColumn): string | number | null {
  switch (column) {
    case 'appDisplayName':
      return item.appDisplayName.toLowerCase();
    case 'label':
      return (item.type === 'certificate' ? item.thumbprint : item.hint)?.toLowerCase() ?? null;
    case 'status':
      return STATUS_ORDER[item.status];
    case 'managed':
      return item.managed ? 1 : 0;
    case 'owners':
      return item.owners.join(' ').toLowerCase() || null;
    case 'endDateTime':
    case 'lastUsedAt':
    case 'lastRotatedAt': {
      const ms = Date.parse(item[column] ?? '');
      return Number.isFinite(ms) ? ms : null;
    }
    default:
      return item[column];
  }
}

/** The filtered items in the asked order; unknown values sort last either way; ties by app, key. */
export function selectCredentials(items: CredentialItem[], query: CredentialsQuery): CredentialItem[] {
  const owner = query.owner?.toLowerCase();
  const q = query.q?.toLowerCase();
  const direction = query.order === 'asc' ? 1 : -1;
  return items
    .filter(
      (item) =>
        (query.statuses.length === 0 || query.statuses.includes(item.status)) &&
        (!owner || item.owners.some((o) => o.toLowerCase() === owner)) &&
        (query.managed === undefined || item.managed === query.managed) &&
        (!q || item.appDisplayName.toLowerCase().includes(q) || item.appId.toLowerCase().includes(q)),
    )
    .map((item) => ({ item, value: sortValue(item, query.sort) }))
    .sort((a, b) => {
      if (a.value !== b.value) {
        if (a.value === null) return 1;
        if (b.value === null) return -1;
        return (a.value < b.value ? -1 : 1) * direction;
      }
      return a.item.appId.localeCompare(b.item.appId) || a.item.keyId.localeCompare(b.item.keyId);
    })
    .map(({ item }) => item);
}

export function credentialsPage(items: CredentialItem[], all: CredentialItem[], query: CredentialsQuery) {
  const start = (query.page - 1) * query.pageSize;
  return {
    total: items.length,
    page: query.page,
    pageSize: query.pageSize,
    items: items.slice(start, start + query.pageSize).map(credentialOf),
    owners: [...new Set(all.flatMap((item) => item.owners))].sort(),
  };
}
