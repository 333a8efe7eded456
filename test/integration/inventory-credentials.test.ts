import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { tableClient } from '../../shared/platform/storage.js';
import { tableUsageStore } from '../../shared/validation/usage.js';
import { seededRandom } from '../helpers/random.js';
import { secretCredential } from './helpers/graph-client.js';
import { type InventoryStack, startInventoryStack } from './helpers/inventory-stack.js';

/**
 * The credential inventory end to end: the timer (admin run) reads the Graph stand-in through the
 * unmodified Graph client with the product's identity, writes the `credentials` table in Azurite,
 * publishes CredentialExpiring through the unmodified EventGridPublisherClient to the topic
 * stand-in, which delivers to `auditEvents`; `/api/credentials` reads the table.
 */
let id: RunningIdentity;
let inv: InventoryStack;

interface Item {
  appId: string;
  keyId: string;
  status: string;
  daysLeft: number | null;
  lastUsedAt: string | null;
  lastUsedSource: string | null;
  owners: string[];
  stale: boolean;
  deleted: boolean;
  hint: string | null;
}

async function items(query = ''): Promise<Item[]> {
  const response = await inv.credentials(query);
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Item[] }).items;
}

// Seed 11 of the shared seeded random source: the same 429 storm on every run, at most 4 faults in a
// row (under the 5 retries).

const tokenAt = { before: 0, after: 0 };

beforeAll(async () => {
  id = await startIdentity({ random: seededRandom(11) });
  // Watching another owner's apps needs Application.Read.All (README, "Graph permissions").
  id.directory.assignRole(id.apps.product.appId, id.apps.graph.appId, 'Application.Read.All');
  const partner = id.apps.partnerApps[0];
  tokenAt.before = Date.now();
  await secretCredential(id, partner?.appId ?? '', partner?.secret ?? '').getToken(
    `${id.apps.api.identifierUri}/.default`,
  );
  tokenAt.after = Date.now();
  inv = await startInventoryStack(id, {
    Inventory__OwnerServicePrincipalIds: id.apps.partnerGateway.servicePrincipalId,
    Inventory__PageSize: '2', // four partner apps: the listing pages
    Inventory__RetryDelaySeconds: '0',
  });
});
afterAll(async () => {
  await inv?.stop();
  await id?.stop();
});

describe('credential inventory', () => {
  it('finds every seeded app through paging and reports status and last use from the sign-in report', async () => {
    id.counters.reset();
    const summary = await inv.run();
    expect(summary).toMatchObject({ failedApps: [], errors: [], lastUseSource: 'signInActivity' });
    // Four partner apps plus the app the product owns.
    expect(summary.apps).toBe(5);
    expect(id.counters.graphRequests({ route: 'ownedObjects', status: 200 })).toBe(3); // 2 partner pages + own

    const partnerItems = await items(`owner=${id.apps.partnerGateway.servicePrincipalId}`);
    const byApp = new Map(partnerItems.map((item) => [item.appId, item]));
    const [ten, forty, twoHundred, expired] = id.apps.partnerApps;
    expect(byApp.get(ten?.appId ?? '')).toMatchObject({
      status: 'warning',
      keyId: ten?.secretKeyId,
      hint: ten?.secret?.slice(0, 3),
    });
    expect(byApp.get(forty?.appId ?? '')?.status).toBe('notice');
    expect(byApp.get(twoHundred?.appId ?? '')?.status).toBe('ok');
    expect(byApp.get(expired?.appId ?? '')?.status).toBe('expired');
    // Soonest first: expired, then 10, 40, 200 days.
    expect(partnerItems.map((item) => item.appId)).toEqual(
      [expired, ten, forty, twoHundred].map((a) => a?.appId),
    );

    // Last use: the token this test obtained with the 10-day secret, from the sign-in activity report.
    const used = byApp.get(ten?.appId ?? '');
    expect(used?.lastUsedSource).toBe('signInActivity');
    const last = Date.parse(used?.lastUsedAt ?? '');
    expect(last).toBeGreaterThanOrEqual(tokenAt.before - 5);
    expect(last).toBeLessThanOrEqual(tokenAt.after + 5);
    expect(byApp.get(forty?.appId ?? '')).toMatchObject({ lastUsedAt: null, lastUsedSource: null });

    expect((await items(`appId=${id.apps.dcr.appId}`))[0]).toMatchObject({
      status: 'warning',
      owners: [id.apps.product.servicePrincipalId],
    });
  });

  it('publishes CredentialExpiring once across two runs, and auditEvents stores it', async () => {
    const expiring = () => inv.topic.published.filter((event) => event.type === 'CredentialExpiring');
    const first = expiring();
    // 10-day partner secret (14), 40-day (60) and the product's own 10-day app (14); none for 200 days or expired.
    expect(first.map((event) => (event.data as { threshold: number }).threshold).sort()).toEqual([
      14, 14, 60,
    ]);
    const ten = id.apps.partnerApps[0];
    expect(first.find((event) => (event.data as { appId: string }).appId === ten?.appId)).toMatchObject({
      specversion: '1.0',
      type: 'CredentialExpiring',
      subject: `applications/${ten?.appId}/credentials/${ten?.secretKeyId}`,
      data: {
        appId: ten?.appId,
        keyId: ten?.secretKeyId,
        threshold: 14,
        daysLeft: 9,
        endDateTime: new Date(ten?.secretEnd ?? '').toISOString(),
        owners: [id.apps.partnerGateway.servicePrincipalId],
        appDisplayName: ten?.displayName,
      },
    });
    const summary = await inv.run();
    expect(summary.events).toBe(0);
    expect(expiring()).toHaveLength(3);
    expect(inv.topic.deliveries.filter((d) => d.type === 'CredentialExpiring').map((d) => d.status)).toEqual([
      202, 202, 202,
    ]);

    // …and they are in the audit trail, one record per app and credential (GET /api/audit).
    const audit = await fetch(`${inv.stack.host.url}/api/audit?kind=CredentialExpiring`, {
      headers: { 'x-functions-key': inv.hostKey },
    });
    expect(audit.status).toBe(200);
    const audited = ((await audit.json()) as { items: Array<{ subject: string; source: string }> }).items;
    const credentialOf = (event: (typeof first)[number]) => {
      const data = event.data as { appId: string; keyId: string };
      return `${data.appId}/${data.keyId}`;
    };
    expect(audited.map((record) => record.subject).sort()).toEqual(first.map(credentialOf).sort());
    expect(audited.every((record) => record.source === 'product')).toBe(true);
  });

  it('falls back to the validator usage records when the tenant has no sign-in report (403), labelled as such', async () => {
    const forty = id.apps.partnerApps[1];
    await tableUsageStore(tableClient('usage')).write('test-instance', [
      {
        tenantId: id.tenantId,
        clientId: forty?.appId ?? '',
        policy: 'default',
        success: 3,
        failure: 0,
        failureReasons: {},
        firstSeen: '2026-11-01T00:00:00.000Z',
        lastSeen: '2026-11-30T08:00:00.000Z',
        daily: {},
      },
    ]);
    id.controls.setGraphReports('unlicensed');
    try {
      const summary = await inv.run();
      expect(summary).toMatchObject({ lastUseSource: 'validatorUsage', failedApps: [] });
    } finally {
      id.controls.setGraphReports('ok');
    }
    const [item] = await items(`appId=${forty?.appId}`);
    expect(item).toMatchObject({ lastUsedAt: '2026-11-30T08:00:00.000Z', lastUsedSource: 'validatorUsage' });
    expect((await items(`appId=${id.apps.partnerApps[2]?.appId}`))[0]?.lastUsedSource).toBeNull();
  });

  it('completes through a 429 storm with and without Retry-After', async () => {
    id.counters.reset();
    id.controls.setGraph('throttle', { rate: 0.3, retryAfterSeconds: 0, withoutRetryAfter: 0.5 });
    let summary: Awaited<ReturnType<InventoryStack['run']>>;
    try {
      summary = await inv.run();
    } finally {
      id.controls.setGraph('ok');
    }
    expect(summary).toMatchObject({ apps: 5, failedApps: [], errors: [] });
    expect(summary.throttled).toBe(id.counters.graphRequests({ status: 429 }));
    expect(summary.throttled).toBeGreaterThan(0);
    expect((await items()).every((item) => !item.stale)).toBe(true);
  });

  it('marks an app that was deleted in Entra as deleted, and keeps the others', async () => {
    const gone = id.apps.partnerApps[3];
    id.directory.removeApplication(gone?.appId ?? '');
    const summary = await inv.run();
    expect(summary.deletedApps).toEqual([gone?.appId]);
    expect((await items(`appId=${gone?.appId}`))[0]).toMatchObject({ deleted: true, status: 'expired' });
    expect(await items('status=warning')).toHaveLength(2);
  });

  it('answers a bad filter with 400 problem+json, and CSV on request', async () => {
    const bad = await inv.credentials('status=soon');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ status: 400, code: 'bad_filter' });
    const csv = await inv.credentials('format=csv&status=warning');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).trimEnd().split('\r\n')).toHaveLength(3);
    const noKey = await fetch(`${inv.stack.host.url}/api/credentials`);
    expect(noKey.status).toBe(401);
  });
});
