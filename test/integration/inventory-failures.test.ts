import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type InventoryStack, startInventoryStack } from './helpers/inventory-stack.js';

/**
 * Inventory failures against the stand-ins: a Graph permission the product identity lacks (the
 * test tenant grants it Application.ReadWrite.OwnedBy only, so another owner's apps are refused),
 * Graph down for a whole run, and Graph hanging.
 */
let id: RunningIdentity;
let inv: InventoryStack;

beforeAll(async () => {
  id = await startIdentity();
  inv = await startInventoryStack(id, {
    Inventory__OwnerServicePrincipalIds: id.apps.partnerGateway.servicePrincipalId,
    Inventory__RetryDelaySeconds: '0',
    Inventory__MaxRetries: '1',
    Inventory__RequestTimeoutSeconds: '1',
  });
});
afterAll(async () => {
  await inv?.stop();
  await id?.stop();
});

interface Item {
  appId: string;
  stale: boolean;
  lastSuccessAt: string;
}

async function items(): Promise<Item[]> {
  return ((await (await inv.credentials()).json()) as { items: Item[] }).items;
}

describe('inventory failures', () => {
  it('a missing Graph permission is one clear error naming it and the README section; the run does not fail', async () => {
    for (let run = 0; run < 2; run += 1) {
      const before = inv.lines.length;
      const summary = await inv.run();
      const lines = inv.lines.slice(before);
      expect(summary.errors).toHaveLength(1);
      expect(summary.errors[0]).toMatch(/needs the application permission Application\.Read\.All/);
      expect(summary.errors[0]).toMatch(/README\.md, "Credential inventory" › "Graph permissions"/);
      expect(lines.filter((line) => line.includes('Inventory error'))).toHaveLength(1);
      // The invocation succeeded: nothing retries it before the next schedule (no crash loop).
      expect(lines.some((line) => /Executed 'Functions\.inventoryCredentials' \(Succeeded/.test(line))).toBe(
        true,
      );
    }
    // The apps the product owns are still inventoried.
    expect((await items()).map((item) => item.appId)).toEqual([id.apps.dcr.appId]);
  });

  it('Graph down: the run ends, and the previous snapshot stays, marked stale with the last success', async () => {
    const [before] = await items();
    id.controls.setGraph('unavailable', { retryAfterSeconds: 0 });
    let summary: Awaited<ReturnType<InventoryStack['run']>>;
    try {
      summary = await inv.run();
    } finally {
      id.controls.setGraph('ok');
    }
    expect(summary.errors.join('\n')).toMatch(/503 serviceNotAvailable/);
    const [after] = await items();
    expect(after).toMatchObject({
      appId: id.apps.dcr.appId,
      stale: true,
      lastSuccessAt: before?.lastSuccessAt,
    });
    // The next run retries and the row is fresh again.
    await inv.run();
    expect((await items())[0]?.stale).toBe(false);
  });

  it('Graph hanging: each call gives up after Inventory__RequestTimeoutSeconds and the run ends', async () => {
    const [before] = await items();
    id.controls.setGraph('hang');
    const started = Date.now();
    let summary: Awaited<ReturnType<InventoryStack['run']>>;
    try {
      summary = await inv.run();
    } finally {
      id.controls.setGraph('ok');
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(summary.errors.join('\n')).toMatch(/no answer/);
    expect((await items())[0]).toMatchObject({ stale: true, lastSuccessAt: before?.lastSuccessAt });
  });
});
