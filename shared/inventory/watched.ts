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

/**
 * One entry per app, whichever sources listed it (own service principal, another owner, an
 * explicit appId): keyed by object id, owners merged, the first listing's credentials kept (every
 * listing of one app in one run reads the same Graph object).
 */
export class WatchedApps {
  readonly #byObjectId = new Map<string, WatchedApp>();

  add(app: WatchedApp): void {
    const key = app.objectId.toLowerCase();
    const existing = this.#byObjectId.get(key);
    if (!existing) {
      this.#byObjectId.set(key, { ...app, owners: uniqueIds(app.owners) });
      return;
    }
    existing.owners = uniqueIds([...existing.owners, ...app.owners]);
  }

  hasAppId(appId: string): boolean {
    const wanted = appId.toLowerCase();
    for (const app of this.#byObjectId.values()) if (app.appId.toLowerCase() === wanted) return true;
    return false;
  }

  hasObjectId(objectId: string): boolean {
    return this.#byObjectId.has(objectId.toLowerCase());
  }

  all(): WatchedApp[] {
    return [...this.#byObjectId.values()];
  }

  get size(): number {
    return this.#byObjectId.size;
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
