import type { EventSink } from '../platform/event-publisher.js';
import { entraAuditEntry } from './entra-audit-log.js';
import type { AuditLogBlobs } from './entra-blobs.js';
import { unparseable } from './errors.js';
import type { RotationJournal } from './journal.js';
import { recordIngestLag } from './metrics.js';
import type { AuditRecord } from './record.js';
import type { AuditState } from './state.js';
import type { AuditTrail } from './trail.js';

/** A credential change the rotation journal does not know, announced once per keyId. */
export interface OutOfBandChange {
  appId: string;
  keyId: string;
  change: 'added' | 'removed';
  auditId: string;
  time: string;
  actor?: string;
}

export interface OutOfBandNotifier {
  notify(change: OutOfBandChange): Promise<void>;
}

/** The notice's id: the same on every attempt, so a re-read line or a redelivery records it once. */
const noticeId = (change: OutOfBandChange) => `outofband-${change.keyId}`;

/**
 * With the product's topic configured, the notice is an `OutOfBandChange` CloudEvent (routed like
 * every product event, e.g. to mail or Teams), which auditEvents records; a failed publish fails the
 * ingestion, so the checkpoint stays and the next run announces it again under the same id.
 */
export class PublishingOutOfBandNotifier implements OutOfBandNotifier {
  constructor(private readonly sink: EventSink) {}

  async notify(change: OutOfBandChange): Promise<void> {
    await this.sink.publish([
      {
        id: noticeId(change),
        type: 'OutOfBandChange',
        source: OUT_OF_BAND_SOURCE,
        subject: `applications/${change.appId}/credentials/${change.keyId}`,
        time: new Date(change.time),
        data: { ...change },
      },
    ]);
  }
}

export const OUT_OF_BAND_SOURCE = '/entra-gateway-token-plumbing/audit';

/** Without a topic, the notice is an `OutOfBandChange` record of source `product` in the trail itself. */
export class TrailOutOfBandNotifier implements OutOfBandNotifier {
  constructor(private readonly trail: AuditTrail) {}

  async notify(change: OutOfBandChange): Promise<void> {
    const { appId, keyId, ...rest } = change;
    await this.trail.record({
      id: noticeId(change),
      source: 'product',
      time: change.time,
      kind: 'OutOfBandChange',
      subject: `${appId}/${keyId}`,
      severity: 'warning',
      appId,
      outOfBand: true,
      details: { keyId, ...rest },
      ...(change.actor ? { actor: change.actor } : {}),
    });
  }
}

export interface EntraIngestOptions {
  trail: AuditTrail;
  blobs: AuditLogBlobs;
  state: AuditState;
  journal: RotationJournal;
  notifier: OutOfBandNotifier;
  clock: () => Date;
  lookbackHours: number;
  /** Largest ranged read; a blob further behind is read in several. */
  maxReadBytes?: number;
}

export interface IngestSummary {
  blobs: number;
  lines: number;
  bytes: number;
}

const NEWLINE = 0x0a;
/** Storage writes in flight per blob: enough to hide Table storage latency, few enough not to be throttled. */
const LINE_CONCURRENCY = 16;

/** Runs `work` on every item, at most `limit` at a time; rejects with the first failure, after all settle. */
async function eachConcurrently<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
const pad = (n: number) => String(n).padStart(2, '0');

/** The hour folder of a diagnostic-settings blob: `y=YYYY/m=MM/d=DD/h=HH/`. */
export function hourPath(time: Date): string {
  return `y=${time.getUTCFullYear()}/m=${pad(time.getUTCMonth() + 1)}/d=${pad(time.getUTCDate())}/h=${pad(time.getUTCHours())}/`;
}

/**
 * Entra audit logs from diagnostic-settings append blobs (JSON Lines, CRLF). BlobCreated fires once
 * per blob at most, never on AppendBlock, so each blob is read by offset: a ranged read past its
 * checkpoint, complete lines only (a partial last line waits), the checkpoint advanced only once the
 * lines up to it are stored. Records de-duplicate on `properties.id` (the trail's identity rule).
 */
export class EntraLogIngester {
  private readonly maxReadBytes: number;
  private readonly notifying = new Map<string, Promise<void>>();

  constructor(private readonly options: EntraIngestOptions) {
    this.maxReadBytes = options.maxReadBytes ?? 4 * 1024 * 1024;
  }

  /** Every blob of the recent hours (`lookbackHours`) of every tenant folder. */
  async ingestRecent(): Promise<IngestSummary> {
    const total: IngestSummary = { blobs: 0, lines: 0, bytes: 0 };
    const now = this.options.clock().getTime();
    for await (const tenant of this.options.blobs.tenants()) {
      for (let hour = this.options.lookbackHours; hour >= 0; hour -= 1) {
        const prefix = `${tenant}${hourPath(new Date(now - hour * 3_600_000))}`;
        for await (const blob of this.options.blobs.list(prefix)) {
          const done = await this.ingestBlob(blob.name, blob.size);
          total.blobs += 1;
          total.lines += done.lines;
          total.bytes += done.bytes;
        }
      }
    }
    return total;
  }

  async ingestBlob(name: string, knownSize?: number): Promise<IngestSummary> {
    const done: IngestSummary = { blobs: 1, lines: 0, bytes: 0 };
    const size = knownSize ?? (await this.options.blobs.size(name));
    if (size === undefined) return done;
    for (;;) {
      const checkpoint = await this.options.state.checkpoint(name);
      if (checkpoint.offset >= size) return done;
      const count = Math.min(size - checkpoint.offset, this.maxReadBytes);
      const bytes = await this.options.blobs.read(name, checkpoint.offset, count);
      let end = bytes.lastIndexOf(NEWLINE) + 1;
      if (end === 0) {
        // A partial last line waits for the next read, unless it can never fit in one.
        if (count < this.maxReadBytes) return done;
        await this.options.trail.quarantine(unparseable(`A line longer than ${count} bytes is skipped.`), {
          source: 'entra',
          payload: bytes.subarray(0, 1024).toString('utf8'),
        });
        end = bytes.length;
      }
      const lines = bytes
        .subarray(0, end)
        .toString('utf8')
        .split('\n')
        .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
        .filter((line) => line.trim() !== '');
      // Lines are independent (each record has its own identity), so a chunk is stored concurrently;
      // the checkpoint moves only once all of it is.
      await eachConcurrently(lines, LINE_CONCURRENCY, (line) => this.ingestLine(line));
      done.lines += lines.length;
      done.bytes += end;
      // Another reader moved it first: it stored these lines too, and carries on from there.
      if (!(await this.options.state.advance(name, checkpoint, checkpoint.offset + end))) return done;
    }
  }

  private async ingestLine(text: string): Promise<void> {
    let entry: ReturnType<typeof entraAuditEntry>;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw unparseable('The audit-log line is not JSON.');
      }
      entry = entraAuditEntry(parsed);
    } catch (error) {
      await this.options.trail.quarantine(error, { source: 'entra', payload: text });
      return;
    }
    if (!entry) return;
    const unknown = await this.outOfBandKeys(entry.record, [...entry.added, ...entry.removed]);
    if (unknown.length > 0) {
      entry.record.outOfBand = true;
      entry.record.severity = 'warning';
      entry.record.details.outOfBandKeyIds = unknown;
    }
    await this.options.trail.record(entry.record);
    recordIngestLag(entry.record.time, this.options.clock());
    for (const keyId of unknown) {
      const change: OutOfBandChange = {
        appId: entry.record.appId ?? entry.record.subject,
        keyId,
        change: entry.added.includes(keyId) ? 'added' : 'removed',
        auditId: entry.record.id,
        time: entry.record.time,
        ...(entry.record.actor ? { actor: entry.record.actor } : {}),
      };
      await this.notifyOnce(change);
    }
  }

  /**
   * One notice per keyId: lines of a chunk run concurrently, so a keyId being announced is joined,
   * not announced again; across instances the `auditstate` marker decides (a race may repeat one).
   */
  private notifyOnce(change: OutOfBandChange): Promise<void> {
    const running = this.notifying.get(change.keyId);
    if (running) return running;
    const notice = (async () => {
      if (await this.options.state.notified(change.keyId)) return;
      await this.options.notifier.notify(change);
      await this.options.state.markNotified(change.keyId, change.time);
    })().finally(() => this.notifying.delete(change.keyId));
    this.notifying.set(change.keyId, notice);
    return notice;
  }

  /** The changed keyIds of a successful credential change that the rotation journal does not know. */
  private async outOfBandKeys(record: AuditRecord, keyIds: string[]): Promise<string[]> {
    if (record.kind !== 'CredentialChange' || record.details.result !== 'success') return [];
    const unknown: string[] = [];
    for (const keyId of keyIds) if (!(await this.options.journal.knows(keyId))) unknown.push(keyId);
    return unknown;
  }
}
