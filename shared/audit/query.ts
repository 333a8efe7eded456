import { type PlainResponse, problemResponse } from '../platform/problem.js';
import { invertedTime, partitionsFor } from './keys.js';
import { SEVERITIES, type Severity, type StoredAuditRecord } from './record.js';
import type { AuditStore, RowQuery } from './store.js';

/**
 * `GET /api/audit`: filters `appId`, `kind`, `from`, `to`, `severity`, `outOfBand`; newest first;
 * `pageSize` up to 1,000 (default 100); `continuationToken` from the previous page; `format=ndjson`
 * for one record per line (the token then comes in the `x-continuation-token` header).
 *
 * How each reads (keys.ts): with `appId`, the app's month partitions of [from, to] only; without,
 * the day partitions of [from, to], newest first. Within a partition the RowKey range bounds the
 * time, and `kind`, `severity` and `outOfBand` are server-side filters on that range.
 */
export interface AuditQuery {
  appId?: string;
  kind?: string;
  severity?: Severity;
  outOfBand?: boolean;
  from: Date;
  to: Date;
  pageSize: number;
  after?: { partition: string; rowKey: string };
  format: 'json' | 'ndjson';
}

export const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;
/** Without `from`, this many days back from `to`: an unbounded default would read every day kept. */
export const DEFAULT_RANGE_DAYS = 30;
const KNOWN = new Set([
  'appId',
  'kind',
  'from',
  'to',
  'severity',
  'outOfBand',
  'pageSize',
  'continuationToken',
  'format',
  'code',
]);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const badRequest = (detail: string): PlainResponse =>
  problemResponse({ title: 'Bad Request', status: 400, code: 'bad_request', detail });

function time(name: string, value: string | null): Date | undefined | PlainResponse {
  if (value === null) return undefined;
  const parsed = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(parsed))
    return badRequest(`${name} must be an ISO 8601 date or time (2026-11-01T00:00:00Z).`);
  return new Date(parsed);
}

function token(value: string): AuditQuery['after'] | PlainResponse {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as {
      p?: unknown;
      r?: unknown;
    };
    if (typeof parsed.p === 'string' && typeof parsed.r === 'string')
      return { partition: parsed.p, rowKey: parsed.r };
  } catch {
    // answered below
  }
  return badRequest('continuationToken is not one this endpoint issued.');
}

export function parseAuditQuery(query: URLSearchParams, now: Date): AuditQuery | PlainResponse {
  for (const name of query.keys())
    if (!KNOWN.has(name)) return badRequest(`Unknown parameter ${name.slice(0, 40)}.`);
  const result: AuditQuery = { from: now, to: now, pageSize: DEFAULT_PAGE_SIZE, format: 'json' };
  const appId = query.get('appId')?.trim();
  if (appId !== undefined) {
    if (appId === '' || appId.length > 256) return badRequest('appId must be 1 to 256 characters.');
    result.appId = appId;
  }
  const kind = query.get('kind');
  if (kind !== null) {
    if (!/^[A-Za-z]{1,64}$/.test(kind))
      return badRequest('kind must be a record kind, e.g. CredentialChange.');
    result.kind = kind;
  }
  const severity = query.get('severity');
  if (severity !== null) {
    if (!(SEVERITIES as readonly string[]).includes(severity))
      return badRequest(`severity must be one of ${SEVERITIES.join(', ')}.`);
    result.severity = severity as Severity;
  }
  const outOfBand = query.get('outOfBand');
  if (outOfBand !== null) {
    if (outOfBand !== 'true' && outOfBand !== 'false') return badRequest('outOfBand must be true or false.');
    result.outOfBand = outOfBand === 'true';
  }
  const to = time('to', query.get('to'));
  const from = time('from', query.get('from'));
  if (to && !(to instanceof Date)) return to;
  if (from && !(from instanceof Date)) return from;
  result.to = to ?? now;
  result.from = from ?? new Date(result.to.getTime() - DEFAULT_RANGE_DAYS * 86_400_000);
  if (result.from > result.to) return badRequest('from must not be after to.');
  const pageSize = query.get('pageSize');
  if (pageSize !== null) {
    const size = /^\d{1,4}$/.test(pageSize) ? Number(pageSize) : 0;
    if (size < 1 || size > MAX_PAGE_SIZE) return badRequest(`pageSize must be 1 to ${MAX_PAGE_SIZE}.`);
    result.pageSize = size;
  }
  const format = query.get('format') ?? 'json';
  if (format !== 'json' && format !== 'ndjson') return badRequest('format must be json or ndjson.');
  result.format = format;
  const continuation = query.get('continuationToken');
  if (continuation !== null) {
    const after = token(continuation);
    if (after && !('partition' in after)) return after;
    result.after = after;
  }
  return result;
}

export interface AuditPage {
  items: StoredAuditRecord[];
  continuationToken: string | null;
}

export async function queryAudit(store: AuditStore, query: AuditQuery): Promise<AuditPage | PlainResponse> {
  const partitions = partitionsFor(query.from, query.to, query.appId);
  const start = query.after ? partitions.indexOf(query.after.partition) : 0;
  if (start < 0) return badRequest('continuationToken does not belong to these filters.');
  const range: RowQuery = {
    newest: invertedTime(query.to),
    oldest: invertedTime(query.from),
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.severity ? { severity: query.severity } : {}),
    ...(query.outOfBand !== undefined ? { outOfBand: query.outOfBand } : {}),
  };
  const items: StoredAuditRecord[] = [];
  let last: { partition: string; rowKey: string } | undefined;
  for (let index = start; index < partitions.length && items.length < query.pageSize; index += 1) {
    const partition = partitions[index] as string;
    const after = index === start ? query.after?.rowKey : undefined;
    const rows = await store.read(
      partition,
      after ? { ...range, after } : range,
      query.pageSize - items.length,
    );
    for (const row of rows) {
      items.push(row.record);
      last = { partition, rowKey: row.rowKey };
    }
  }
  const full = items.length >= query.pageSize && last !== undefined;
  const continuationToken = full
    ? Buffer.from(JSON.stringify({ p: last?.partition, r: last?.rowKey })).toString('base64url')
    : null;
  return { items, continuationToken };
}

export async function auditQueryResponse(
  store: AuditStore,
  params: URLSearchParams,
  now: Date,
): Promise<PlainResponse> {
  const query = parseAuditQuery(params, now);
  if ('status' in query) return query;
  const page = await queryAudit(store, query);
  if ('status' in page) return page;
  if (query.format === 'ndjson') {
    return {
      status: 200,
      headers: {
        'content-type': 'application/x-ndjson',
        'cache-control': 'no-store',
        ...(page.continuationToken ? { 'x-continuation-token': page.continuationToken } : {}),
      },
      body: page.items.map((item) => `${JSON.stringify(item)}\n`).join(''),
    };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(page),
  };
}
