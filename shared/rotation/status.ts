import type { RotationJournal } from './journal.js';
import { type RotationState, stateOf } from './model.js';

/**
 * The journal as `/api/credentials` sees it: per keyId, the latest rotation that added it (its
 * state) or replaced it (`replacedBy`, once complete).
 */
export interface CredentialRotation {
  lastRotatedAt: string | null;
  rotationState: RotationState | null;
  replacedBy: string | null;
}

export function rotationStatesFrom(journal: RotationJournal) {
  return {
    async byKeyId(): Promise<Map<string, CredentialRotation>> {
      const byKeyId = new Map<string, CredentialRotation>();
      const records = (await journal.records()).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
      for (const record of records) {
        const state = stateOf(record.step);
        if (record.newKeyId)
          byKeyId.set(record.newKeyId.toLowerCase(), {
            lastRotatedAt: record.updatedAt,
            rotationState: state,
            replacedBy: null,
          });
        if (record.oldKeyId)
          byKeyId.set(record.oldKeyId.toLowerCase(), {
            lastRotatedAt: record.updatedAt,
            rotationState: state,
            replacedBy: state === 'complete' ? record.newKeyId : null,
          });
      }
      return byKeyId;
    },
  };
}
