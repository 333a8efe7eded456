import { graphErrors } from './errors.js';

/**
 * Server-driven paging ("Paging Microsoft Graph data in your app"): a page holds at most `$top`
 * items and, when more follow, an `@odata.nextLink` whose `$skiptoken` is opaque to clients
 * (they follow the link verbatim). Here the token is base64url JSON: the last key served (items
 * are ordered by object id, so inserts and deletes between pages neither skip nor repeat items)
 * and, for `delta`, the change-sequence window of the round.
 */
export interface PageToken {
  /** Last object id served. */
  after?: string;
  /** delta: changes after this sequence number... */
  since?: number;
  /** ...up to this one (the delta link of the round starts here). */
  until?: number;
}

export function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodeToken(raw: string): PageToken {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw new Error('not base64url');
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    const { after, since, until } = value as Record<string, unknown>;
    if (after !== undefined && typeof after !== 'string') throw new Error('after');
    for (const n of [since, until])
      if (n !== undefined && !(typeof n === 'number' && Number.isSafeInteger(n) && n >= 0))
        throw new Error('seq');
    return {
      ...(after === undefined ? {} : { after }),
      ...(since === undefined ? {} : { since: since as number }),
      ...(until === undefined ? {} : { until: until as number }),
    };
  } catch {
    throw graphErrors.badRequest('The specified page token value has expired or is invalid.');
  }
}

export interface Page<T> {
  items: T[];
  /** Key of the last item when more items follow; undefined on the last page. */
  next?: string;
}

/** One page of `items` after key `after`, ordered by `keyOf`. */
export function pageOf<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  top: number,
  after?: string,
): Page<T> {
  const sorted = [...items].sort((a, b) => compare(keyOf(a), keyOf(b)));
  const rest = after === undefined ? sorted : sorted.filter((item) => compare(keyOf(item), after) > 0);
  const items_ = rest.slice(0, top);
  const last = items_[items_.length - 1];
  return rest.length > top && last !== undefined ? { items: items_, next: keyOf(last) } : { items: items_ };
}

function compare(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
