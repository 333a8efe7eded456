import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';

/**
 * Entra audit logs as a tenant's diagnostic setting writes them to a storage account (Microsoft
 * Learn, "Stream Microsoft Entra logs to an Azure storage account"; the record is the Graph
 * directoryAudit resource): container `insights-logs-auditlogs`, one append blob per hour at
 * `tenantId=<guid>/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json`, JSON Lines with CRLF line ends, no
 * `records` wrapper, appended to long after the hour. For the tests and the demo.
 */
export const AUDIT_LOG_CONTAINER = 'insights-logs-auditlogs';

export interface CredentialChange {
  tenantId: string;
  time: Date;
  appObjectId: string;
  appId: string;
  appDisplayName: string;
  /** keyIds the change adds and removes (a KeyDescription old/new value pair). */
  added?: string[];
  removed?: string[];
  /** Live entries use an en dash (U+2013); the documentation a hyphen. */
  dash?: '-' | '\u2013';
  user?: string;
  id?: string;
  result?: 'success' | 'failure';
}

const keyDescription = (keyIds: string[]) =>
  JSON.stringify(
    keyIds.map((id) => `[KeyIdentifier=${id},KeyType=Password,KeyUsage=Verify,DisplayName=secret]`),
  );

export function credentialChangeLine(change: CredentialChange): string {
  const kept = randomUUID();
  const before = [kept, ...(change.removed ?? [])];
  const after = [kept, ...(change.added ?? [])];
  const activity = `Update application ${change.dash ?? '\u2013'} Certificates and secrets management `;
  return JSON.stringify({
    time: change.time.toISOString(),
    resourceId: `/tenants/${change.tenantId}/providers/Microsoft.aadiam`,
    operationName: activity.trim(),
    operationVersion: '1.0',
    category: 'AuditLogs',
    tenantId: change.tenantId,
    resultSignature: 'None',
    durationMs: 0,
    correlationId: randomUUID(),
    level: 'Informational',
    properties: {
      id: change.id ?? `Directory_${randomUUID()}`,
      category: 'ApplicationManagement',
      correlationId: randomUUID(),
      result: change.result ?? 'success',
      resultReason: '',
      activityDisplayName: activity,
      activityDateTime: change.time.toISOString(),
      loggedByService: 'Core Directory',
      operationType: 'Update',
      initiatedBy: { user: { id: randomUUID(), userPrincipalName: change.user ?? 'admin@contoso.example' } },
      targetResources: [
        {
          id: change.appObjectId,
          displayName: change.appDisplayName,
          type: 'Application',
          modifiedProperties: [
            {
              displayName: 'KeyDescription',
              oldValue: keyDescription(before),
              newValue: keyDescription(after),
            },
            { displayName: 'AppId', oldValue: null, newValue: JSON.stringify(change.appId) },
          ],
        },
      ],
      // As live exports carry it (the appId is not in targetResources, whose id is the object id).
      additionalDetails: [
        { key: 'User-Agent', value: 'Mozilla/5.0 (Entra admin center)' },
        { key: 'AppId', value: change.appId },
      ],
    },
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

export function auditLogBlobName(tenantId: string, time: Date): string {
  return `tenantId=${tenantId}/y=${time.getUTCFullYear()}/m=${pad(time.getUTCMonth() + 1)}/d=${pad(time.getUTCDate())}/h=${pad(time.getUTCHours())}/m=00/PT1H.json`;
}

/** Appends lines (CRLF-terminated) to an hour's append blob, creating it on the first append. */
export async function appendAuditLog(
  container: ContainerClient,
  blobName: string,
  lines: string[],
): Promise<void> {
  await container.createIfNotExists();
  const blob = container.getAppendBlobClient(blobName);
  await blob.createIfNotExists();
  const body = lines.map((line) => `${line}\r\n`).join('');
  await blob.appendBlock(body, Buffer.byteLength(body));
}

/**
 * The demo's audit log (`npm start`): this hour's file for the tenant, written in two appends as
 * Entra would, with one secret added by hand (no rotation journal entry: out of band). Written once
 * per hour's file, so a restart does not grow it.
 */
export async function seedDemoAuditLog(
  container: ContainerClient,
  tenantId: string,
  app: { appId: string; objectId: string; displayName: string },
  now = new Date(),
): Promise<string | undefined> {
  const name = auditLogBlobName(tenantId, now);
  if (await container.getBlobClient(name).exists()) return undefined;
  const base = { tenantId, appObjectId: app.objectId, appId: app.appId, appDisplayName: app.displayName };
  const hour = now.toISOString().slice(0, 13);
  await appendAuditLog(container, name, [
    credentialChangeLine({
      ...base,
      time: now,
      id: `Directory_demo_${hour}_1`,
      added: [randomUUID()],
      dash: '-',
    }),
  ]);
  await appendAuditLog(container, name, [
    credentialChangeLine({ ...base, time: now, id: `Directory_demo_${hour}_2`, removed: [randomUUID()] }),
  ]);
  return name;
}
