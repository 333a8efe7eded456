import type { Logger } from '../platform/log.js';
import type { AuditRecord } from './normalize.js';

/**
 * The audit trail's one reaction: Key Vault fires `SecretNearExpiry` 30 days before a secret's
 * `exp` ("Azure Key Vault as Event Grid source"); when the secret is one rotation wrote, its app
 * is rotated now (rotation decides that from the secret's tags, under the app's lease). The event
 * is recorded first and a failed reaction never fails the delivery: the scheduled run catches up.
 */
export const SECRET_NEAR_EXPIRY = 'Microsoft.KeyVault.SecretNearExpiry';

/** The part of rotation the reaction needs (shared/rotation/service.ts). */
export interface NearExpiryHandler {
  onSecretNearExpiry(secret: { name: string; version?: string }, log: Logger): Promise<unknown>;
}

export async function reactToSecretNearExpiry(
  record: AuditRecord,
  handler: () => NearExpiryHandler | undefined,
  log: Logger,
): Promise<'rotation' | 'ignored' | 'failed'> {
  if (record.eventType !== SECRET_NEAR_EXPIRY || record.objectType?.toLowerCase() !== 'secret')
    return 'ignored';
  if (!record.objectName) return 'ignored';
  const rotation = handler();
  if (!rotation) {
    log.warn('SecretNearExpiry received but rotation is not configured', { objectName: record.objectName });
    return 'ignored';
  }
  try {
    await rotation.onSecretNearExpiry(
      { name: record.objectName, ...(record.objectVersion ? { version: record.objectVersion } : {}) },
      log,
    );
    return 'rotation';
  } catch (error) {
    log.error('SecretNearExpiry reaction failed; the next scheduled rotation run catches up', {
      objectName: record.objectName,
      error: error instanceof Error ? error.message : String(error),
    });
    return 'failed';
  }
}
