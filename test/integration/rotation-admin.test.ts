import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import type { LocalStack } from '../../local/stack.js';
import type { RotationSummary } from '../../shared/rotation/executor.js';
import { startRotationStack } from './helpers/rotation-stack.js';

/**
 * `POST /api/rotation/run` through the local host with the master key: a dry run that changes
 * nothing (the whole directory and the vault compared before and after), a run of one app that
 * rotates that app alone, and the 400/401/404 answers. Outcomes are read from the directory and
 * the vault stand-ins, not from the product's records.
 */
const PREFIX = 'managed-by:gateway-plumbing';
const DAY = 24 * 3600 * 1000;
let id: RunningIdentity;
let stack: LocalStack;
const lines: string[] = [];

beforeAll(async () => {
  id = await startIdentity();
  stack = await startRotationStack(id, { Rotation__VerifyTimeoutSeconds: '10' }, lines);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await id?.stop();
});

function post(body: string, key: string | null = stack.keys.master) {
  return fetch(`${stack.host.url}/api/rotation/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-functions-key': key } : {}) },
    body,
  });
}

/** An app the product owns with one managed secret due for rotation (ends in 5 days). */
function dueApp(name: string) {
  const app = id.directory.addApplication({
    displayName: name,
    owners: [id.apps.product.servicePrincipalId],
  });
  const secret = id.directory.addPassword(app.appId, {
    displayName: `${PREFIX} seeded`,
    end: new Date(Date.now() + 5 * DAY),
  });
  return { app, secret };
}

const directoryState = () => JSON.stringify(id.directory.applications());
const vaultState = () =>
  JSON.stringify(
    id.keyVault.store
      .listSecrets()
      .map((s) => ({ name: s.name, versions: id.keyVault.store.listSecretVersions(s.name).versions })),
  );

describe('POST /api/rotation/run', () => {
  it('a dry run changes nothing in the directory or the vault and lists what it would do', async () => {
    const { app, secret } = dueApp('Admin dry run app');
    const directoryBefore = directoryState();
    const vaultBefore = vaultState();
    const response = await post('{"dryRun":true}');
    expect(response.status).toBe(200);
    const summary = (await response.json()) as RotationSummary;
    expect(summary.dryRun).toBe(true);
    expect(summary.planned).toContainEqual({ appId: app.appId, kind: 'rotate', keyId: secret.keyId });
    expect(summary.rotated).toEqual([]);
    expect(directoryState()).toBe(directoryBefore);
    expect(vaultState()).toBe(vaultBefore);
  });

  it('rotates one app only, under its lease, and answers with the summary', async () => {
    const { app, secret } = dueApp('Admin single app');
    const other = dueApp('Admin other app');
    const response = await post(JSON.stringify({ appId: app.appId }));
    expect(response.status).toBe(200);
    const summary = (await response.json()) as RotationSummary;
    expect(summary).toMatchObject({ dryRun: false, apps: 1, rotated: [app.appId], failed: [] });
    const passwords = id.directory.get(app.appId).passwordCredentials;
    expect(passwords).toHaveLength(2);
    const added = passwords.find((c) => c.keyId !== secret.keyId);
    const version = id.keyVault.store
      .listSecretVersions('admin-single-app-client-secret')
      .versions.find((v) => v.tags?.keyId === added?.keyId);
    expect(version?.value).toBeTruthy();
    const cca = new ConfidentialClientApplication({
      auth: { clientId: app.appId, clientSecret: version?.value ?? '', ...id.msalAuthorityOptions() },
    });
    const token = await cca.acquireTokenByClientCredential({
      scopes: [`${id.apps.api.identifierUri}/.default`],
    });
    expect(token?.accessToken).toBeTruthy();
    // The other due app was not touched, and the secret value is in no answer or log line.
    expect(id.directory.get(other.app.appId).passwordCredentials).toHaveLength(1);
    expect(JSON.stringify(summary)).not.toContain(version?.value);
    expect(lines.join('\n')).not.toContain(version?.value);
  });

  it.each([
    ['not JSON', '{dryRun:true}', /must be JSON/],
    ['an array', '[]', /JSON object/],
    ['the timer admin shape', '{"input":"{\\"dryRun\\":true}"}', /Unknown field\(s\): "input"/],
    ['dryRun as a string', '{"dryRun":"yes"}', /"dryRun" must be true or false/],
    ['appId not a GUID', '{"appId":"../../x"}', /"appId" must be an application \(client\) id/],
  ])('answers 400 problem+json for %s, and runs nothing', async (_label, body, detail) => {
    const before = directoryState();
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { detail: string };
    expect(problem).toMatchObject({ status: 400, code: 'bad_request' });
    expect(problem.detail).toMatch(detail);
    expect(directoryState()).toBe(before);
  });

  it('answers 404 for an app that is not managed', async () => {
    const response = await post(JSON.stringify({ appId: '00000000-0000-0000-0000-00000000abcd' }));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'app_not_managed' });
  });

  it('needs the master key: none or a host key answers 401 and changes nothing', async () => {
    const { app } = dueApp('Admin keyless app');
    const body = JSON.stringify({ appId: app.appId });
    expect((await post(body, null)).status).toBe(401);
    expect((await post(body, stack.keys.host.default ?? null)).status).toBe(401);
    expect(id.directory.get(app.appId).passwordCredentials).toHaveLength(1);
  });
});
