import type { CertificateGenerations } from '../platform/certificate-generations.js';
import type { AuditRecord } from './record.js';

/**
 * What the trail does about a Key Vault event, beyond recording it. Both reactions are idempotent,
 * so they run again on a redelivery (the first delivery may have failed between record and reaction).
 * - `CertificateNewVersionCreated`: bump the certificate's generation marker; token instances
 *   compare it at most once per 10 s and load the new version on their next use.
 * - `SecretNearExpiry`: the app's rotation runs here once the rotation capability exists; until
 *   then the intent is recorded as a `RotationRequested` record (source `reaction`). Every secret is
 *   treated as managed until rotation says which are.
 */
export class Reactions {
  constructor(
    private readonly generations: CertificateGenerations,
    private readonly recordIntent: (record: AuditRecord) => Promise<void>,
  ) {}

  async after(record: AuditRecord): Promise<void> {
    if (record.source !== 'keyvault') return;
    const objectName = String(record.details.objectName ?? '');
    if (record.kind === 'CertificateNewVersionCreated' && objectName) {
      await this.generations.bump(objectName, String(record.details.version ?? ''), record.time);
    } else if (record.kind === 'SecretNearExpiry' && objectName) {
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
          status: 'recorded',
          note: 'Rotation is not built yet: the intent is recorded, nothing was rotated.',
        },
      });
    }
  }
}
