import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../local/azurite.js';
import {
  AUDIT_LOG_CONTAINER,
  appendAuditLog,
  auditLogBlobName,
  credentialChangeLine,
} from '../../local/entra-audit-logs.js';
import { type LocalStack, type RunningIdentity, startStack } from '../../local/stack.js';
import type { StoredAuditRecord } from '../../shared/audit/record.js';
import { azureCredential } from '../../shared/platform/azure-credential.js';
import { TableCertificateGenerations } from '../../shared/platform/certificate-generations.js';
import { tableClient } from '../../shared/platform/storage.js';
import { tableRotationJournal } from '../../shared/rotation/journal.js';
import { CertificateCache } from '../../shared/tokens/certificate-cache.js';
import { keyVaultSource } from '../../shared/tokens/keyvault.js';
import { completedRotation } from '../helpers/audit-journal.js';
import { freePort } from '../helpers/ports.js';

let azuriteDir: string;
let ports: { blob: number; queue: number; table: number };
let azurite: RunningAzurite;
let stack: LocalStack;
let id: RunningIdentity;

const startStorage = () => startAzurite({ location: azuriteDir, ports });

beforeAll(async () => {
  azuriteDir = mkdtempSync(join(tmpdir(), 'audit-azurite-'));
  ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  azurite = await startStorage();
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    identity: true,
    azurite,
    timers: false,
    log: () => undefined,
  });
  id = stack.identity as RunningIdentity;
  id.keyVault.setEventGridUrl(stack.host.eventGridUrl('auditEvents'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await azurite?.stop();
  if (azuriteDir) rmSync(azuriteDir, { recursive: true, force: true });
});

const keyVaultEvent = (eventId: string, objectName: string, type = 'SecretNearExpiry') => ({
  id: eventId,
  topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1',
  subject: objectName,
  eventType: `Microsoft.KeyVault.${type}`,
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

async function post(events: unknown, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(stack.host.eventGridUrl('auditEvents'), {
    method: 'POST',
    headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(events),
  });
  await response.arrayBuffer();
  return response.status;
}

async function audit(query: string): Promise<{ status: number; items: StoredAuditRecord[]; body: unknown }> {
  const response = await fetch(`${stack.host.url}/api/audit?${query}`, {
    headers: { 'x-functions-key': stack.keys.host.default ?? '' },
  });
  const body = (await response.json()) as { items?: StoredAuditRecord[] };
  return { status: response.status, items: body.items ?? [], body };
}

const day = 'from=2026-11-20T00:00:00Z&to=2026-11-20T23:59:59Z&pageSize=1000';

describe('auditEvents (Event Grid → audit table → GET /api/audit)', () => {
  it('records a certificate version the Key Vault stand-in creates, delivered through the webhook', async () => {
    const created = id.keyVault.createCertificate('audit-cert', { contentType: 'application/x-pem-file' });
    await id.keyVault.flushEvents();
    expect(id.keyVault.deliveries.at(-1)?.status).toBe(202);
    const { status, items } = await audit('kind=CertificateNewVersionCreated');
    expect(status).toBe(200);
    expect(items.map((r) => r.subject)).toContain(`local-vault/audit-cert/${created.version}`);
    expect(items[0]).toMatchObject({ source: 'keyvault', severity: 'info' });
  });

  it('records the same batch delivered three times once per event', async () => {
    const batch = [
      keyVaultEvent('r-1', 'db-password'),
      keyVaultEvent('r-2', 'api-key'),
      keyVaultEvent('r-3', 'x'),
    ];
    for (let i = 0; i < 3; i += 1) expect(await post(batch)).toBe(202);
    const { items } = await audit(`${day}&kind=SecretNearExpiry`);
    expect(
      items
        .filter((r) => r.id.startsWith('r-'))
        .map((r) => r.id)
        .sort(),
    ).toEqual(['r-1', 'r-2', 'r-3']);
    // The reaction, recorded once per event too: rotation is not built, so the intent is the record.
    const intents = await audit(`${day}&kind=RotationRequested`);
    expect(intents.items.map((r) => r.id).sort()).toEqual(['rotation-r-1', 'rotation-r-2', 'rotation-r-3']);
  });

  it('quarantines a poison event and stores the good ones of its batch (202)', async () => {
    const poison = { ...keyVaultEvent('p-bad', 'y'), data: 'not an object' };
    expect(await post([keyVaultEvent('p-1', 'good-1'), poison, keyVaultEvent('p-2', 'good-2')])).toBe(202);
    const { items } = await audit(day);
    expect(
      items
        .filter((r) => r.id.startsWith('p-'))
        .map((r) => r.id)
        .sort(),
    ).toEqual(['p-1', 'p-2']);
    const quarantined = [];
    for await (const row of tableClient('quarantine').listEntities()) quarantined.push(row);
    const row = quarantined.find((r) => r.eventId === 'p-bad');
    expect(row).toMatchObject({ source: 'keyvault', code: 'event_unparseable' });
    expect(JSON.parse(String(row?.payload)).data).toBe('not an object');
  });

  it('records a CloudEvents delivery, and answers both validation handshakes', async () => {
    const appId = randomUUID();
    const cloudEvent = {
      specversion: '1.0',
      id: randomUUID(),
      source: '/gateway-plumbing/inventory',
      type: 'CredentialExpiring',
      time: new Date().toISOString(),
      data: {
        appId,
        keyId: randomUUID(),
        threshold: 30,
        daysLeft: 12,
        endDateTime: '2027-01-01T00:00:00Z',
        owners: [],
        appDisplayName: 'Orders',
      },
    };
    expect(
      await post([cloudEvent], { 'content-type': 'application/cloudevents-batch+json; charset=utf-8' }),
    ).toBe(202);
    const { items } = await audit(`appId=${appId}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: 'CredentialExpiring',
      source: 'product',
      severity: 'warning',
      appId,
    });

    const validation = await fetch(stack.host.eventGridUrl('auditEvents'), {
      method: 'POST',
      headers: { 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([{ ...keyVaultEvent('v', 'x'), data: { validationCode: 'abc' } }]),
    });
    expect(await validation.json()).toEqual({ validationResponse: 'abc' });
    const options = await fetch(stack.host.eventGridUrl('auditEvents'), {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
    });
    expect(options.status).toBe(200);
    expect(options.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('answers a bad filter with a 400 problem', async () => {
    const response = await fetch(`${stack.host.url}/api/audit?severity=loud`, {
      headers: { 'x-functions-key': stack.keys.host.default ?? '' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const anonymous = await fetch(`${stack.host.url}/api/audit`);
    expect(anonymous.status).toBe(401);
  });
});

describe('Entra audit logs (append blobs in insights-logs-auditlogs)', () => {
  it('records every entry of a blob grown in three appends once, with BlobCreated sent only for the first', async () => {
    const tenantId = id.tenantId;
    const hour = new Date(Date.now() - 3_600_000);
    const name = auditLogBlobName(tenantId, hour);
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      AUDIT_LOG_CONTAINER,
    );
    const appId = randomUUID();
    const journalled = randomUUID();
    const outOfBand = randomUUID();
    // Rotation's own journal knows one of the keys (it added it); the other was added by hand.
    await tableRotationJournal(tableClient('rotationjournal')).put(
      completedRotation({ appId, oldKeyId: null, newKeyId: journalled }),
    );
    const entry = (n: number, extra: Partial<Parameters<typeof credentialChangeLine>[0]> = {}) =>
      credentialChangeLine({
        tenantId,
        time: new Date(hour.getTime() + n * 1000),
        appObjectId: randomUUID(),
        appId,
        appDisplayName: 'Orders API',
        id: `Directory_${appId}_${n}`,
        ...extra,
      });
    await appendAuditLog(container, name, [entry(1, { dash: '-', added: [journalled] })]);
    const created = {
      id: randomUUID(),
      topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/local',
      subject: `/blobServices/default/containers/${AUDIT_LOG_CONTAINER}/blobs/${name}`,
      eventType: 'Microsoft.Storage.BlobCreated',
      eventTime: new Date().toISOString(),
      dataVersion: '',
      metadataVersion: '1',
      data: { api: 'PutBlob', blobType: 'AppendBlob', url: container.getBlobClient(name).url },
    };
    expect(await post([created])).toBe(202);
    expect((await audit(`appId=${appId}`)).items.map((r) => r.id)).toEqual([`Directory_${appId}_1`]);

    await appendAuditLog(container, name, [entry(2, { dash: '\u2013', added: [outOfBand] })]);
    await appendAuditLog(container, name, [entry(3, { dash: '\u2013', removed: [journalled] }), entry(4)]);
    for (let run = 0; run < 2; run += 1) {
      const admin = await fetch(`${stack.host.url}/admin/functions/ingestEntraAuditLogs`, {
        method: 'POST',
        headers: { 'x-functions-key': stack.keys.master, 'content-type': 'application/json' },
        body: '{"input":""}',
      });
      expect(admin.status).toBe(202);
      await stack.host.timer('ingestEntraAuditLogs')?.idle();
    }
    const records = (await audit(`appId=${appId}&kind=CredentialChange`)).items;
    expect(records.map((r) => r.id)).toEqual([4, 3, 2, 1].map((n) => `Directory_${appId}_${n}`));
    expect(new Set(records.map((r) => r.details.activity))).toEqual(
      new Set(['Update application - Certificates and secrets management']),
    );
    const flagged = (await audit(`appId=${appId}&outOfBand=true`)).items;
    expect(flagged.map((r) => [r.kind, r.id])).toEqual([
      ['CredentialChange', `Directory_${appId}_2`],
      ['OutOfBandChange', `outofband-${outOfBand}`],
    ]);
    expect(flagged[0]?.details.outOfBandKeyIds).toEqual([outOfBand]);
  });
});

describe('reactions', () => {
  it('a new certificate version reaches two token instances sharing storage within 10 s, not the TTL', async () => {
    const connection = {
      credential: azureCredential(process.env),
      disableChallengeResourceVerification: true,
    };
    const first = id.keyVault.createCertificate('reaction-cert', { contentType: 'application/x-pem-file' });
    await id.keyVault.flushEvents();
    let now = Date.now();
    const instance = () =>
      new CertificateCache({
        clock: () => now,
        refreshMs: 3_600_000,
        generations: new TableCertificateGenerations(tableClient('certgenerations')),
      });
    const instances = [instance(), instance()];
    const source = keyVaultSource(id.keyVaultUrl, 'reaction-cert', connection);
    for (const cache of instances) expect((await cache.get(source)).version).toBe(first.version);
    const next = id.keyVault.createCertificate('reaction-cert', { contentType: 'application/x-pem-file' });
    await id.keyVault.flushEvents();
    expect(id.keyVault.deliveries.at(-1)?.status).toBe(202);
    now += 5_000;
    for (const cache of instances) expect((await cache.get(source)).version).toBe(first.version);
    now += 5_000;
    for (const cache of instances) expect((await cache.get(source)).version).toBe(next.version);
  });

  it('SecretNearExpiry from the stand-in records the rotation intent', async () => {
    id.keyVault.setSecret('soon-secret', 'x', { exp: Math.floor(Date.now() / 1000) + 10 * 86_400 });
    await id.keyVault.sweep();
    await id.keyVault.flushEvents();
    const intents = (await audit('kind=RotationRequested')).items;
    expect(intents.find((r) => r.details.secret === 'soon-secret')).toMatchObject({
      source: 'reaction',
      details: { status: 'recorded' },
    });
  });
});

describe('storage outage', () => {
  it('answers 500 while Azurite is down, and the redelivery after its restart stores every event once', async () => {
    const batch = ['o-1', 'o-2', 'o-3', 'o-4'].map((eventId) => keyVaultEvent(eventId, eventId));
    expect(await post(batch.slice(0, 2))).toBe(202);
    await azurite.stop();
    expect(await post(batch)).toBe(500);
    azurite = await startStorage();
    expect(await post(batch)).toBe(202);
    const { items } = await audit(day);
    expect(
      items
        .filter((r) => r.id.startsWith('o-'))
        .map((r) => r.id)
        .sort(),
    ).toEqual(['o-1', 'o-2', 'o-3', 'o-4']);
  }, 90_000);
});
