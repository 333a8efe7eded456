import { randomUUID } from 'node:crypto';
import type { JournalRecord } from '../../shared/rotation/model.js';

/** A completed rotation as rotation's journal records it: what the audit trail asks about keyIds. */
export function completedRotation(
  keys: Pick<JournalRecord, 'newKeyId' | 'oldKeyId'> & Partial<JournalRecord>,
): JournalRecord {
  const now = new Date().toISOString();
  return {
    appId: randomUUID(),
    objectId: randomUUID(),
    runId: `run-${randomUUID()}`,
    kind: 'password',
    step: 'complete',
    displayName: 'managed-by:gateway-plumbing run',
    lifetimeDays: 180,
    newCreatedAt: now,
    secretName: null,
    secretVersion: null,
    secretId: null,
    createdAt: now,
    updatedAt: now,
    error: null,
    removedAt: null,
    note: null,
    ...keys,
  };
}
