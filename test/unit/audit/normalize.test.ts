import { describe, expect, it } from 'vitest';
import { AuditEventError } from '../../../shared/audit/errors.js';
import { rowKeyOf } from '../../../shared/audit/keys.js';
import { normalizeEvent } from '../../../shared/audit/normalize.js';
import type { AuditRecord } from '../../../shared/audit/record.js';
import type { GridEvent } from '../../../shared/platform/events.js';

const vaultTopic = '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1';

function keyVault(type: string, data: unknown, extra: Record<string, unknown> = {}): GridEvent {
  return {
    id: 'e1',
    topic: vaultTopic,
    subject: 'gateway-cert',
    eventType: `Microsoft.KeyVault.${type}`,
    eventTime: '2026-11-22T10:00:00Z',
    dataVersion: '1',
    metadataVersion: '1',
    data,
    ...extra,
  } as GridEvent;
}

function records(event: GridEvent): AuditRecord[] {
  const normalized = normalizeEvent(event);
  if (normalized.kind !== 'records') throw new Error('expected records');
  return normalized.records;
}

function refusal(event: unknown): AuditEventError {
  try {
    normalizeEvent(event as GridEvent);
  } catch (error) {
    if (error instanceof AuditEventError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Key Vault events', () => {
  it('reads data case-insensitively, with dates as numbers or strings', () => {
    const [record] = records(
      keyVault('CertificateNewVersionCreated', {
        id: 'https://kv1/certificates/gateway-cert/v2',
        vaultname: 'kv1',
        ObjectType: 'Certificate',
        OBJECTNAME: 'gateway-cert',
        Version: 'v2',
        NBF: 1_795_000_000,
        EXP: '1826536000',
      }),
    );
    expect(record).toEqual({
      id: 'e1',
      source: 'keyvault',
      time: '2026-11-22T10:00:00.000Z',
      kind: 'CertificateNewVersionCreated',
      subject: 'kv1/gateway-cert/v2',
      severity: 'info',
      details: {
        vaultName: 'kv1',
        objectType: 'Certificate',
        objectName: 'gateway-cert',
        version: 'v2',
        objectId: 'https://kv1/certificates/gateway-cert/v2',
        notBefore: new Date(1_795_000_000_000).toISOString(),
        expires: new Date(1_826_536_000_000).toISOString(),
        topic: vaultTopic,
      },
    });
  });

  it('tolerates the stray spaces of the documented sample, in keys and values', () => {
    const [record] = records(
      keyVault('SecretNearExpiry', {
        'ObjectName ': ' db-password ',
        ' VaultName': 'kv1 ',
        NBF: null,
        EXP: '',
      }),
    );
    expect(record?.details.objectName).toBe('db-password');
    expect(record?.subject).toBe('kv1/db-password');
    expect(record?.details.notBefore).toBeUndefined();
    expect(record?.details.expires).toBeUndefined();
  });

  it.each([
    ['CertificateNewVersionCreated', 'info'],
    ['KeyNewVersionCreated', 'info'],
    ['SecretNearExpiry', 'warning'],
    ['CertificateNearExpiry', 'warning'],
    ['SecretExpired', 'critical'],
    ['KeyExpired', 'critical'],
    ['VaultAccessPolicyChanged', 'warning'],
  ])('maps %s to severity %s', (type, severity) => {
    const [record] = records(keyVault(type, { ObjectName: 'x', VaultName: 'kv1', ObjectType: 'Vault' }));
    expect(record?.kind).toBe(type);
    expect(record?.severity).toBe(severity);
  });

  it('refuses what it cannot parse or does not handle, with a reason', () => {
    expect(refusal(keyVault('SecretNearExpiry', 'not an object')).code).toBe('event_unparseable');
    expect(refusal(keyVault('SecretNearExpiry', { VaultName: 'kv1' })).message).toMatch(/ObjectName/);
    expect(refusal(keyVault('CertificateBackedUp', { ObjectName: 'x' })).code).toBe('event_not_handled');
    expect(refusal({ ...keyVault('SecretNearExpiry', {}), eventTime: 'yesterday' }).message).toMatch(
      /eventTime/,
    );
    expect(refusal({ ...keyVault('SecretNearExpiry', {}), id: '' }).message).toMatch(/no id/);
  });

  it('bounds oversize fields, so such an event can still be stored', () => {
    const [record] = records(keyVault('SecretNewVersionCreated', { ObjectName: 'n'.repeat(100_000) }));
    expect(String(record?.details.objectName).length).toBeLessThanOrEqual(2049);
  });
});

describe('product events (CloudEvents)', () => {
  const expiring = {
    specversion: '1.0',
    id: 'c1',
    source: '/gateway-plumbing/inventory',
    type: 'GatewayPlumbing.CredentialExpiring',
    time: '2026-11-22T09:00:00Z',
    data: {
      appId: 'app-1',
      keyId: 'key-1',
      threshold: 30,
      daysLeft: 29,
      endDateTime: '2026-12-21T00:00:00Z',
      owners: ['o1'],
      appDisplayName: 'Orders',
    },
  };

  it('maps CredentialExpiring to one record per app and credential', () => {
    expect(records(expiring)).toEqual([
      {
        id: 'c1',
        source: 'product',
        time: '2026-11-22T09:00:00.000Z',
        kind: 'CredentialExpiring',
        subject: 'app-1/key-1',
        actor: '/gateway-plumbing/inventory',
        severity: 'warning',
        appId: 'app-1',
        details: {
          keyId: 'key-1',
          threshold: 30,
          daysLeft: 29,
          endDateTime: '2026-12-21T00:00:00Z',
          owners: ['o1'],
          appDisplayName: 'Orders',
        },
      },
    ]);
    expect(records({ ...expiring, data: { ...expiring.data, daysLeft: 7 } })[0]?.severity).toBe('critical');
  });

  it('fans an event about several credentials out, one id each', () => {
    const rotated = {
      ...expiring,
      id: 'c2',
      type: 'RotationFailed',
      data: { appId: 'a', keyIds: ['k1', 'k2'] },
    };
    expect(records(rotated).map((r) => [r.id, r.subject, r.severity])).toEqual([
      ['c2/k1', 'a/k1', 'critical'],
      ['c2/k2', 'a/k2', 'critical'],
    ]);
  });

  it.each(['CredentialRotated', 'CredentialRemoved', 'StillInUse', 'OutOfBandChange'])(
    'records %s',
    (type) => {
      expect(records({ ...expiring, type, data: { appId: 'a', keyId: 'k' } })[0]?.kind).toBe(type);
    },
  );

  it('refuses a product event without appId, an unknown type, and one without time', () => {
    expect(refusal({ ...expiring, data: { keyId: 'k' } }).message).toMatch(/appId/);
    expect(refusal({ ...expiring, type: 'Something.Else' }).code).toBe('event_not_handled');
    const { time: _time, ...timeless } = expiring;
    expect(refusal(timeless).message).toMatch(/time/);
  });
});

describe('BlobCreated', () => {
  const blobCreated = (container: string) => ({
    id: 'b1',
    topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st',
    subject: `/blobServices/default/containers/${container}/blobs/tenantId=t/y=2026/m=11/d=22/h=10/m=00/PT1H.json`,
    eventType: 'Microsoft.Storage.BlobCreated',
    eventTime: '2026-11-22T10:00:01Z',
    dataVersion: '',
    metadataVersion: '1',
    data: { api: 'PutBlob', blobType: 'AppendBlob' },
  });

  it('names the audit-log blob to read', () => {
    expect(normalizeEvent(blobCreated('insights-logs-auditlogs') as GridEvent)).toEqual({
      kind: 'auditLogBlob',
      blobName: 'tenantId=t/y=2026/m=11/d=22/h=10/m=00/PT1H.json',
    });
  });

  it('does not handle blobs of other containers', () => {
    expect(refusal(blobCreated('audit-export')).code).toBe('event_not_handled');
  });
});

describe('row keys', () => {
  it('are accepted by Table storage, stable for a redelivery, and newest first', () => {
    const odd = { id: 'a/b#c?d\\e\u0001f', source: 'product' as const, time: '2026-01-01T00:00:00Z' };
    const key = rowKeyOf(odd);
    expect(key).not.toMatch(/[/\\#?]/);
    expect([...key].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
    expect(rowKeyOf({ ...odd })).toBe(key);
    expect(rowKeyOf({ ...odd, time: '2026-01-02T00:00:00Z' }) < key).toBe(true);
  });
});
