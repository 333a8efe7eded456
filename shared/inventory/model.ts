/** What the inventory knows about one app and its credentials, as Graph returned them. */
export type CredentialType = 'password' | 'certificate';

export interface AppCredential {
  type: CredentialType;
  keyId: string;
  displayName: string | null;
  /** First characters of a secret (passwords only). */
  hint: string | null;
  /** SHA-1 thumbprint, hex (certificates only: Graph's customKeyIdentifier). */
  thumbprint: string | null;
  /** ISO times, or null when Graph has none: null is unknown, never year 1. */
  startDateTime: string | null;
  endDateTime: string | null;
}

export interface WatchedApp {
  objectId: string;
  appId: string;
  displayName: string;
  owners: string[];
  credentials: AppCredential[];
}

export type LastUseSource = 'signInActivity' | 'validatorUsage';

/** One row of the `credentials` table: a credential as of the last run that fetched its app. */
export interface CredentialRow extends AppCredential {
  appObjectId: string;
  appId: string;
  appDisplayName: string;
  owners: string[];
  lastUsedAt: string | null;
  lastUsedSource: LastUseSource | null;
  /** Status when the row was written (the report recomputes it for "now"). */
  status: string;
  managed: boolean;
  /** The app was gone (Graph 404) at the last run. */
  deleted: boolean;
  /** The last run could not fetch the app; the row is from `lastSuccessAt`. */
  stale: boolean;
  lastSuccessAt: string;
  /** Thresholds (days) already announced with a CredentialExpiring event. */
  notified: readonly number[];
}

export const DAY_MS = 24 * 3600 * 1000;
