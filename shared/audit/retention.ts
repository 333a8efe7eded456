import type { QuarantineStore } from './quarantine.js';
import type { AuditStore } from './store.js';

export interface RetentionResult {
  cutoff: string;
  records: number;
  quarantined: number;
}

/** `Audit__RetentionDays`: records (by event time) and quarantined events (by receipt) older than the cutoff go. */
export async function enforceRetention(
  store: AuditStore,
  quarantine: QuarantineStore,
  now: Date,
  retentionDays: number,
): Promise<RetentionResult> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const records = await store.deleteBefore(cutoff);
  const quarantined = await quarantine.deleteBefore(cutoff);
  return { cutoff: cutoff.toISOString(), records, quarantined };
}
