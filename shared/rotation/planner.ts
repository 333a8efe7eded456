import {
  type AppMemory,
  type AppState,
  type Credential,
  DAY_MS,
  isValid,
  type JournalRecord,
  time,
} from './model.js';

/**
 * The pure planner: (apps as Graph has them now, the journal, the last-use report, the policy,
 * now) → what to do. No I/O and no clock of its own, so every boundary is a table-driven test.
 *
 * - Ours to manage: passwords whose displayName starts with the managed prefix, or every password
 *   of an app listed in `managedAppIds` (adopted). Anything else is reported, never touched.
 * - An app with an unfinished rotation (a crash, a failed verification) is resumed first and gets
 *   nothing else this run.
 * - Rotate when the newest managed secret ends within `rotateBeforeDays` (the boundary included)
 *   or has ended; a secret with no end date is reported, not rotated.
 * - Remove an old secret once a complete rotation replaced it, the grace period has passed (the
 *   boundary included), the last-use report shows no sign-in with it since the new one was created
 *   (skipped, and said so, when the report is unavailable) and it is not the app's last valid
 *   credential. Used since: `StillInUse`, until it expires.
 */
export interface RotationPolicy {
  managedPrefix: string;
  managedAppIds: string[];
  rotateBeforeDays: number;
  secretLifetimeDays: number;
  minSecretLifetimeDays: number;
  graceDays: number;
}

export interface PlanInput {
  apps: AppState[];
  journal: JournalRecord[];
  memory: AppMemory[];
  /** Last sign-in per keyId (lower case); null when the report is unavailable. */
  lastUse: ReadonlyMap<string, string> | null;
  policy: RotationPolicy;
  now: number;
}

export type BlockReason = 'credential_limit' | 'no_end_date' | 'last_valid_credential';

export type Action =
  | { kind: 'resume'; app: AppState; record: JournalRecord }
  | { kind: 'rotate'; app: AppState; oldKeyId: string; lifetimeDays: number }
  | { kind: 'remove'; app: AppState; record: JournalRecord; keyId: string; lastUseChecked: boolean }
  | { kind: 'stillInUse'; app: AppState; record: JournalRecord; keyId: string; lastSignIn: string }
  /** The old credential is gone already (removed by hand, or never there): the record is settled. */
  | { kind: 'settle'; app: AppState; record: JournalRecord }
  | { kind: 'blocked'; app: AppState; keyId: string; reason: BlockReason }
  | { kind: 'unmanaged'; app: AppState; keyId: string }
  | { kind: 'drift'; app: AppState; keyId: string; change: 'appeared' | 'vanished' };

/** Apps that allow personal Microsoft accounts keep at most 2 passwords (AZURE-FACTS, Graph). */
const PERSONAL_AUDIENCES = new Set(['AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']);
export const PERSONAL_PASSWORD_LIMIT = 2;

const lower = (value: string) => value.toLowerCase();

/** Open: the run that wrote it did not finish it (or verification failed and the next run re-verifies). */
export function isOpen(record: JournalRecord): boolean {
  if (record.step === 'failed') return record.newKeyId !== null && record.secretName !== null;
  return record.step !== 'complete' && record.step !== 'compensated';
}

export function isManaged(app: AppState, credential: Credential, policy: RotationPolicy): boolean {
  if (credential.kind !== 'password') return false;
  if (policy.managedAppIds.some((id) => lower(id) === lower(app.appId))) return true;
  return (credential.displayName ?? '').startsWith(policy.managedPrefix);
}

/** The lifetime to try after a lifetime-policy refusal: half, not below the minimum; undefined when spent. */
export function halvedLifetime(days: number, minDays: number): number | undefined {
  if (days <= minDays) return undefined;
  return Math.max(Math.floor(days / 2), minDays);
}

function lifetimeFor(appId: string, memory: AppMemory[], policy: RotationPolicy): number {
  const remembered = memory.find((m) => lower(m.appId) === lower(appId))?.lifetimeDays;
  const days = remembered ?? policy.secretLifetimeDays;
  return Math.max(Math.min(days, policy.secretLifetimeDays), policy.minSecretLifetimeDays);
}

function removal(app: AppState, record: JournalRecord, input: PlanInput): Action | undefined {
  const { now, policy, lastUse } = input;
  const old = app.credentials.find((c) => record.oldKeyId && lower(c.keyId) === lower(record.oldKeyId));
  if (!old) return { kind: 'settle', app, record };
  const created = time(record.newCreatedAt ?? record.updatedAt) ?? now;
  if (now - created < policy.graceDays * DAY_MS) return undefined;
  const othersValid = app.credentials.some((c) => c !== old && isValid(c, now));
  if (!othersValid) return { kind: 'blocked', app, keyId: old.keyId, reason: 'last_valid_credential' };
  const expired = !isValid(old, now);
  if (!expired && lastUse) {
    const lastSignIn = lastUse.get(lower(old.keyId));
    const at = time(lastSignIn);
    if (lastSignIn && at !== undefined && at >= created)
      return { kind: 'stillInUse', app, record, keyId: old.keyId, lastSignIn };
  }
  return { kind: 'remove', app, record, keyId: old.keyId, lastUseChecked: lastUse !== null || expired };
}

function drift(app: AppState, records: JournalRecord[], memory: AppMemory | undefined): Action[] {
  if (!memory) return [];
  const known = new Set(memory.knownKeyIds.map(lower));
  const current = new Set(app.credentials.map((c) => lower(c.keyId)));
  const ours = new Set(
    records
      .flatMap((r) => [r.newKeyId, r.removedAt ? r.oldKeyId : null])
      .filter((k): k is string => !!k)
      .map(lower),
  );
  // A credential a crashed run added before it learnt the keyId carries the record's displayName.
  const names = new Set(records.map((r) => r.displayName));
  const actions: Action[] = [];
  for (const c of app.credentials)
    if (!known.has(lower(c.keyId)) && !ours.has(lower(c.keyId)) && !names.has(c.displayName ?? ''))
      actions.push({ kind: 'drift', app, keyId: c.keyId, change: 'appeared' });
  for (const keyId of memory.knownKeyIds)
    if (!current.has(lower(keyId)) && !ours.has(lower(keyId)))
      actions.push({ kind: 'drift', app, keyId, change: 'vanished' });
  return actions;
}

export function planApp(app: AppState, input: PlanInput): Action[] {
  const { policy, now } = input;
  const records = input.journal.filter((r) => lower(r.appId) === lower(app.appId));
  const memory = input.memory.find((m) => lower(m.appId) === lower(app.appId));
  const actions: Action[] = drift(app, records, memory);
  const managed = app.credentials.filter((c) => isManaged(app, c, policy));
  for (const c of app.credentials)
    if (!managed.includes(c)) actions.push({ kind: 'unmanaged', app, keyId: c.keyId });

  const open = records.filter(isOpen).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (open.length > 0)
    return [...actions, ...open.map((record) => ({ kind: 'resume' as const, app, record }))];

  for (const record of records)
    if (record.step === 'complete' && record.oldKeyId && !record.removedAt) {
      const decision = removal(app, record, input);
      if (decision) actions.push(decision);
    }

  if (managed.length === 0) return actions;
  const newest = [...managed].sort(
    (a, b) => (time(b.endDateTime) ?? Infinity) - (time(a.endDateTime) ?? Infinity),
  )[0] as Credential;
  const end = time(newest.endDateTime);
  if (end === undefined)
    return [...actions, { kind: 'blocked', app, keyId: newest.keyId, reason: 'no_end_date' }];
  if (end - now > policy.rotateBeforeDays * DAY_MS) return actions;
  const passwords = app.credentials.filter((c) => c.kind === 'password').length;
  if (PERSONAL_AUDIENCES.has(app.signInAudience ?? '') && passwords >= PERSONAL_PASSWORD_LIMIT)
    return [...actions, { kind: 'blocked', app, keyId: newest.keyId, reason: 'credential_limit' }];
  return [
    ...actions,
    {
      kind: 'rotate',
      app,
      oldKeyId: newest.keyId,
      lifetimeDays: lifetimeFor(app.appId, input.memory, policy),
    },
  ];
}

export function plan(input: PlanInput): Action[] {
  return input.apps.flatMap((app) => planApp(app, input));
}
