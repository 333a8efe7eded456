import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startStack } from '../../local/stack.js';
import { tableClient } from '../../shared/platform/storage.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    log: () => undefined,
  });
});

afterAll(async () => {
  await stack?.stop();
});

const keyVaultEvent = (id: string, objectName: string) => ({
  id,
  topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1',
  subject: objectName,
  eventType: 'Microsoft.KeyVault.SecretNearExpiry',
  eventTime: '2026-11-20T08:00:00Z',
  dataVersion: '1',
  metadataVersion: '1',
  data: {
    Id: `https://kv1.vault.azure.net/secrets/${objectName}/v1`,
    VaultName: 'kv1',
    ObjectType: 'Secret',
    ObjectName: objectName,
    Version: 'v1',
    NBF: null,
    EXP: 1_796_000_000,
  },
});

async function post(events: unknown[]): Promise<number> {
  const response = await fetch(stack.host.eventGridUrl('auditEvents'), {
    method: 'POST',
    headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  return response.status;
}

describe('auditEvents (Event Grid → audit table)', () => {
  it('records Key Vault events once, even when Event Grid delivers them again', async () => {
    expect(await post([keyVaultEvent('ev-1', 'db-password'), keyVaultEvent('ev-2', 'api-key')])).toBe(202);
    expect(await post([keyVaultEvent('ev-1', 'db-password')])).toBe(202);
    const rows = [];
    for await (const entity of tableClient('audit').listEntities({
      queryOptions: { filter: "PartitionKey eq '2026-11-20'" },
    })) {
      rows.push(entity);
    }
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.objectName).sort()).toEqual(['api-key', 'db-password']);
    expect(rows[0]).toMatchObject({
      eventType: 'Microsoft.KeyVault.SecretNearExpiry',
      vaultName: 'kv1',
      objectType: 'Secret',
    });
    expect(rows.find((r) => r.objectName === 'db-password')?.expires).toBe(
      new Date(1_796_000_000_000).toISOString(),
    );
  });

  it('answers the subscription handshake Event Grid sends when the subscription is created', async () => {
    const response = await fetch(stack.host.eventGridUrl('auditEvents'), {
      method: 'POST',
      headers: { 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([{ ...keyVaultEvent('v', 'x'), data: { validationCode: 'abc' } }]),
    });
    expect(await response.json()).toEqual({ validationResponse: 'abc' });
  });
});
