import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../local/azurite.js';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';

/**
 * CertificateNewVersionCreated across two instances for real: two host processes serving the built
 * product share one Azurite and one identity stand-in. The event reaches instance A only; instance
 * B's next token acquisition loads the new version within the 10 s marker bound, although its
 * certificate refresh (Tokens__CertificateRefreshSeconds) is an hour away.
 */
const MARKER_BOUND_MS = 10_000;
const POLL_MS = 1_000;

interface Instance {
  url: string;
  key: string;
  eventGridUrl: string;
  child: ChildProcess;
}

let azurite: RunningAzurite;
let id: RunningIdentity;
const instances: Instance[] = [];
const scopes: string[] = [];

async function startInstance(values: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'helpers', 'audit-host-child.mjs')], {
    env: { ...process.env, HOST_SETTINGS: JSON.stringify(values) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = `${errors}${chunk.toString()}`.slice(-4000);
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const listening = buffer.split('\n').find((text) => text.startsWith('{"url"'));
      if (listening) resolve(listening);
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}) before it listened:\n${errors}`)));
  });
  const instance = { ...(JSON.parse(line) as Omit<Instance, 'child'>), child };
  instances.push(instance);
  return instance;
}

beforeAll(async () => {
  azurite = await startAzurite();
  id = await startIdentity();
  // A resource per acquisition: each token request below is a cache miss that signs an assertion.
  for (let n = 0; n < 20; n += 1) {
    const uri = `api://two-instances-${n}`;
    id.directory.addApplication({ displayName: `Resource ${n}`, identifierUris: [uri] });
    scopes.push(`${uri}/.default`);
  }
  const values = {
    ...id.productSettings(),
    ...id.gatewayClientSettings(scopes),
    AzureWebJobsStorage: azurite.connectionString,
    Tokens__CertificateRefreshSeconds: '3600',
  };
  const [a] = await Promise.all([startInstance(values), startInstance(values)]);
  // Key Vault's events (its system topic's subscription) go to instance A only.
  id.keyVault.setEventGridUrl(a.eventGridUrl);
}, 90_000);

afterAll(async () => {
  await Promise.all(
    instances.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.stdin?.end();
        }),
    ),
  );
  await id?.stop();
  await azurite?.stop();
});

let nextScope = 0;

async function acquire(instance: Instance): Promise<number> {
  const response = await fetch(`${instance.url}/api/token`, {
    method: 'POST',
    headers: { 'x-functions-key': instance.key, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ scope: scopes[nextScope++] ?? 'none' }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('CertificateNewVersionCreated on two host instances sharing storage', () => {
  it("instance B signs with the new version within 10 s of the event delivered to instance A, not after B's refresh", async () => {
    const [a, b] = instances as [Instance, Instance];
    const gateway = id.apps.gateway;
    const certificate = gateway.certificateName ?? '';
    expect(await acquire(a)).toBe(200);
    expect(await acquire(b)).toBe(200);

    const next = id.keyVault.createCertificate(certificate, { contentType: 'application/x-pem-file' });
    // Entra learns the new public key beside the old one, so both versions sign successfully.
    const added = id.directory.addKey(gateway.appId, next.certPem);
    await id.keyVault.flushEvents();
    const delivered = Date.now();
    expect(id.keyVault.deliveries.at(-1)).toMatchObject({ status: 202 });

    const issued = id.counters.tokenRequests({ clientId: gateway.appId, outcome: 'success' });
    let polls = 0;
    let lastPoll = delivered;
    while (
      id.counters.secretReads(certificate, next.version) === 0 &&
      Date.now() - delivered < 2 * MARKER_BOUND_MS &&
      nextScope < scopes.length - 1
    ) {
      if (polls > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      lastPoll = Date.now();
      expect(await acquire(b)).toBe(200);
      polls += 1;
    }
    // The poll that picked it up started at most one poll interval after the bound.
    const pickedUp = lastPoll - delivered;
    // Every poll was an acquisition at the stand-in; the last one loaded the new version, on B.
    expect(id.counters.tokenRequests({ clientId: gateway.appId, outcome: 'success' }) - issued).toBe(polls);
    expect(id.counters.secretReads(certificate, next.version)).toBe(1);
    expect(pickedUp).toBeLessThanOrEqual(MARKER_BOUND_MS + POLL_MS);

    // B signs with the new version: with the old key gone from the app, no assertion fails.
    for (const key of id.directory.get(gateway.appId).keyCredentials) {
      if (key.keyId !== added.keyId) id.directory.removeKey(gateway.appId, key.keyId);
    }
    const failed = id.counters.failedAssertions(gateway.appId);
    expect(await acquire(b)).toBe(200);
    expect(id.counters.failedAssertions(gateway.appId)).toBe(failed);
  }, 90_000);
});
