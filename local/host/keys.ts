import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthLevel } from '../../shared/platform/registry.js';

/**
 * The Functions key model ("Work with access keys in Azure Functions", Microsoft Learn): a master
 * key (admin level, also satisfies function level), host keys (any function), function keys (one
 * function), and system keys for extensions such as `eventgrid_extension`. Keys arrive in the
 * `x-functions-key` header or the `code` query parameter.
 */
export interface HostKeys {
  master: string;
  host: Record<string, string>;
  functions: Record<string, Record<string, string>>;
  system: Record<string, string>;
}

export function newKey(): string {
  return randomBytes(32).toString('base64url');
}

export function generateKeys(): HostKeys {
  return {
    master: newKey(),
    host: { default: newKey() },
    functions: {},
    system: { eventgrid_extension: newKey() },
  };
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function matchesAny(presented: string, keys: Iterable<string>): boolean {
  let found = false;
  for (const key of keys) if (key && same(presented, key)) found = true;
  return found;
}

export function isAuthorized(
  level: AuthLevel,
  functionName: string,
  presented: string | undefined,
  keys: HostKeys,
) {
  if (level === 'anonymous') return true;
  if (!presented) return false;
  if (same(presented, keys.master)) return true;
  if (level === 'admin') return false;
  const functionKeys = Object.entries(keys.functions).find(
    ([name]) => name.toLowerCase() === functionName.toLowerCase(),
  );
  return (
    matchesAny(presented, Object.values(keys.host)) ||
    matchesAny(presented, Object.values(functionKeys?.[1] ?? {}))
  );
}

export function isSystemKey(name: string, presented: string | undefined, keys: HostKeys): boolean {
  if (!presented) return false;
  return (
    same(presented, keys.master) || (keys.system[name] !== undefined && same(presented, keys.system[name]))
  );
}

/** What a surface needs: a key for a function's auth level, or an extension's system key. */
export type KeyRequirement = { authLevel: AuthLevel; functionName: string } | { systemKey: string };

/** The key a caller presented: the `x-functions-key` header, else the `code` query parameter. */
export function presentedKey(headers: IncomingHttpHeaders, url: URL): string | undefined {
  return headers['x-functions-key']?.toString() ?? url.searchParams.get('code') ?? undefined;
}

/** The one key check every surface of the host makes before it runs anything. */
export function hasKey(
  requirement: KeyRequirement,
  headers: IncomingHttpHeaders,
  url: URL,
  keys: HostKeys,
): boolean {
  const presented = presentedKey(headers, url);
  return 'systemKey' in requirement
    ? isSystemKey(requirement.systemKey, presented, keys)
    : isAuthorized(requirement.authLevel, requirement.functionName, presented, keys);
}
