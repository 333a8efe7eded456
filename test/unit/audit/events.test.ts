import { describe, expect, it } from 'vitest';
import { MemoryAuditLogBlobs } from '../../../shared/audit/entra-blobs.js';
import { handleAuditEvent } from '../../../shared/audit/events.js';
import { MemoryRotationJournal } from '../../../shared/audit/journal.js';
import { MAX_PAYLOAD_BYTES, MemoryQuarantineStore } from '../../../shared/audit/quarantine.js';
import { auditIngestSchedule, createAuditRuntime } from '../../../shared/audit/runtime.js';
import { MemoryAuditState } from '../../../shared/audit/state.js';
import { MemoryAuditStore } from '../../../shared/audit/store.js';
import { MemoryCertificateGenerations } from '../../../shared/platform/certificate-generations.js';
import type { GridEvent } from '../../../shared/platform/events.js';
import type { ReadyRuntime } from '../../../shared/platform/runtime.js';

const now = new Date('2026-11-22T12:00:00Z');

function runtime(env: Record<string, string> = {}) {
  const deps = {
    store: new MemoryAuditStore(),
    quarantine: new MemoryQuarantineStore(),
    generations: new MemoryCertificateGenerations(),
    blobs: new MemoryAuditLogBlobs(),
    state: new MemoryAuditState(),
    journal: new MemoryRotationJournal(),
    clock: () => now,
  };
  const built = createAuditRuntime(env, deps);
  if (!built.ok) throw new Error(built.problems.join('; '));
  return { ...deps, runtime: built as ReadyRuntime<typeof built> };
}

const keyVault = (id: string, type: string, objectName: string, version = 'v1'): GridEvent => ({
  id,
  topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1',
  subject: objectName,
  eventType: `Microsoft.KeyVault.${type}`,
  eventTime: '2026-11-22T08:00:00Z',
  dataVersion: '1',
  metadataVersion: '1',
  data: {
    VaultName: 'kv1',
    ObjectType: 'Certificate',
    ObjectName: objectName,
    Version: version,
    NBF: null,
    EXP: null,
  },
});

describe('audit event handling', () => {
  it('records a redelivered event once and says it was a duplicate', async () => {
    const { runtime: r, store } = runtime();
    const event = keyVault('e1', 'CertificateNearExpiry', 'gw');
    expect(await handleAuditEvent(event, r.handling)).toEqual(['recorded']);
    expect(await handleAuditEvent(event, r.handling)).toEqual(['duplicate']);
    expect(store.records()).toHaveLength(1);
  });

  it('quarantines a poison event with its reason and capped payload, and acknowledges it', async () => {
    const { runtime: r, quarantine, store } = runtime();
    const poison = { ...keyVault('p1', 'SecretNearExpiry', 'x'), data: { junk: 'j'.repeat(40_000) } };
    expect(await handleAuditEvent(poison, r.handling)).toEqual(['quarantined']);
    const [entry] = [...quarantine.entries.values()];
    expect(entry).toMatchObject({
      source: 'keyvault',
      eventId: 'p1',
      code: 'event_unparseable',
      truncated: true,
    });
    expect(entry?.reason).toMatch(/ObjectName/);
    expect(Buffer.byteLength(entry?.payload ?? '')).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(store.records()).toHaveLength(0);
  });

  it('fails (so Event Grid redelivers) when storage does not answer', async () => {
    const { runtime: r, store } = runtime();
    store.record = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    };
    await expect(
      handleAuditEvent(keyVault('e1', 'CertificateNearExpiry', 'gw'), r.handling),
    ).rejects.toThrow();
  });

  it('bumps the generation marker on CertificateNewVersionCreated, even on a redelivery', async () => {
    const { runtime: r, generations } = runtime();
    await handleAuditEvent(keyVault('n1', 'CertificateNewVersionCreated', 'Gateway-Cert', 'v2'), r.handling);
    expect(await generations.read('gateway-cert')).toBe('2026-11-22T08:00:00.000Z|v2');
    generations.markers.clear();
    await handleAuditEvent(keyVault('n1', 'CertificateNewVersionCreated', 'Gateway-Cert', 'v2'), r.handling);
    expect(await generations.read('gateway-cert')).toBe('2026-11-22T08:00:00.000Z|v2');
  });

  it('records the rotation intent for SecretNearExpiry until rotation exists', async () => {
    const { runtime: r, store } = runtime();
    await handleAuditEvent(keyVault('s1', 'SecretNearExpiry', 'db-password'), r.handling);
    const intent = store.records().find((record) => record.kind === 'RotationRequested');
    expect(intent).toMatchObject({
      id: 'rotation-s1',
      source: 'reaction',
      details: { status: 'recorded', secret: 'db-password' },
    });
  });

  it('reads an audit-log blob named by BlobCreated', async () => {
    const { runtime: r, blobs, state } = runtime();
    const name = 'tenantId=t/y=2026/m=11/d=22/h=11/m=00/PT1H.json';
    blobs.append(name, '{"properties":{"category":"UserManagement"}}\r\n');
    const created = {
      id: 'b1',
      topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st',
      subject: `/blobServices/default/containers/insights-logs-auditlogs/blobs/${name}`,
      eventType: 'Microsoft.Storage.BlobCreated',
      eventTime: '2026-11-22T11:00:00Z',
      dataVersion: '',
      metadataVersion: '1',
      data: {},
    };
    expect(await handleAuditEvent(created, r.handling)).toEqual(['ingested']);
    expect(state.offsets.get(name)).toBe(
      Buffer.byteLength('{"properties":{"category":"UserManagement"}}\r\n'),
    );
  });
});

describe('createAuditRuntime', () => {
  it('names each bad setting, and the missing storage', () => {
    const built = createAuditRuntime({ Audit__RetentionDays: '0', Audit__EntraLogLookbackHours: 'many' });
    expect(built.ok).toBe(false);
    const problems = built.ok ? [] : built.problems.join('\n');
    expect(problems).toMatch(/Audit__RetentionDays/);
    expect(problems).toMatch(/Audit__EntraLogLookbackHours/);
    expect(problems).toMatch(/AzureWebJobsStorage/);
  });

  it('defaults retention to 400 days', () => {
    expect(runtime().runtime.retentionDays).toBe(400);
    expect(runtime({ Audit__RetentionDays: '30' }).runtime.retentionDays).toBe(30);
  });

  it('schedules the audit-log ingestion every 5 minutes unless Audit__EntraLogIngestSchedule says otherwise', () => {
    expect(auditIngestSchedule({})).toBe('0 */5 * * * *');
    expect(auditIngestSchedule({ Audit__EntraLogIngestSchedule: ' 0 */15 * * * * ' })).toBe('0 */15 * * * *');
  });
});
