import { describe, expect, it } from 'vitest';
import type { StorageTableName } from '../../../shared/platform/resources.js';
import { safeTableKey, tableClient } from '../../../shared/platform/storage.js';

describe('table keys', () => {
  it('keeps plain values and encodes anything Table storage refuses', () => {
    expect(safeTableKey('client-1.policy_(a)')).toBe('client-1.policy_(a)');
    const encoded = safeTableKey('/vaults/kv|id#1?x\\y\u0001');
    expect(encoded).toMatch(/^b64-[A-Za-z0-9_-]+$/);
    expect(safeTableKey('/vaults/kv|id#1?x\\y\u0001')).toBe(encoded);
  });

  it('stays within the 1 KiB key limit for any input, stably', () => {
    const long = `/subscriptions/${'x'.repeat(5000)}|event`;
    const key = safeTableKey(long);
    expect(key.length).toBeLessThanOrEqual(512);
    expect(key).toMatch(/^sha256-[A-Za-z0-9_-]{43}$/);
    expect(safeTableKey(long)).toBe(key);
    expect(safeTableKey(`${long}!`)).not.toBe(key);
  });
});

describe('tableClient', () => {
  const env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
  it('opens the tables resources.ts declares, and no other', () => {
    expect(tableClient('audit', env).tableName).toBe('audit');
    expect(() => tableClient('auditx' as StorageTableName, env)).toThrow(/not one of the product's tables/);
  });
});
