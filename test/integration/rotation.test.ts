import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAzurite, startAzurite } from '../../local/azurite.js';
import type { Application } from '../../local/directory/directory.js';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type RunningTopic, startTopic } from '../../local/eventgrid/topic.js';
import { ensureCa, issueServerCertificate } from '../../local/tls/ca.js';
import { createLogger } from '../../shared/platform/log.js';
import { tableClient } from '../../shared/platform/storage.js';
import type { RotationSummary, RunRequest } from '../../shared/rotation/executor.js';
import { tableRotationJournal } from '../../shared/rotation/journal.js';
import { GRAPH_CALLS, ROTATIONS } from '../../shared/rotation/metrics.js';
import { createRotationRuntime } from '../../shared/rotation/runtime.js';
import type { RotationService } from '../../shared/rotation/service.js';
import { captureMetrics } from '../helpers/metrics.js';

/**
 * Rotation on the stand-ins, through the unmodified Graph client, Key Vault SDK and msal-node,
 * with the journal in Azurite's `rotationjournal` table, the per-app blob lease, and events
 * through the topic stand-in. Outcomes are counted from the directory and the vault, never from
 * the product's own records. The clock is shared by the directory and the product, so a grace
 * period can pass in a test.
 */
const DAY = 24 * 3600 * 1000;
const PREFIX = 'managed-by:gateway-plumbing';
let offset = 0;
const clock = () => Date.now() + offset;
let id: RunningIdentity;
let azurite: RunningAzurite;
let topic: RunningTopic;
let env: Record<string, string>;
let service: RotationService;
const lines: string[] = [];
const log = createLogger((_level, line) => lines.push(line));

function runtimeFor(values: Record<string, string> = {}): RotationService {
  const runtime = createRotationRuntime({ ...env, ...values }, { clock });
  if (!runtime.ok) throw new Error(runtime.problems.join('; '));
  return runtime.service;
}

beforeAll(async () => {
  id = await startIdentity({ clock });
  azurite = await startAzurite({ log: () => undefined });
  topic = await startTopic({
    certificate: issueServerCertificate(ensureCa(process.env.LOCAL_TLS_DIR ?? '')),
  });
  env = {
    ...id.productSettings(),
    AzureWebJobsStorage: azurite.connectionString,
    EventGrid__TopicEndpoint: topic.endpoint,
    EventGrid__TopicKey: topic.key,
    Rotation__KeyVaultUrl: id.keyVaultUrl,
    Rotation__ManagedAppIds: id.apps.dcr.appId,
    Rotation__GraceDays: '2',
    Rotation__VerifyTimeoutSeconds: '6',
    Rotation__RetryDelaySeconds: '0',
  };
  service = runtimeFor();
}, 60_000);
afterEach(() => id.controls.reset());
afterAll(async () => {
  await topic?.close();
  await azurite?.stop();
  await id?.stop();
});

/** An app the product owns, with one managed secret ending in `days` (its secret text returned). */
function managedApp(name: string, days = 10, extra: { signInAudience?: string } = {}) {
  const app = id.directory.addApplication({
    displayName: name,
    owners: [id.apps.product.servicePrincipalId],
    ...extra,
  });
  const secret = id.directory.addPassword(app.appId, {
    displayName: `${PREFIX} seeded`,
    end: new Date(clock() + days * DAY),
  });
  return { app, secret };
}

async function run(request: RunRequest, rotation = service): Promise<RotationSummary> {
  const summary = await rotation.run(log, request);
  await topic.flush();
  return summary;
}

async function tokenWith(appId: string, secret: string) {
  const cca = new ConfidentialClientApplication({
    auth: { clientId: appId, clientSecret: secret, ...id.msalAuthorityOptions() },
  });
  return (await cca.acquireTokenByClientCredential({ scopes: [`${id.apps.api.identifierUri}/.default`] }))
    ?.accessToken;
}

const passwords = (appId: string) => id.directory.get(appId).passwordCredentials;
type Published = { type: string; data: Record<string, unknown> };
const eventsFor = (appId: string, type?: string): Published[] =>
  (topic.published as unknown as Published[]).filter(
    (e) => (e.data as { appId?: string }).appId === appId && (type === undefined || e.type === type),
  );

/** Key Vault versions of every secret, with their tags (read from the vault stand-in's store). */
function vaultVersions() {
  return id.keyVault.store
    .listSecrets()
    .flatMap((s) =>
      id.keyVault.store.listSecretVersions(s.name).versions.map((v) => ({ name: s.name, ...v })),
    );
}

/**
 * The invariants, from the directory and the vault: every secret the product added is in Key
 * Vault (0 lost), no password of the app is unaccounted for (0 orphans: each is the seeded one or
 * has a vault version tagged with its keyId), and the app keeps a valid credential.
 */
function invariants(app: Application, seededKeyIds: string[]) {
  const now = clock();
  const inVault = new Set(
    vaultVersions()
      .map((v) => v.tags?.keyId)
      .filter(Boolean),
  );
  const current = passwords(app.appId);
  const orphans = current.filter((c) => !seededKeyIds.includes(c.keyId) && !inVault.has(c.keyId));
  const lost = vaultVersions().filter(
    (v) => v.tags?.appId === app.appId && !current.some((c) => c.keyId === v.tags?.keyId),
  );
  const valid = current.filter((c) => Date.parse(c.startDateTime) <= now && now < Date.parse(c.endDateTime));
  return { orphans: orphans.length, lost: lost.length, valid: valid.length };
}

describe('full rotation of the partner portal app (adopted through Rotation__ManagedAppIds)', () => {
  it('rotates its 10-day secret: Key Vault gets the new secret, which gets a real token', async () => {
    const { dcr } = id.apps;
    const capture = captureMetrics();
    const summary = await run({ appId: dcr.appId });
    expect(summary.rotated).toEqual([dcr.appId]);
    const current = passwords(dcr.appId);
    expect(current).toHaveLength(2);
    const added = current.find((c) => c.keyId !== dcr.secretKeyId);
    expect(added?.displayName).toBe(`${PREFIX} ${summary.runId}`);
    const lifetime = Date.parse(added?.endDateTime ?? '') - Date.parse(added?.startDateTime ?? '');
    expect(Math.round(lifetime / DAY)).toBe(180);
    const version = vaultVersions().find((v) => v.tags?.keyId === added?.keyId);
    expect(version).toMatchObject({
      name: 'test-dcr-client-client-secret',
      contentType: 'text/plain',
      tags: { appId: dcr.appId, objectId: dcr.objectId, rotatedFrom: dcr.secretKeyId, managedBy: PREFIX },
    });
    expect(version?.attributes.exp).toBe(Math.floor(Date.parse(added?.endDateTime ?? '') / 1000));
    expect(version?.attributes.nbf).toBeDefined();
    expect(await tokenWith(dcr.appId, version?.value ?? '')).toBeTruthy();
    const rotated = eventsFor(dcr.appId, 'CredentialRotated');
    expect(rotated).toHaveLength(1);
    expect(rotated[0]?.data).toMatchObject({
      oldKeyId: dcr.secretKeyId,
      newKeyId: added?.keyId,
      secretVersion: version?.version,
    });
    // The value never reaches an event or a log line.
    expect(JSON.stringify(topic.published)).not.toContain(version?.value);
    expect(lines.join('\n')).not.toContain(version?.value);
    // The run's outcome is kept for the dashboard, in the journal's table.
    const journal = tableRotationJournal(tableClient('rotationjournal', env));
    expect(await journal.lastRun()).toMatchObject({
      outcome: 'succeeded',
      summary: '1 apps, 1 rotated, 0 removed',
    });
    // A second run the same day changes nothing.
    expect((await run({ appId: dcr.appId })).rotated).toEqual([]);
    expect(passwords(dcr.appId)).toHaveLength(2);
    // Metrics (OpenTelemetry, in-memory reader): one rotation completed at verify, one addPassword.
    try {
      expect(await capture.points(ROTATIONS.name)).toEqual([
        { attributes: { outcome: 'complete', step: 'verify' }, value: 1 },
      ]);
      const calls = await capture.points(GRAPH_CALLS.name);
      expect(calls.find((p) => p.attributes.operation === 'addPassword')).toMatchObject({
        attributes: { outcome: 'success' },
        value: 1,
      });
      expect(calls.some((p) => p.attributes.operation === 'removePassword')).toBe(false);
    } finally {
      await capture.stop();
    }
  });

  it('removes the old secret after the grace period when it is no longer used', async () => {
    const { dcr } = id.apps;
    offset += 1 * DAY;
    expect((await run({ appId: dcr.appId })).removed).toBe(0); // grace (2 days) not over
    offset += 1 * DAY;
    const summary = await run({ appId: dcr.appId });
    expect(summary.removed).toBe(1);
    expect(passwords(dcr.appId).map((c) => c.keyId)).not.toContain(dcr.secretKeyId);
    expect(passwords(dcr.appId)).toHaveLength(1);
    expect(eventsFor(dcr.appId, 'CredentialRemoved')[0]?.data).toMatchObject({
      keyId: dcr.secretKeyId,
      lastUseChecked: true,
    });
  });

  it('using the old secret once after the rotation defers the removal, with StillInUse', async () => {
    const { app, secret } = managedApp('Still used app');
    const first = await run({ appId: app.appId });
    expect(first.rotated).toEqual([app.appId]);
    offset += 60_000;
    expect(await tokenWith(app.appId, secret.secretText)).toBeTruthy(); // a consumer not moved yet
    offset += 3 * DAY;
    const later = await run({ appId: app.appId });
    expect(later.removed).toBe(0);
    expect(later.stillInUse).toBe(1);
    expect(passwords(app.appId).map((c) => c.keyId)).toContain(secret.keyId);
    const still = eventsFor(app.appId, 'StillInUse');
    expect(still[0]?.data).toMatchObject({ keyId: secret.keyId });
    expect(Date.parse(String(still[0]?.data.lastSignInDateTime))).toBeGreaterThan(
      Date.parse(secret.startDateTime),
    );
    // Once it has expired it can no longer be used: it goes.
    offset += 10 * DAY;
    expect((await run({ appId: app.appId })).removed).toBe(1);
    expect(passwords(app.appId).map((c) => c.keyId)).not.toContain(secret.keyId);
  });
});

describe('fault injection: 0 secrets lost, 0 unrecorded orphans, 0 apps without a valid credential', () => {
  it('crash after addPassword: the next run removes the orphan (never in Key Vault) and rotates', async () => {
    const { app, secret } = managedApp('Crash after add');
    id.controls.crashGraphAfter('addPassword');
    const first = await run({ appId: app.appId });
    expect(first.deferred).toEqual([app.appId]);
    expect(passwords(app.appId)).toHaveLength(2); // the orphan exists, unknown to Key Vault
    expect(invariants(app, [secret.keyId]).orphans).toBe(1);
    const second = await run({ appId: app.appId });
    expect(second.compensated).toBe(1);
    expect(second.rotated).toEqual([app.appId]);
    expect(passwords(app.appId)).toHaveLength(2);
    expect(invariants(app, [secret.keyId])).toEqual({ orphans: 0, lost: 0, valid: 2 });
  });

  it('crash after the Key Vault write: the next run finds the version by its keyId tag and completes', async () => {
    const { app, secret } = managedApp('Crash after store');
    // Twice: the SDK retries a dropped connection once (platform/keyvault.ts); a dead host would not.
    id.controls.crashKeyVaultAfter('setSecret', 2);
    expect((await run({ appId: app.appId })).deferred).toEqual([app.appId]);
    const second = await run({ appId: app.appId });
    expect(second.rotated).toEqual([app.appId]);
    expect(second.compensated).toBe(0);
    const added = passwords(app.appId).find((c) => c.keyId !== secret.keyId);
    const versions = vaultVersions().filter((v) => v.tags?.appId === app.appId);
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) expect(version.tags?.keyId).toBe(added?.keyId);
    expect(await tokenWith(app.appId, versions.at(-1)?.value ?? '')).toBeTruthy();
    expect(invariants(app, [secret.keyId])).toEqual({ orphans: 0, lost: 0, valid: 2 });
    expect(eventsFor(app.appId, 'CredentialRotated')).toHaveLength(1);
  });

  it('crash during verification (the process is killed): once its lease lapses the next run verifies and completes', async () => {
    const { app, secret } = managedApp('Crash while verifying');
    id.controls.setPropagationDelay(3);
    // The built product in its own process (npm test builds first), killed mid-step.
    const child = spawn(process.execPath, [join(import.meta.dirname, 'helpers', 'rotation-child.mjs')], {
      env: {
        ...process.env,
        ROTATION_ENV: JSON.stringify({ ...env, Rotation__VerifyTimeoutSeconds: '60' }),
        ROTATION_APP_ID: app.appId,
      },
      stdio: 'ignore',
    });
    const journal = tableRotationJournal(tableClient('rotationjournal', env));
    const deadline = Date.now() + 20_000;
    while (!(await journal.records(app.appId)).some((r) => r.step === 'verifying')) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error('the child never reached verification');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(invariants(app, [secret.keyId])).toEqual({ orphans: 0, lost: 0, valid: 2 });
    // The dead run's lease holds the app for at most 20 s; until then a run skips it.
    let summary = await run({ appId: app.appId });
    expect(summary.busy).toEqual([app.appId]);
    while (summary.busy.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      summary = await run({ appId: app.appId });
    }
    expect(summary.rotated).toEqual([app.appId]);
    expect(passwords(app.appId)).toHaveLength(2);
    const stored = vaultVersions().find((v) => v.tags?.appId === app.appId);
    expect(await tokenWith(app.appId, stored?.value ?? '')).toBeTruthy();
    expect(invariants(app, [secret.keyId])).toEqual({ orphans: 0, lost: 0, valid: 2 });
  }, 60_000);

  it('verification timeout (propagation longer than the timeout): kept, failed; the next run re-verifies', async () => {
    const { app, secret } = managedApp('Slow propagation');
    id.controls.setPropagationDelay(8);
    const first = await run({ appId: app.appId });
    expect(first.failed).toEqual([{ appId: app.appId, step: 'verify', code: 'verification_timeout' }]);
    expect(eventsFor(app.appId, 'RotationFailed')[0]?.data).toMatchObject({
      step: 'verify',
      code: 'verification_timeout',
    });
    expect(invariants(app, [secret.keyId])).toEqual({ orphans: 0, lost: 0, valid: 2 });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const second = await run({ appId: app.appId });
    expect(second.rotated).toEqual([app.appId]);
    expect(passwords(app.appId)).toHaveLength(2);
  }, 30_000);

  it('Key Vault down after addPassword: compensated with removePassword, then RotationFailed', async () => {
    const { app, secret } = managedApp('Vault down');
    id.controls.setKeyVault('down');
    const summary = await run({ appId: app.appId });
    expect(summary.compensated).toBe(1);
    expect(passwords(app.appId).map((c) => c.keyId)).toEqual([secret.keyId]);
    expect(eventsFor(app.appId, 'RotationFailed')[0]?.data).toMatchObject({
      step: 'store',
      code: 'keyvault_unavailable',
      compensated: true,
    });
    expect(invariants(app, [secret.keyId])).toEqual({ orphans: 0, lost: 0, valid: 1 });
  });
});

describe('Graph faults', () => {
  it('a 429 storm on writes is retried within the budget', async () => {
    const { app } = managedApp('Throttled writes');
    id.controls.setGraph('throttle', { writesOnly: true, count: 3, retryAfterSeconds: 0 });
    const summary = await run({ appId: app.appId });
    expect(summary.rotated).toEqual([app.appId]);
    expect(summary.throttled).toBe(3);
  });

  it('429s past the budget fail that app only; the run goes on', async () => {
    const { app } = managedApp('Throttled past budget');
    id.controls.setGraph('throttle', { writesOnly: true, retryAfterSeconds: 0 });
    const summary = await run({ appId: app.appId }, runtimeFor({ Rotation__MaxRetries: '1' }));
    expect(summary.failed).toEqual([{ appId: app.appId, step: 'add', code: 'graph_throttled' }]);
    expect(passwords(app.appId)).toHaveLength(1);
  });

  it('a lifetime policy halves the lifetime until it passes, and the lifetime is remembered', async () => {
    const { app } = managedApp('Lifetime policy');
    id.controls.setGraphLifetimePolicy({ id: 'p60d', maxSecretLifetimeDays: 60 });
    expect((await run({ appId: app.appId })).rotated).toEqual([app.appId]);
    const added = passwords(app.appId).find((c) => c.displayName.endsWith('seeded') === false);
    const days = Math.round(
      (Date.parse(added?.endDateTime ?? '') - Date.parse(added?.startDateTime ?? '')) / DAY,
    );
    expect(days).toBe(45); // 180 refused, 90 refused, 45 accepted
  });

  it('ownership denied: RotationFailed with the reason, the app as it was', async () => {
    const partner = id.apps.partnerApps[0];
    if (!partner) throw new Error('seed');
    const summary = await run(
      { appId: partner.appId },
      runtimeFor({ Rotation__ManagedAppIds: partner.appId }),
    );
    expect(summary.failed).toEqual([{ appId: partner.appId, step: 'add', code: 'ownership_denied' }]);
    expect(passwords(partner.appId).map((c) => c.keyId)).toEqual([partner.secretKeyId]);
    const failed = eventsFor(partner.appId, 'RotationFailed')[0]?.data;
    expect(failed).toMatchObject({ code: 'ownership_denied', graphCode: 'Authorization_RequestDenied' });
    expect(String(failed?.reason)).toMatch(/Application\.ReadWrite\.OwnedBy and must be an owner/);
  });

  it('the credential limit (personal accounts, 2 passwords) blocks with RotationFailed, nothing changes', async () => {
    const { app } = managedApp('Personal accounts', 10, {
      signInAudience: 'AzureADandPersonalMicrosoftAccount',
    });
    id.directory.addPassword(app.appId, {
      displayName: `${PREFIX} second`,
      end: new Date(clock() + 5 * DAY),
    });
    const summary = await run({ appId: app.appId });
    expect(summary.failed).toEqual([{ appId: app.appId, step: 'plan', code: 'credential_limit' }]);
    expect(passwords(app.appId)).toHaveLength(2);
  });
});

describe('certificates (Rotation__Certificates)', () => {
  let serial = 0;
  /** An owned app with a vault certificate registered (its registration optionally already ended). */
  function certificateApp(ended = false) {
    serial += 1;
    const name = `rotated-cert-${serial}`;
    const first = id.keyVault.createCertificate(name, { contentType: 'application/x-pem-file' });
    const app = id.directory.addApplication({
      displayName: `Certificate app ${serial}`,
      owners: [id.apps.product.servicePrincipalId],
    });
    id.directory.addKey(
      app.appId,
      first.certPem,
      ended ? { start: new Date(clock() - 400 * DAY), end: new Date(clock() - 1000) } : {},
    );
    return { app, name, first, rotation: runtimeFor({ Rotation__Certificates: `${app.appId}=${name}` }) };
  }

  async function tokenWithCertificate(
    appId: string,
    material: { certPem: string; keyPem: string; thumbprintSha256: string },
  ) {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: appId,
        clientCertificate: {
          thumbprintSha256: material.thumbprintSha256,
          privateKey: material.keyPem,
          x5c: material.certPem,
        },
        ...id.msalAuthorityOptions(),
      },
    });
    return (await cca.acquireTokenByClientCredential({ scopes: [`${id.apps.api.identifierUri}/.default`] }))
      ?.accessToken;
  }

  it('a new Key Vault version is registered with addKey (a proof the stand-in verifies); the token endpoint takes it', async () => {
    const { app, name, first, rotation } = certificateApp();
    expect((await run({ appId: app.appId }, rotation)).rotated).toEqual([]); // nothing new in the vault
    const renewed = id.keyVault.createCertificate(name, { contentType: 'application/x-pem-file' });
    id.counters.reset();
    const summary = await run({ appId: app.appId }, rotation);
    expect(summary.rotated).toEqual([app.appId]);
    const keys = id.directory.get(app.appId).keyCredentials;
    expect(keys.map((k) => k.thumbprintSha1)).toEqual([first.thumbprintSha1, renewed.thumbprintSha1]);
    expect(eventsFor(app.appId, 'CredentialRotated').at(-1)?.data).toMatchObject({
      kind: 'certificate',
      method: 'addKey',
    });
    expect(await tokenWithCertificate(app.appId, renewed)).toBeTruthy();
    expect(id.counters.failedAssertions(app.appId)).toBe(0);
    // Registered once: the next run has nothing to do.
    expect((await run({ appId: app.appId }, rotation)).rotated).toEqual([]);
  });

  it('when the registered certificate has ended, PATCH keyCredentials registers the new one, keeping the others', async () => {
    const { app, name, first, rotation } = certificateApp(true);
    const renewed = id.keyVault.createCertificate(name, { contentType: 'application/x-pem-file' });
    const summary = await run({ appId: app.appId }, rotation);
    expect(summary.rotated).toEqual([app.appId]);
    expect(id.directory.get(app.appId).keyCredentials.map((k) => k.thumbprintSha1)).toEqual([
      first.thumbprintSha1,
      renewed.thumbprintSha1,
    ]);
    expect(eventsFor(app.appId, 'CredentialRotated').at(-1)?.data).toMatchObject({ method: 'patch' });
    expect(await tokenWithCertificate(app.appId, renewed)).toBeTruthy();
  });

  it('the old key is removed after the grace period with removeKey (proof signed by the new one)', async () => {
    const { app, name, first, rotation } = certificateApp();
    const renewed = id.keyVault.createCertificate(name, { contentType: 'application/x-pem-file' });
    await run({ appId: app.appId }, rotation);
    offset += 3 * DAY;
    const summary = await run({ appId: app.appId }, rotation);
    expect(summary.removed).toBe(1);
    expect(id.directory.get(app.appId).keyCredentials.map((k) => k.thumbprintSha1)).toEqual([
      renewed.thumbprintSha1,
    ]);
    expect(id.directory.get(app.appId).keyCredentials.map((k) => k.thumbprintSha1)).not.toContain(
      first.thumbprintSha1,
    );
  });
});

describe('drift, dry run, concurrency', () => {
  it('a secret added directly through the stand-in shows as OutOfBandChange', async () => {
    const { app } = managedApp('Drifting app', 100);
    await run({ appId: app.appId }); // the baseline
    const byHand = id.directory.addPassword(app.appId, { displayName: 'added in the portal' });
    const summary = await run({ appId: app.appId });
    expect(summary.drift).toBe(1);
    expect(eventsFor(app.appId, 'OutOfBandChange').map((e) => e.data)).toEqual([
      expect.objectContaining({ keyId: byHand.keyId, change: 'appeared' }),
    ]);
  });

  it('a dry run changes nothing in the directory or the vault, and says what it would do', async () => {
    const { app, secret } = managedApp('Dry run app');
    const directoryBefore = JSON.stringify(id.directory.get(app.appId));
    const vaultBefore = JSON.stringify(vaultVersions());
    const summary = await run({ appId: app.appId, dryRun: true });
    expect(summary.planned).toEqual([{ appId: app.appId, kind: 'rotate', keyId: secret.keyId }]);
    expect(JSON.stringify(id.directory.get(app.appId))).toBe(directoryBefore);
    expect(JSON.stringify(vaultVersions())).toBe(vaultBefore);
    expect(await tableRotationJournal(tableClient('rotationjournal', env)).lastRun()).toMatchObject({
      outcome: 'dry-run',
      summary: '1 apps, 1 planned',
    });
  });

  it('two concurrent runs and an event-driven run rotate an app exactly once', async () => {
    const { app } = managedApp('Contended app');
    const other = runtimeFor(); // another instance: its own clients, the same table and leases
    const summaries = await Promise.all([
      run({ appId: app.appId }),
      run({ appId: app.appId }, other),
      run({ appId: app.appId, trigger: 'event' }, other),
    ]);
    expect(summaries.flatMap((s) => s.rotated)).toEqual([app.appId]);
    expect(passwords(app.appId)).toHaveLength(2);
    expect(eventsFor(app.appId, 'CredentialRotated')).toHaveLength(1);
  });
});
