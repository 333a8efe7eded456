import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../local/azurite.js';
import { acquireLease, type HeldLease } from '../../shared/platform/lease.js';

let azurite: RunningAzurite;
let env: Record<string, string>;

beforeAll(async () => {
  azurite = await startAzurite();
  env = { AzureWebJobsStorage: azurite.connectionString };
});

afterAll(async () => {
  await azurite?.stop();
});

const fresh = (label: string) => `${label}-${crypto.randomUUID()}`;

describe('blob lease (Azurite)', () => {
  it('creates the container and the blob on first use, and one of two racing holders wins', async () => {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'leases',
    );
    expect(await container.exists()).toBe(false);
    for (let round = 0; round < 5; round++) {
      const name = fresh('race');
      const [a, b] = await Promise.all([
        acquireLease(name, { durationSeconds: 15, env }),
        acquireLease(name, { durationSeconds: 15, env }),
      ]);
      const winners = [a, b].filter((lease): lease is HeldLease => lease !== undefined);
      expect(winners, `round ${round}`).toHaveLength(1);
      expect(winners[0]?.leaseId).toMatch(/^[0-9a-f-]{36}$/);
      await winners[0]?.release();
    }
    expect(await container.exists()).toBe(true);
  });

  it('lets the other holder in once the lease is released, and renews only for the holder', async () => {
    const name = fresh('release');
    const first = await acquireLease(name, { durationSeconds: 15, env });
    expect(first).toBeDefined();
    expect(await acquireLease(name, { durationSeconds: 15, env })).toBeUndefined();
    expect(await first?.renew()).toBe(true);
    expect(await acquireLease(name, { durationSeconds: 15, env })).toBeUndefined();
    await first?.release();
    const second = await acquireLease(name, { durationSeconds: 15, env });
    expect(second).toBeDefined();
    expect(second?.leaseId).not.toBe(first?.leaseId);
    // The first holder's lease is gone: renewing reports it, releasing leaves the new holder alone.
    expect(await first?.renew()).toBe(false);
    await first?.release();
    expect(await acquireLease(name, { durationSeconds: 15, env })).toBeUndefined();
    await second?.release();
  });

  it('lets the other holder in once an abandoned lease expires (15 s, the shortest Azure allows)', async () => {
    const name = fresh('expiry');
    const abandoned = await acquireLease(name, { durationSeconds: 15, env });
    expect(abandoned).toBeDefined();
    const since = Date.now();
    let next: HeldLease | undefined;
    while (!next && Date.now() - since < 20_000) {
      next = await acquireLease(name, { durationSeconds: 15, env });
      if (!next) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const waited = Date.now() - since;
    expect(next).toBeDefined();
    expect(waited).toBeGreaterThanOrEqual(14_000);
    expect(await abandoned?.renew()).toBe(false);
    await next?.release();
  }, 30_000);

  it.each([0, 14, 61, 15.5, -1])('refuses a %s s lease before calling storage', async (seconds) => {
    await expect(acquireLease(fresh('bad'), { durationSeconds: seconds, env: {} })).rejects.toThrow(
      /15-60 whole seconds/,
    );
  });

  it('refuses a name that is not a plain blob name', async () => {
    for (const name of ['', '../other', 'a/b', 'x'.repeat(201)]) {
      await expect(acquireLease(name, { env })).rejects.toThrow(RangeError);
    }
  });
});
