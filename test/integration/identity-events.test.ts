import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, type RunningIdentity, startStack } from '../../local/stack.js';
import { azureCredential } from '../../shared/platform/azure-credential.js';
import type { GridEvent } from '../../shared/platform/events.js';
import { keyVaultClientOptions } from '../../shared/platform/keyvault.js';
import { registerEventGrid } from '../../shared/platform/registry.js';

// A test-only Event Grid function, registered before the stack loads its (empty) functions folder.
const received: GridEvent[] = [];
registerEventGrid('vaultEventsProbe', {
  handler: (event) => {
    received.push(event);
  },
});

const emptyFunctions = mkdtempSync(join(tmpdir(), 'no-functions-'));
let stack: LocalStack;
let id: RunningIdentity;

beforeAll(async () => {
  stack = await startStack({
    functionsDir: emptyFunctions,
    port: 0,
    identity: true,
    timers: false,
    log: () => undefined,
  });
  id = stack.identity as RunningIdentity;
  id.keyVault.setEventGridUrl(stack.host.eventGridUrl('vaultEventsProbe'));
});
afterAll(async () => {
  await stack?.stop();
  rmSync(emptyFunctions, { recursive: true, force: true });
});

type KeyVaultEvent = { eventType: string; subject: string; data: Record<string, unknown> };
const ofType = (type: string, name: string) =>
  (received as unknown as KeyVaultEvent[]).filter(
    (e) => e.eventType === `Microsoft.KeyVault.${type}` && e.subject === name,
  );

describe('startStack({ identity: true })', () => {
  it('puts the stand-in settings into the environment the functions read', () => {
    expect(process.env.AZURE_AUTHORITY_HOST).toBe(id.authorityHost);
    expect(process.env.AzureAd__TenantId).toBe(id.tenantId);
    expect(process.env.KeyVault__DisableChallengeResourceVerification).toBe('true');
  });
});

describe('Key Vault events reach an Event Grid function through the local host', () => {
  it('publishes SecretNewVersionCreated for a secret set through the SDK', async () => {
    const client = new SecretClient(
      id.keyVaultUrl,
      azureCredential(process.env),
      keyVaultClientOptions(process.env),
    );
    const set = await client.setSecret('events-secret', 'v1');
    await id.keyVault.flushEvents();
    const [event] = ofType('SecretNewVersionCreated', 'events-secret');
    expect(event?.data).toEqual({
      Id: `${id.keyVaultUrl}secrets/events-secret/${set.properties.version}`,
      VaultName: 'local-vault',
      ObjectType: 'Secret',
      ObjectName: 'events-secret',
      Version: set.properties.version,
      NBF: null,
      EXP: null,
    });
    expect(id.keyVault.deliveries.at(-1)?.status).toBe(202);
  });

  it('publishes CertificateNewVersionCreated with NBF and EXP', async () => {
    const created = id.keyVault.createCertificate('events-cert', { subject: 'CN=events', validityMonths: 1 });
    await id.keyVault.flushEvents();
    const [event] = ofType('CertificateNewVersionCreated', 'events-cert');
    expect(event?.data).toMatchObject({
      ObjectType: 'Certificate',
      ObjectName: 'events-cert',
      Version: created.version,
    });
    expect(typeof event?.data.EXP).toBe('number');
    expect(typeof event?.data.NBF).toBe('number');
  });

  it('publishes NearExpiry (30 days) and Expired from the sweep, once per version', async () => {
    const now = Math.floor(Date.now() / 1000);
    id.keyVault.setSecret('soon', 'x', { exp: now + 10 * 86_400 });
    id.keyVault.setSecret('gone', 'x', { exp: now - 60 });
    id.keyVault.setSecret('later', 'x', { exp: now + 90 * 86_400 });
    const swept = await id.keyVault.sweep();
    const types = swept.map((e) => `${e.eventType} ${e.subject}`);
    expect(types).toEqual(
      expect.arrayContaining([
        'Microsoft.KeyVault.SecretNearExpiry soon',
        'Microsoft.KeyVault.SecretExpired gone',
      ]),
    );
    expect(types.some((t) => t.endsWith(' later'))).toBe(false);
    expect(types.some((t) => t === 'Microsoft.KeyVault.CertificateExpired events-cert')).toBe(false);
    expect(ofType('SecretNearExpiry', 'soon')).toHaveLength(1);
    expect(ofType('SecretExpired', 'gone')).toHaveLength(1);
    const again = await id.keyVault.sweep();
    expect(again.filter((e) => e.subject === 'soon' || e.subject === 'gone')).toEqual([]);
  });
});
