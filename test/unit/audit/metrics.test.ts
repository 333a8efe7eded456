import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLogBlobName, credentialChangeLine } from '../../../local/entra-audit-logs.js';
import { MemoryAuditLogBlobs } from '../../../shared/audit/entra-blobs.js';
import { handleAuditEvent } from '../../../shared/audit/events.js';
import { MemoryRotationJournal } from '../../../shared/audit/journal.js';
import { AUDIT_EVENTS, AUDIT_INGEST_LAG } from '../../../shared/audit/metrics.js';
import { MemoryQuarantineStore } from '../../../shared/audit/quarantine.js';
import { createAuditRuntime } from '../../../shared/audit/runtime.js';
import { MemoryAuditState } from '../../../shared/audit/state.js';
import { MemoryAuditStore } from '../../../shared/audit/store.js';
import { MemoryCertificateGenerations } from '../../../shared/platform/certificate-generations.js';
import { captureMetrics } from '../../helpers/metrics.js';

let capture: ReturnType<typeof captureMetrics>;
beforeAll(() => {
  capture = captureMetrics();
});
afterAll(() => capture.stop());

const now = new Date('2026-11-22T12:00:00Z');

describe('audit metrics (OpenTelemetry, in-memory reader)', () => {
  it('counts events recorded, duplicated and quarantined by source, and the audit-log ingest lag', async () => {
    const blobs = new MemoryAuditLogBlobs();
    const built = createAuditRuntime(
      {},
      {
        store: new MemoryAuditStore(),
        quarantine: new MemoryQuarantineStore(),
        generations: new MemoryCertificateGenerations(),
        blobs,
        state: new MemoryAuditState(),
        journal: new MemoryRotationJournal(new Set(['00000000-0000-0000-0000-000000000001'])),
        clock: () => now,
      },
    );
    if (!built.ok) throw new Error(built.problems.join('; '));
    const event = {
      specversion: '1.0',
      id: 'c1',
      source: '/inventory',
      type: 'CredentialRotated',
      time: '2026-11-22T11:00:00Z',
      data: { appId: 'a', keyId: 'k' },
    };
    await handleAuditEvent(event, built.handling);
    await handleAuditEvent(event, built.handling);
    await handleAuditEvent({ ...event, id: 'c2', data: {} }, built.handling);
    const name = auditLogBlobName('t', now);
    blobs.append(
      name,
      `${credentialChangeLine({
        tenantId: 't',
        time: new Date('2026-11-22T11:59:00Z'),
        appObjectId: 'o',
        appId: 'a',
        appDisplayName: 'A',
        added: ['00000000-0000-0000-0000-000000000001'],
      })}\r\n`,
    );
    await built.ingester.ingestBlob(name);
    const points = await capture.points(AUDIT_EVENTS.name);
    const count = (source: string, outcome: string) =>
      points.find((p) => p.attributes.source === source && p.attributes.outcome === outcome)?.value;
    expect(count('product', 'recorded')).toBe(1);
    expect(count('product', 'duplicate')).toBe(1);
    expect(count('product', 'quarantined')).toBe(1);
    expect(count('entra', 'recorded')).toBe(1);
    const lag = await capture.points(AUDIT_INGEST_LAG.name);
    expect(lag.map((p) => p.value)).toEqual([1]);
  });
});
