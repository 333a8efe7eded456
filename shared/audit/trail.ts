import { AuditEventError } from './errors.js';
import { type AuditOutcome, recordAuditEvent } from './metrics.js';
import type { QuarantineStore } from './quarantine.js';
import type { AuditRecord } from './record.js';
import type { AuditStore } from './store.js';

/** Writes to the trail, counted: every source records and quarantines through here. */
export class AuditTrail {
  constructor(
    private readonly store: AuditStore,
    private readonly quarantined: QuarantineStore,
    private readonly clock: () => Date,
  ) {}

  async record(record: AuditRecord): Promise<AuditOutcome> {
    const { duplicate } = await this.store.record(record, this.clock());
    const outcome = duplicate ? 'duplicate' : 'recorded';
    recordAuditEvent(record.source, outcome);
    return outcome;
  }

  async recordMany(records: AuditRecord[]): Promise<AuditOutcome[]> {
    if (records.length === 0) return [];
    const results = await this.store.recordMany(records, this.clock());
    return results.map(({ duplicate }, index) => {
      const outcome = duplicate ? 'duplicate' : 'recorded';
      recordAuditEvent((records[index] as AuditRecord).source, outcome);
      return outcome;
    });
  }

  /** Quarantines what `error` refuses; rethrows anything else (a storage outage must fail the delivery). */
  async quarantine(
    error: unknown,
    entry: { source: string; eventId?: string; payload: string },
  ): Promise<void> {
    if (!(error instanceof AuditEventError)) throw error;
    await this.quarantined.put(
      {
        ...entry,
        reason: error.message,
        code: error.code,
        ...(entry.eventId ? { eventId: entry.eventId } : {}),
      },
      this.clock(),
    );
    recordAuditEvent(entry.source, 'quarantined');
  }
}
