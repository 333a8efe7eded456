import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import type { LocalStack } from '../../local/stack.js';
import { startRotationStack } from './helpers/rotation-stack.js';

/**
 * The whole stack: Key Vault's SecretNearExpiry for a secret rotation wrote reaches `auditEvents`
 * (the vault stand-in's Event Grid delivery), which records it and rotates that app now.
 */
const PREFIX = 'managed-by:gateway-plumbing';
const DAY = 24 * 3600 * 1000;
let id: RunningIdentity;
let stack: LocalStack;
const lines: string[] = [];

beforeAll(async () => {
  id = await startIdentity();
  stack = await startRotationStack(
    id,
    {
      // New secrets end within the 30-day window, so Key Vault calls them near expiry at once.
      Rotation__SecretLifetimeDays: '20',
      Rotation__VerifyTimeoutSeconds: '10',
    },
    lines,
  );
  id.keyVault.setEventGridUrl(stack.host.eventGridUrl('auditEvents'));
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await id?.stop();
});

async function waitFor(predicate: () => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}:\n${lines.slice(-15).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('SecretNearExpiry → rotation of that app', () => {
  it('rotates the app of a managed secret, and ignores a secret rotation did not write', async () => {
    const app = id.directory.addApplication({
      displayName: 'Near expiry app',
      owners: [id.apps.product.servicePrincipalId],
    });
    id.directory.addPassword(app.appId, {
      displayName: `${PREFIX} seeded`,
      end: new Date(Date.now() + 5 * DAY),
    });
    const finished = () => lines.filter((line) => line.includes('Rotation finished')).length;
    const response = await fetch(`${stack.host.url}/admin/functions/rotateCredentials`, {
      method: 'POST',
      headers: { 'x-functions-key': stack.keys.master, 'content-type': 'application/json' },
      body: '{"input":""}',
    });
    expect(response.status).toBe(202);
    await waitFor(() => finished() === 1, 'no scheduled rotation finished');
    expect(id.directory.get(app.appId).passwordCredentials).toHaveLength(2);

    id.keyVault.setSecret('not-ours', 'x', { exp: Math.floor(Date.now() / 1000) + 5 * 86400 });
    const events = await id.keyVault.sweep();
    const near = events.filter((e) => e.eventType === 'Microsoft.KeyVault.SecretNearExpiry');
    expect(near.map((e) => (e.data as { ObjectName: string }).ObjectName).sort()).toEqual([
      'near-expiry-app-client-secret',
      'not-ours',
    ]);
    await waitFor(() => finished() === 2, 'no event-driven rotation finished');
    expect(lines.filter((line) => line.includes('SecretNearExpiry for a managed secret'))).toHaveLength(1);
    expect(id.directory.get(app.appId).passwordCredentials).toHaveLength(3);
  });
});
