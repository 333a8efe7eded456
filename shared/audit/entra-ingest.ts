import type { EventSink } from '../platform/event-publisher.js';
import { type EntraAuditEntry, entraAuditEntry } from './entra-audit-log.js';
import type { AuditLogBlobs } from './entra-blobs.js';
import { unparseable } from './errors.js';
import type { RotationJournal } from './journal.js';
import { recordIngestLag } from './metrics.js';
import type { AuditState, Chunk } from './state.js';
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
  /** Announces a chunk's changes together (one publish, or one batch of records). */
  notify(changes: OutOfBandChange[]): Promise<void>;
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

  async notify(changes: OutOfBandChange[]): Promise<void> {
    await this.sink.publish(
      changes.map((change) => ({
        id: noticeId(change),
        type: 'OutOfBandChange',
        source: OUT_OF_BAND_SOURCE,
        subject: `applications/${change.appId}/credentials/${change.keyId}`,
        time: new Date(change.time),
        data: { ...change },
      })),
    );
  }
}

export const OUT_OF_BAND_SOURCE = '/entra-gateway-token-plumbing/audit';

/** Without a topic, the notice is an `OutOfBandChange` record of source `product` in the trail itself. */
export class TrailOutOfBandNotifier implements OutOfBandNotifier {
  constructor(private readonly trail: AuditTrail) {}

  async notify(changes: OutOfBandChange[]): Promise<void> {
    await this.trail.recordMany(
      changes.map((change) => {
        const { appId, keyId, ...rest } = change;
        return {
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
        };
      }),
    );
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

  /**
   * Reads the blob in ranged reads of at most `maxReadBytes` (memory stays bounded by one read),
   * stores each chunk whole, and only then advances the checkpoint past it.
   */
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
      await this.storeChunk(lines, { blobName: name, end: checkpoint.offset + end });
      done.lines += lines.length;
      done.bytes += end;
      // Another reader moved it first: it stored these lines too, and carries on from there.
      if (!(await this.options.state.advance(name, checkpoint, checkpoint.offset + end))) return done;
    }
  }

  /**
   * One chunk: one journal read for all its credential changes, its records in entity group
   * transactions, its out-of-band notices claimed and sent together. Any failure leaves the
   * checkpoint, so the chunk is read again and lands on the same rows.
   */
  private async storeChunk(lines: string[], chunk: Chunk): Promise<void> {
    const entries: EntraAuditEntry[] = [];
    const refused: { error: unknown; line: string }[] = [];
    for (const line of lines) {
      try {
        const entry = entraAuditEntry(parseLine(line));
        if (entry) entries.push(entry);
      } catch (error) {
        refused.push({ error, line });
      }
    }
    const changed = entries.filter(isCredentialChange);
    const known = await this.options.journal.knownKeys([
      ...new Set(changed.flatMap((entry) => [...entry.added, ...entry.removed])),
    ]);
    const changes = new Map<string, OutOfBandChange>();
    for (const entry of changed) {
      const unknown = [...entry.added, ...entry.removed].filter((keyId) => !known.has(keyId));
      if (unknown.length === 0) continue;
      const { record } = entry;
      record.outOfBand = true;
      record.severity = 'warning';
      record.details.outOfBandKeyIds = unknown;
      for (const keyId of unknown) {
        if (changes.has(keyId)) continue;
        changes.set(keyId, {
          appId: record.appId ?? record.subject,
          keyId,
          change: entry.added.includes(keyId) ? 'added' : 'removed',
          auditId: record.id,
          time: record.time,
          ...(record.actor ? { actor: record.actor } : {}),
        });
      }
    }
    await this.options.trail.recordMany(entries.map((entry) => entry.record));
    const now = this.options.clock();
    for (const entry of entries) recordIngestLag(entry.record.time, now);
    for (const { error, line } of refused)
      await this.options.trail.quarantine(error, { source: 'entra', payload: line });
    await this.announce([...changes.values()], chunk);
  }

  /** One notice per keyId, across re-reads and instances: claimed for the chunk (auditstate), then sent. */
  private async announce(changes: OutOfBandChange[], chunk: Chunk): Promise<void> {
    if (changes.length === 0) return;
    const claimed = await this.options.state.claimNotices(
      changes.map((change) => change.keyId),
      chunk,
    );
    const due = changes.filter((change) => claimed.has(change.keyId));
    if (due.length > 0) await this.options.notifier.notify(due);
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw unparseable('The audit-log line is not JSON.');
  }
}

/** A successful credential change: the entries whose keyIds the journal is asked about. */
const isCredentialChange = (entry: EntraAuditEntry) =>
  entry.record.kind === 'CredentialChange' && entry.record.details.result === 'success';
