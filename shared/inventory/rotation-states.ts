/**
 * What rotation says about a credential, for `/api/credentials` (the port; rotation's journal is
 * the adapter, wired in runtime.ts). Additive: a credential rotation never touched has nulls.
 */
export type RotationState = 'pending' | 'verifying' | 'complete' | 'failed' | 'compensated';

export interface RotationFields {
  /** When rotation last changed this credential's story (added it, or replaced it). */
  lastRotatedAt: string | null;
  rotationState: RotationState | null;
  /** keyId of the credential that replaced this one. */
  replacedBy: string | null;
}

export interface RotationStates {
  /** By keyId, lower case. */
  byKeyId(): Promise<Map<string, RotationFields>>;
}

export const NO_ROTATION: RotationFields = { lastRotatedAt: null, rotationState: null, replacedBy: null };
