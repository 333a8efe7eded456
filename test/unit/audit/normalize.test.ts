import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../../shared/audit/normalize.js';
import { rowKeyFor } from '../../../shared/audit/store.js';

const receivedAt = new Date('2026-11-22T12:00:00Z');

describe('audit event normalisation', () => {
  it('reads Key Vault data case-insensitively, with dates as numbers or strings', () => {
    const record = normalizeEvent(
      {
        id: 'e1',
        topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1',
        subject: 'gateway-cert',
        eventType: 'Microsoft.KeyVault.CertificateNewVersionCreated',
        eventTime: '2026-11-22T10:00:00Z',
        dataVersion: '1',
        metadataVersion: '1',
        data: {
          id: 'https://kv1/certificates/gateway-cert/v2',
          vaultname: 'kv1',
          ObjectType: 'Certificate',
          OBJECTNAME: 'gateway-cert',
          Version: 'v2',
          NBF: 1_795_000_000,
          EXP: '1826536000',
        },
      },
      receivedAt,
    );
    expect(record).toEqual({
      eventId: 'e1',
      eventType: 'Microsoft.KeyVault.CertificateNewVersionCreated',
      source: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1',
      subject: 'gateway-cert',
      eventTime: '2026-11-22T10:00:00.000Z',
      schema: 'EventGrid',
      vaultName: 'kv1',
      objectType: 'Certificate',
      objectName: 'gateway-cert',
      objectVersion: 'v2',
      notBefore: new Date(1_795_000_000_000).toISOString(),
      expires: new Date(1_826_536_000_000).toISOString(),
    });
  });

  it('leaves out dates Key Vault sends as null or empty', () => {
    const record = normalizeEvent(
      {
        id: 'e2',
        topic: 't',
        subject: 's',
        eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
        eventTime: '2026-11-22T10:00:00Z',
        dataVersion: '1',
        metadataVersion: '1',
        data: { ObjectName: 's', NBF: null, EXP: '' },
      },
      receivedAt,
    );
    expect(record.notBefore).toBeUndefined();
    expect(record.expires).toBeUndefined();
    expect(record.objectName).toBe('s');
  });

  it('reads CloudEvents and falls back to the receive time for a bad time', () => {
    const record = normalizeEvent(
      {
        specversion: '1.0',
        id: 'c1',
        source: '/product',
        type: 'Product.Rotated',
        subject: 'app/1',
        time: 'yesterday',
      },
      receivedAt,
    );
    expect(record).toEqual({
      eventId: 'c1',
      eventType: 'Product.Rotated',
      source: '/product',
      subject: 'app/1',
      eventTime: receivedAt.toISOString(),
      schema: 'CloudEvents',
    });
  });

  it('makes row keys Table storage accepts, stable for a redelivered event', () => {
    const record = normalizeEvent(
      {
        specversion: '1.0',
        id: 'a/b#c?d\\e\u0001f',
        source: '/vaults/kv',
        type: 'T',
        time: '2026-01-01T00:00:00Z',
      },
      receivedAt,
    );
    const key = rowKeyFor(record);
    expect(key).not.toMatch(/[/\\#?]/);
    expect([...key].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true);
    expect(rowKeyFor({ ...record })).toBe(key);
  });

  it('never throws on odd events: out-of-range dates, non-string fields', () => {
    const odd = {
      specversion: '1.0',
      id: 'o1',
      source: '/vaults/kv',
      type: 'Microsoft.KeyVault.CertificateNearExpiry',
      subject: { toString: 1 },
      time: '2026-01-01T00:00:00Z',
      data: { ObjectName: 'gw', NBF: 1e20, EXP: '9'.repeat(30) },
    } as unknown as Parameters<typeof normalizeEvent>[0];
    const record = normalizeEvent(odd, receivedAt);
    expect(record.notBefore).toBeUndefined();
    expect(record.expires).toBeUndefined();
    expect(record.objectName).toBe('gw');
    expect(record.subject).toBe('');
    const topic = { id: 'o2', topic: { toString: 1 }, subject: 's', eventType: 'T', eventTime: 'x' };
    expect(normalizeEvent(topic as unknown as Parameters<typeof normalizeEvent>[0], receivedAt).source).toBe(
      '',
    );
  });

  it('bounds oversize fields, so such an event can still be stored', () => {
    const record = normalizeEvent(
      {
        id: 'big',
        topic: 't',
        subject: 's'.repeat(100_000),
        eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
        eventTime: '2026-11-22T10:00:00Z',
        dataVersion: '1',
        metadataVersion: '1',
        data: { ObjectName: 'n'.repeat(100_000) },
      },
      receivedAt,
    );
    expect(record.subject.length).toBeLessThanOrEqual(2049);
    expect(record.objectName?.length).toBeLessThanOrEqual(2049);
    expect(record.subject.startsWith('sss')).toBe(true);
  });
});
