/**
 * What rotation knows about an app, its credentials and its own journal. Dates are ISO strings
 * or null (null is unknown, never year 1).
 */
export type CredentialKind = 'password' | 'certificate';

export interface Credential {
  kind: CredentialKind;
  keyId: string;
  displayName: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
  /** Certificates: SHA-1 thumbprint, hex upper case (Graph customKeyIdentifier). */
  thumbprint?: string | null;
}

export interface AppState {
  appId: string;
  objectId: string;
  displayName: string;
  /** Graph `signInAudience`: apps that allow personal accounts keep at most 2 passwords. */
  signInAudience: string | null;
  credentials: Credential[];
}

/** `rotationState` of `/api/credentials`. */
export type RotationState = 'pending' | 'verifying' | 'complete' | 'failed' | 'compensated';

/**
 * The step a journal record reached. A rotation moves intent → added → stored → verifying →
 * complete (or failed, or compensated); a complete rotation later reaches `removed` once its old
 * credential is gone.
 */
export type RotationStep =
  | 'intent'
  | 'added'
  | 'stored'
  | 'verifying'
  | 'complete'
  | 'failed'
  | 'compensated';

/** One rotation of one app, in the `rotationjournal` table (never a secret value). */
export interface JournalRecord {
  appId: string;
  objectId: string;
  runId: string;
  kind: CredentialKind;
  step: RotationStep;
  /** The planned displayName of the new credential (prefix + run id): how a lost addPassword is found. */
  displayName: string;
  oldKeyId: string | null;
  newKeyId: string | null;
  lifetimeDays: number;
  /** When the new credential was created (Graph `startDateTime`), for the grace period. */
  newCreatedAt: string | null;
  secretName: string | null;
  secretVersion: string | null;
  secretId: string | null;
  createdAt: string;
  updatedAt: string;
  /** The failure (a code and a sentence, never a secret) when `failed` or `compensated`. */
  error: string | null;
  /** Set once the old credential was removed. */
  removedAt: string | null;
  /** Why the last removal decision said what it said (for the record, e.g. "last-use report unavailable"). */
  note: string | null;
}

/** Per-app memory beside the records: the credentials last seen, and the lifetime that worked. */
export interface AppMemory {
  appId: string;
  knownKeyIds: string[];
  lifetimeDays: number | null;
  updatedAt: string;
}

export const DAY_MS = 24 * 3600 * 1000;

export function stateOf(step: RotationStep): RotationState {
  if (step === 'intent' || step === 'added' || step === 'stored') return 'pending';
  return step;
}

export function time(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Inside its start/end window now (an unknown start counts as started; an unknown end as not valid). */
export function isValid(credential: Credential, now: number): boolean {
  const start = time(credential.startDateTime);
  const end = time(credential.endDateTime);
  return end !== undefined && now < end && (start === undefined || start <= now);
}
