import type { AppCredential, WatchedApp } from './model.js';

/** Ids compare case-insensitively (GUIDs); the first spelling seen is kept. */
export function uniqueIds(ids: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const id of ids) {
    const trimmed = id.trim();
    if (trimmed && !seen.has(trimmed.toLowerCase())) seen.set(trimmed.toLowerCase(), trimmed);
  }
  return [...seen.values()];
}

/** GUIDs compare case-insensitively; Graph sends them lower case, which costs no copy. */
export function sameId(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/**
 * The apps a run has taken, whichever source listed them (own service principal, another owner,
 * an explicit appId): by object id and client id only, so a run streams the apps without holding
 * them. Each app's owners come from Graph when it is fetched, not from the listing.
 */
export class WatchedApps {
  readonly #objectIds = new Set<string>();
  readonly #appIds = new Set<string>();

  /** True the first time an app is seen. */
  add(app: Pick<WatchedApp, 'objectId' | 'appId'>): boolean {
    const key = app.objectId.toLowerCase();
    if (this.#objectIds.has(key)) return false;
    this.#objectIds.add(key);
    this.#appIds.add(app.appId.toLowerCase());
    return true;
  }

  hasAppId(appId: string): boolean {
    return this.#appIds.has(appId.toLowerCase());
  }

  hasObjectId(objectId: string): boolean {
    return this.#objectIds.has(objectId.toLowerCase());
  }

  get size(): number {
    return this.#objectIds.size;
  }
}

/** A credential's dates as Graph sends them: null, unparseable or .NET's year-1 default read as unknown. */
export function graphDate(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms) || new Date(ms).getUTCFullYear() < 1900) return null;
  return new Date(ms).toISOString();
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** An application resource (Graph v1.0 `application`) as the inventory keeps it. */
export function appFromGraph(resource: Record<string, unknown>, owners: string[] = []): WatchedApp {
  const passwords = Array.isArray(resource.passwordCredentials) ? resource.passwordCredentials : [];
  const keys = Array.isArray(resource.keyCredentials) ? resource.keyCredentials : [];
  const credentials: AppCredential[] = [
    ...passwords.map((p: Record<string, unknown>) => ({
      type: 'password' as const,
      keyId: String(p.keyId),
      displayName: text(p.displayName),
      hint: text(p.hint),
      thumbprint: null,
      startDateTime: graphDate(p.startDateTime),
      endDateTime: graphDate(p.endDateTime),
    })),
    ...keys.map((k: Record<string, unknown>) => ({
      type: 'certificate' as const,
      keyId: String(k.keyId),
      displayName: text(k.displayName),
      hint: null,
      thumbprint: text(k.customKeyIdentifier),
      startDateTime: graphDate(k.startDateTime),
      endDateTime: graphDate(k.endDateTime),
    })),
  ];
  return {
    objectId: String(resource.id),
    appId: String(resource.appId),
    displayName: text(resource.displayName) ?? '',
    owners,
    credentials,
  };
}
