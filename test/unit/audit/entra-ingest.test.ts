import { describe, expect, it } from 'vitest';
import { auditLogBlobName, credentialChangeLine } from '../../../local/entra-audit-logs.js';
import { MemoryAuditLogBlobs } from '../../../shared/audit/entra-blobs.js';
import {
  EntraLogIngester,
  type OutOfBandChange,
  PublishingOutOfBandNotifier,
  TrailOutOfBandNotifier,
} from '../../../shared/audit/entra-ingest.js';
import { MemoryRotationJournal } from '../../../shared/audit/journal.js';
import { normalizeEvent } from '../../../shared/audit/normalize.js';
import { MemoryQuarantineStore } from '../../../shared/audit/quarantine.js';
import { MemoryAuditState } from '../../../shared/audit/state.js';
import { MemoryAuditStore } from '../../../shared/audit/store.js';
import { AuditTrail } from '../../../shared/audit/trail.js';
import { memoryEventSink } from '../../../shared/platform/event-publisher.js';

const tenantId = '11111111-1111-1111-1111-111111111111';
const now = new Date('2026-11-22T12:00:00Z');
const key = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

function setup(journalKeys: string[] = [], maxReadBytes?: number) {
  const store = new MemoryAuditStore();
  const quarantine = new MemoryQuarantineStore();
  const trail = new AuditTrail(store, quarantine, () => now);
  const blobs = new MemoryAuditLogBlobs();
  const state = new MemoryAuditState();
  const notices: string[] = [];
  const notifications: number[] = [];
  const recording = new TrailOutOfBandNotifier(trail);
  const journal = new MemoryRotationJournal(new Set(journalKeys));
  const notifier = {
    fail: false,
    async notify(changes: OutOfBandChange[]) {
      if (notifier.fail) throw new Error('topic unavailable');
      notifications.push(changes.length);
      notices.push(...changes.map((change) => change.keyId));
      await recording.notify(changes);
    },
  };
  const ingester = new EntraLogIngester({
    trail,
    blobs,
    state,
    journal,
    notifier,
    clock: () => now,
    lookbackHours: 72,
    ...(maxReadBytes ? { maxReadBytes } : {}),
  });
  return { store, quarantine, blobs, state, ingester, notices, notifications, journal, notifier };
}

const change = (n: number, extra: Partial<Parameters<typeof credentialChangeLine>[0]> = {}) =>
  credentialChangeLine({
    tenantId,
    time: new Date(now.getTime() - 3_600_000 + n * 1000),
    appObjectId: 'obj',
    appId: 'app-1',
    appDisplayName: 'Orders',
    id: `Directory_${n}`,
    added: [key(n)],
    ...extra,
  });

const entraRecords = (store: MemoryAuditStore) => store.records().filter((r) => r.source === 'entra');

describe('Entra audit-log ingestion', () => {
  it('reads an append blob grown in three appends once each, holding a partial last line back', async () => {
    const { store, blobs, ingester, state } = setup();
    const name = auditLogBlobName(tenantId, new Date(now.getTime() - 3_600_000));
    blobs.append(name, `${change(1)}\r\n${change(2, { dash: '-' })}\r\n`);
    await ingester.ingestBlob(name);
    const partial = change(3);
    blobs.append(name, `${partial.slice(0, 100)}`);
    await ingester.ingestBlob(name);
    expect(entraRecords(store)).toHaveLength(2);
    const offsetBefore = state.offsets.get(name);
    blobs.append(name, `${partial.slice(100)}\r\n${change(4)}\r\n`);
    const summary = await ingester.ingestRecent();
    expect(summary.lines).toBe(2);
    expect(state.offsets.get(name)).toBeGreaterThan(offsetBefore ?? 0);
    expect(
      entraRecords(store)
        .map((r) => r.id)
        .sort(),
    ).toEqual(['Directory_1', 'Directory_2', 'Directory_3', 'Directory_4']);
    // A re-read from the start (lost checkpoint) adds nothing: records de-duplicate on properties.id.
    state.offsets.clear();
    await ingester.ingestRecent();
    expect(entraRecords(store)).toHaveLength(4);
  });

  it('reads a blob further behind than one read in several ranged reads', async () => {
    const { store, blobs, ingester } = setup([], 2048);
    const name = auditLogBlobName(tenantId, now);
    blobs.append(name, Array.from({ length: 20 }, (_, i) => `${change(i)}\r\n`).join(''));
    await ingester.ingestBlob(name);
    expect(entraRecords(store)).toHaveLength(20);
  });

  it('flags a change the rotation journal does not know, and announces it once per keyId', async () => {
    const { store, blobs, ingester, notices } = setup([key(2)]);
    const name = auditLogBlobName(tenantId, now);
    blobs.append(
      name,
      `${change(1)}\r\n${change(2)}\r\n${change(5, { id: 'Directory_again', added: [key(1)] })}\r\n`,
    );
    await ingester.ingestBlob(name);
    const byId = new Map(entraRecords(store).map((r) => [r.id, r]));
    expect(byId.get('Directory_1')?.outOfBand).toBe(true);
    expect(byId.get('Directory_1')?.details.outOfBandKeyIds).toEqual([key(1)]);
    expect(byId.get('Directory_2')?.outOfBand).toBeUndefined();
    expect(notices).toEqual([key(1)]);
    const notice = store.records().filter((r) => r.kind === 'OutOfBandChange');
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatchObject({ appId: 'app-1', subject: `app-1/${key(1)}`, outOfBand: true });
  });

  it('with the product topic configured, announces an out-of-band change as an OutOfBandChange CloudEvent that auditEvents records once', async () => {
    const store = new MemoryAuditStore();
    const trail = new AuditTrail(store, new MemoryQuarantineStore(), () => now);
    const sink = memoryEventSink();
    const blobs = new MemoryAuditLogBlobs();
    const ingester = new EntraLogIngester({
      trail,
      blobs,
      state: new MemoryAuditState(),
      journal: new MemoryRotationJournal(new Set()),
      notifier: new PublishingOutOfBandNotifier(sink),
      clock: () => now,
      lookbackHours: 72,
    });
    const name = auditLogBlobName(tenantId, now);
    blobs.append(name, `${change(1)}\r\n${change(7, { id: 'Directory_again', added: [key(1)] })}\r\n`);
    await ingester.ingestBlob(name);
    expect(sink.events).toHaveLength(1);
    const [event] = sink.events;
    expect(event).toMatchObject({
      id: `outofband-${key(1)}`,
      type: 'OutOfBandChange',
      subject: `applications/app-1/credentials/${key(1)}`,
      data: { appId: 'app-1', keyId: key(1), change: 'added' },
    });
    // The topic delivers it to auditEvents (twice: at least once): one out-of-band record.
    for (let i = 0; i < 2; i++) {
      const normalized = normalizeEvent({
        specversion: '1.0',
        id: event?.id ?? '',
        type: event?.type ?? '',
        source: event?.source ?? '',
        subject: event?.subject ?? '',
        time: event?.time.toISOString() ?? '',
        data: event?.data,
      });
      if (normalized.kind === 'records') for (const record of normalized.records) await trail.record(record);
    }
    const notices = store.records().filter((r) => r.kind === 'OutOfBandChange');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ source: 'product', subject: `app-1/${key(1)}`, outOfBand: true });
  });

  it("reads the journal once per chunk and announces a chunk's out-of-band changes in one notification", async () => {
    const { store, blobs, ingester, notices, notifications, journal } = setup([key(3)], 8 * 1024);
    const name = auditLogBlobName(tenantId, now);
    // Each line adds one key and removes another, both unknown but key(3); the same line twice.
    const lines = Array.from({ length: 30 }, (_, i) =>
      change(i, { removed: [key(100 + i)], ...(i === 3 ? { added: [key(3)] } : {}) }),
    );
    blobs.append(name, [...lines, lines[0]].map((line) => `${line}\r\n`).join(''));
    let chunks = 0;
    const read = blobs.read.bind(blobs);
    blobs.read = (...args) => {
      chunks += 1;
      return read(...args);
    };
    await ingester.ingestBlob(name);
    expect(chunks).toBeGreaterThan(2);
    expect(journal.reads).toBe(chunks);
    // At most one notification per chunk, each carrying all of its chunk's new notices.
    expect(notifications.length).toBeLessThanOrEqual(chunks);
    expect(Math.min(...notifications)).toBeGreaterThan(1);
    expect(entraRecords(store)).toHaveLength(30);
    expect(new Set(notices).size).toBe(notices.length);
    expect(notices).toHaveLength(29 * 2 + 1);
    expect(notices).not.toContain(key(3));
    expect(store.records().filter((r) => r.kind === 'OutOfBandChange')).toHaveLength(59);
  });

  it('announces again after a failed notification, and only once when it went out', async () => {
    const { blobs, ingester, notices, notifier, state } = setup();
    const name = auditLogBlobName(tenantId, now);
    blobs.append(name, `${change(1)}\r\n`);
    notifier.fail = true;
    await expect(ingester.ingestBlob(name)).rejects.toThrow(/topic unavailable/);
    expect(state.offsets.get(name)).toBeUndefined();
    notifier.fail = false;
    await ingester.ingestBlob(name);
    expect(notices).toEqual([key(1)]);
    // Another hour's file removes that key again, by hand: its notice went out already.
    const later = auditLogBlobName(tenantId, new Date(now.getTime() - 3_600_000));
    blobs.append(later, `${change(9, { id: 'Directory_removal', added: [], removed: [key(1)] })}\r\n`);
    await ingester.ingestRecent();
    expect(notices).toEqual([key(1)]);
  });

  it('quarantines a line that is not JSON and goes on', async () => {
    const { store, quarantine, blobs, ingester } = setup();
    const name = auditLogBlobName(tenantId, now);
    blobs.append(name, `{"broken\r\n${change(1)}\r\n`);
    await ingester.ingestBlob(name);
    expect(entraRecords(store)).toHaveLength(1);
    expect([...quarantine.entries.values()].map((e) => [e.source, e.code])).toEqual([
      ['entra', 'event_unparseable'],
    ]);
  });

  it('leaves the checkpoint where it was when storing fails, so the next run resumes', async () => {
    const { blobs, ingester, state, store } = setup();
    const name = auditLogBlobName(tenantId, now);
    blobs.append(name, `${change(1)}\r\n`);
    const original = store.recordMany.bind(store);
    store.recordMany = async () => {
      throw Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    await expect(ingester.ingestBlob(name)).rejects.toThrow(/ECONNREFUSED/);
    expect(state.offsets.get(name)).toBeUndefined();
    store.recordMany = original;
    await ingester.ingestBlob(name);
    expect(entraRecords(store)).toHaveLength(1);
  });

  it('only lists the hours inside the lookback', async () => {
    const { store, blobs, ingester } = setup();
    blobs.append(auditLogBlobName(tenantId, new Date(now.getTime() - 80 * 3_600_000)), `${change(1)}\r\n`);
    blobs.append(auditLogBlobName(tenantId, new Date(now.getTime() - 2 * 3_600_000)), `${change(2)}\r\n`);
    await ingester.ingestRecent();
    expect(entraRecords(store).map((r) => r.id)).toEqual(['Directory_2']);
  });
});
