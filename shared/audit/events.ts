import type { GridEvent } from '../platform/events.js';
import type { Logger } from '../platform/log.js';
import type { AuditOutcome } from './metrics.js';
import { normalizeEvent } from './normalize.js';
import type { Reactions } from './reactions.js';
import type { AuditTrail } from './trail.js';

export interface EventHandling {
  trail: AuditTrail;
  reactions: Reactions;
  /** Reads an Entra audit-log blob past its checkpoint (BlobCreated). */
  ingestBlob: (name: string) => Promise<unknown>;
}

export type EventOutcome = AuditOutcome | 'ingested';

/** What the event's own fields say its source is, for the quarantine row and the metric. */
function sourceOf(event: GridEvent): string {
  const type = String((event as { type?: unknown; eventType?: unknown }).type ?? event.eventType ?? '');
  if (type.startsWith('Microsoft.KeyVault.')) return 'keyvault';
  if (type.startsWith('Microsoft.Storage.')) return 'entra';
  return 'specversion' in event ? 'product' : 'unknown';
}

/**
 * One delivered event: recorded (once per source and id), or quarantined and acknowledged when it
 * cannot be parsed or is not handled. A storage failure throws, so Event Grid delivers it again.
 */
export async function handleAuditEvent(
  event: GridEvent,
  handling: EventHandling,
  log?: Logger,
): Promise<EventOutcome[]> {
  let normalized: ReturnType<typeof normalizeEvent>;
  try {
    normalized = normalizeEvent(event);
  } catch (error) {
    const id = (event as { id?: unknown }).id;
    await handling.trail.quarantine(error, {
      source: sourceOf(event),
      ...(typeof id === 'string' && id ? { eventId: id } : {}),
      payload: JSON.stringify(event),
    });
    return ['quarantined'];
  }
  if (normalized.kind === 'auditLogBlob') {
    await handling.ingestBlob(normalized.blobName);
    return ['ingested'];
  }
  const outcomes: EventOutcome[] = [];
  for (const record of normalized.records) {
    outcomes.push(await handling.trail.record(record));
    await handling.reactions.after(record, log);
  }
  return outcomes;
}
