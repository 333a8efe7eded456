import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type LocalStack, startStack } from '../../local/stack.js';

let identity: RunningIdentity;
let stack: LocalStack;

beforeAll(async () => {
  identity = await startIdentity();
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    identity,
    log: () => undefined,
    settings: {
      Values: {
        ...identity.productSettings(),
        Health__TimeoutMs: '2000',
        ...identity.gatewayClientSettings([]),
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await identity?.stop();
});

interface Report {
  status: string;
  checks: { name: string; status: string; latencyMs: number; error?: string }[];
}

async function health(): Promise<{ status: number; report: Report }> {
  const response = await fetch(`${stack.host.url}/api/health`);
  return { status: response.status, report: (await response.json()) as Report };
}

describe('/api/health with the identity stand-ins', () => {
  it('checks storage, the identity provider and each configured Key Vault', async () => {
    const { status, report } = await health();
    const vaultCheck = `keyVault:${new URL(identity.keyVaultUrl).host}`;
    expect(report.checks.map((c) => c.name).sort()).toEqual(
      ['identityProvider', vaultCheck, 'storage'].sort(),
    );
    expect(report.checks.every((c) => c.status === 'healthy')).toBe(true);
    expect(status).toBe(200);
  });

  it('answers 503 naming the identity provider and the vault when they are down', async () => {
    await identity.stop();
    const { status, report } = await health();
    expect(status).toBe(503);
    const unhealthy = report.checks.filter((c) => c.status === 'unhealthy').map((c) => c.name);
    expect(unhealthy).toContain('identityProvider');
    expect(unhealthy.some((name) => name.startsWith('keyVault:'))).toBe(true);
    expect(report.checks.find((c) => c.name === 'storage')?.status).toBe('healthy');
  });
});
