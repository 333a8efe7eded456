import type { CertificateGenerations } from '../platform/certificate-generations.js';
import { consoleLogger, type Logger } from '../platform/log.js';
import type { AuditRecord } from './record.js';

/**
 * What the trail does about a Key Vault event, beyond recording it. Both reactions are idempotent,
 * so they run again on a redelivery (the first delivery may have failed between record and reaction).
 * - `CertificateNewVersionCreated`: bump the certificate's generation marker; token instances
 *   compare it at most once per 10 s and load the new version on their next use.
 * - `SecretNearExpiry` (Key Vault fires it 30 days before a secret's exp, "Azure Key Vault as Event
 *   Grid source"): rotation runs for the app whose secret rotation wrote (rotation decides from the
 *   secret's tags, under the app's lease), and a `RotationRequested` record (source `reaction`) says
 *   what happened. A failed rotation never fails the delivery: the scheduled run catches up.
 */
export class Reactions {
  constructor(
    private readonly generations: CertificateGenerations,
    private readonly recordIntent: (record: AuditRecord) => Promise<void>,
    /** Rotation's reaction, when rotation is configured (shared/rotation/service.ts). */
    private readonly nearExpiry: () => NearExpiryHandler | undefined = () => undefined,
  ) {}

  /** `log` is the invocation's logger: what rotation logs while reacting goes to that function's log. */
  async after(record: AuditRecord, log: Logger = consoleLogger): Promise<void> {
    if (record.source !== 'keyvault') return;
    const objectName = String(record.details.objectName ?? '');
    if (record.kind === 'CertificateNewVersionCreated' && objectName) {
      await this.generations.bump(objectName, String(record.details.version ?? ''), record.time);
    } else if (record.kind === 'SecretNearExpiry' && objectName) {
      const { status, note } = await this.rotate(objectName, String(record.details.version ?? ''), log);
      await this.recordIntent({
        id: `rotation-${record.id}`,
        source: 'reaction',
        time: record.time,
        kind: 'RotationRequested',
        subject: record.subject,
        severity: 'info',
        details: {
          trigger: record.id,
          secret: objectName,
          status,
          note,
        },
      });
    }
  }

  private async rotate(
    name: string,
    version: string,
    log: Logger,
  ): Promise<{ status: string; note: string }> {
    const rotation = this.nearExpiry();
    if (!rotation) return { status: 'recorded', note: 'Rotation is not configured: nothing was rotated.' };
    try {
      await rotation.onSecretNearExpiry({ name, ...(version ? { version } : {}) }, log);
      return { status: 'handled', note: 'Rotation ran for the app of this secret, if rotation manages it.' };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error('SecretNearExpiry reaction failed; the next scheduled rotation run catches up', {
        secret: name,
        error: message,
      });
      return {
        status: 'failed',
        note: `Rotation failed (${message.slice(0, 200)}); the scheduled run catches up.`,
      };
    }
  }
}

/** The part of rotation the reaction needs. */
export interface NearExpiryHandler {
  onSecretNearExpiry(secret: { name: string; version?: string }, log: Logger): Promise<unknown>;
}
