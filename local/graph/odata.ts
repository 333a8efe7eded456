import { graphErrors } from './errors.js';

/**
 * The OData system query options the stand-in serves ("Use query parameters to customize
 * responses", Microsoft Graph): `$select` (comma-separated property names, matched
 * case-insensitively, unknown names refused), `$top` (page size; directory objects allow 1..999,
 * "Paging Microsoft Graph data in your app") and the single `prop eq 'value'` `$filter` the
 * reports API documents. Pure functions; errors are Graph's.
 */
export const MAX_TOP = 999;

export function parseSelect(
  raw: string | null,
  allowed: readonly string[],
  type: string,
): string[] | undefined {
  if (raw === null) return undefined;
  const names = raw.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw graphErrors.badRequest(`Invalid $select value '${raw}'.`);
  const canonical = new Map(allowed.map((name) => [name.toLowerCase(), name]));
  return [
    ...new Set(
      names.map((name) => {
        const known = canonical.get(name.toLowerCase());
        if (!known)
          throw graphErrors.badRequest(`Could not find a property named '${name}' on type '${type}'.`);
        return known;
      }),
    ),
  ];
}

export function parseTop(raw: string | null, fallback: number, max = MAX_TOP): number {
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1 || value > max)
    throw graphErrors.unsupportedQuery(
      `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`,
    );
  return value;
}

export interface EqFilter {
  property: string;
  value: string;
}

/** `appId eq '…'` (property from `allowed`, case-insensitive; `''` inside the quotes is one quote). */
export function parseEqFilter(raw: string | null, allowed: readonly string[]): EqFilter | undefined {
  if (raw === null) return undefined;
  const match = /^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(raw);
  const property = match ? allowed.find((name) => name.toLowerCase() === match[1]?.toLowerCase()) : undefined;
  if (!match || !property)
    throw graphErrors.unsupportedQuery(
      `Invalid filter clause: supported is ${allowed.map((name) => `${name} eq '<value>'`).join(' or ')}.`,
    );
  return { property, value: (match[2] ?? '').replaceAll("''", "'") };
}

/** Refuses system query options a route does not serve, as Graph does for unsupported ones. */
export function rejectUnknownOptions(query: URLSearchParams, served: readonly string[]): void {
  for (const name of query.keys()) {
    if (name.startsWith('$') && !served.includes(name.toLowerCase()))
      throw graphErrors.unsupportedQuery(`The query parameter '${name}' is not supported on this request.`);
  }
}

/** Keeps only the selected properties (plus `always`, e.g. `@odata.type` of directory objects). */
export function project<T extends Record<string, unknown>>(
  value: T,
  select: string[] | undefined,
  always: readonly string[] = [],
): Record<string, unknown> {
  if (!select) return value;
  const out: Record<string, unknown> = {};
  for (const name of [...always, ...select]) if (name in value) out[name] = value[name];
  return out;
}
