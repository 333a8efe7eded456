import { SecretClient } from '@azure/keyvault-secrets';
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { errorOf, graphClient, graphFailure, graphToken, secretCredential } from './helpers/graph-client.js';

/** The Graph stand-in's credential writes and their test controls, through the unmodified clients. */
let id: RunningIdentity;
let product: Client; // Application.ReadWrite.OwnedBy; owns the partner portal app (dcr)

const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  id = await startIdentity();
  product = graphClient(id, secretCredential(id, id.apps.product.appId, id.apps.product.secret ?? ''));
});
afterEach(() => id.controls.reset());
afterAll(async () => {
  await id?.stop();
});

/** A client-credentials token with a secret (fresh msal-node client: no token cache in the way). */
async function tokenWith(appId: string, secret: string) {
  const cca = new ConfidentialClientApplication({
    auth: { clientId: appId, clientSecret: secret, ...id.msalAuthorityOptions() },
  });
  return cca.acquireTokenByClientCredential({ scopes: [`${id.apps.api.identifierUri}/.default`] });
}

const passwords = (appId: string) => id.directory.get(appId).passwordCredentials.map((c) => c.keyId);

function ownedApp(options: { signInAudience?: string } = {}) {
  return id.directory.addApplication({
    displayName: `rotation target ${passwords.length}-${Math.random()}`,
    owners: [id.apps.product.servicePrincipalId],
    ...options,
  });
}

describe('addPassword and removePassword', () => {
  it('adds a secret to an owned app: secretText once, hint, keyId, two years by default; it signs in', async () => {
    const app = ownedApp();
    const before = Date.now();
    const added = await product
      .api(`/applications/${app.id}/addPassword`)
      .post({ passwordCredential: { displayName: 'managed-by:test run-1' } });
    expect(added.secretText).toMatch(/^[\w-]{30,}$/);
    expect(added.hint).toBe(added.secretText.slice(0, 3));
    expect(added.displayName).toBe('managed-by:test run-1');
    const lifetime = Date.parse(added.endDateTime) - Date.parse(added.startDateTime);
    expect(lifetime).toBe(2 * 365 * DAY);
    expect(Date.parse(added.startDateTime)).toBeGreaterThanOrEqual(before - 1000);
    // Reads never carry the value.
    const read = await product.api(`/applications/${app.id}`).select('passwordCredentials').get();
    expect(read.passwordCredentials).toEqual([
      expect.objectContaining({ keyId: added.keyId, secretText: null, hint: added.hint }),
    ]);
    const token = await tokenWith(app.appId, added.secretText);
    expect(token?.accessToken).toBeTruthy();
  });

  it('honours startDateTime/endDateTime and removes by keyId (204), also through appId=', async () => {
    const app = ownedApp();
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 30 * DAY).toISOString();
    const added = await product
      .api(`/applications(appId='${app.appId}')/addPassword`)
      .post({ passwordCredential: { displayName: 'x', startDateTime: start, endDateTime: end } });
    expect(added.endDateTime).toBe(end);
    const token = await graphToken(id, id.apps.product.appId, id.apps.product.secret ?? '');
    const response = await fetch(`${id.graphUrl}/v1.0/applications/${app.id}/removePassword`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ keyId: added.keyId }),
    });
    expect(response.status).toBe(204);
    expect(passwords(app.appId)).toEqual([]);
    // Removing it again: it is not there any more.
    const again = await graphFailure(
      product.api(`/applications/${app.id}/removePassword`).post({ keyId: added.keyId }),
    );
    expect(again.statusCode).toBe(404);
  });

  it('refuses writes to an app the caller does not own (403), leaving it as it was', async () => {
    const notOwned = id.apps.partnerApps[1];
    if (!notOwned) throw new Error('seed');
    const before = passwords(notOwned.appId);
    const error = await graphFailure(
      product.api(`/applications/${notOwned.objectId}/addPassword`).post({ passwordCredential: {} }),
    );
    expect(error.statusCode).toBe(403);
    expect(error.code).toBe('Authorization_RequestDenied');
    const remove = await graphFailure(
      product.api(`/applications/${notOwned.objectId}/removePassword`).post({ keyId: notOwned.secretKeyId }),
    );
    expect(remove.code).toBe('Authorization_RequestDenied');
    expect(passwords(notOwned.appId)).toEqual(before);
  });

  it('refuses a write without a write permission even on an owned app', async () => {
    const reader = id.directory.addApplication({ displayName: 'reader only' });
    const secret = id.directory.addPassword(reader.appId).secretText;
    id.directory.assignRole(reader.appId, id.apps.graph.appId, 'Application.Read.All');
    const app = ownedApp();
    id.directory.addOwner(app.appId, reader.servicePrincipalId);
    const error = await graphFailure(
      graphClient(id, secretCredential(id, reader.appId, secret))
        .api(`/applications/${app.id}/addPassword`)
        .post({}),
    );
    expect(error.code).toBe('Authorization_RequestDenied');
  });

  it('rejects bad bodies with 400, never 500', async () => {
    const app = ownedApp();
    const token = await graphToken(id, id.apps.product.appId, id.apps.product.secret ?? '');
    const post = (path: string, body: string) =>
      fetch(`${id.graphUrl}/v1.0/applications/${app.id}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
    for (const [path, body] of [
      ['addPassword', '{not json'],
      ['addPassword', '{"passwordCredential":{"endDateTime":"soon"}}'],
      ['addPassword', '{"passwordCredential":{"endDateTime":"2000-01-01T00:00:00Z"}}'],
      ['removePassword', '{"keyId":"nope"}'],
    ] as const) {
      const response = await post(path, body);
      expect(response.status, `${path} ${body}`).toBe(400);
      expect((await errorOf(response)).code).toBe('Request_BadRequest');
    }
  });
});

describe('write test controls', () => {
  it('a lifetime policy refuses longer secrets with CredentialInvalidLifetimeAsPerAppPolicy; shorter pass', async () => {
    const app = ownedApp();
    id.controls.setGraphLifetimePolicy({ id: 'policy-p90d', maxSecretLifetimeDays: 90 });
    const token = await graphToken(id, id.apps.product.appId, id.apps.product.secret ?? '');
    const response = await fetch(`${id.graphUrl}/v1.0/applications/${app.id}/addPassword`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        passwordCredential: { endDateTime: new Date(Date.now() + 180 * DAY).toISOString() },
      }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error.code).toBe('CredentialInvalidLifetimeAsPerAppPolicy');
    expect(body.error.message).toBe(
      "Credential lifetime exceeds the max value allowed as per assigned policy 'policy-p90d'.",
    );
    expect(body.error.details).toEqual([{ code: 'InvalidKeyEndDate', target: 'EndDate' }]);
    // The default (two years) is refused too; 90 days passes.
    expect((await graphFailure(product.api(`/applications/${app.id}/addPassword`).post({}))).code).toBe(
      'CredentialInvalidLifetimeAsPerAppPolicy',
    );
    const ok = await product.api(`/applications/${app.id}/addPassword`).post({
      passwordCredential: { endDateTime: new Date(Date.now() + 90 * DAY - 60_000).toISOString() },
    });
    expect(passwords(app.appId)).toEqual([ok.keyId]);
  });

  it('an app that allows personal accounts keeps at most 2 passwords', async () => {
    const app = ownedApp({ signInAudience: 'AzureADandPersonalMicrosoftAccount' });
    await product.api(`/applications/${app.id}/addPassword`).post({});
    await product.api(`/applications/${app.id}/addPassword`).post({});
    const error = await graphFailure(product.api(`/applications/${app.id}/addPassword`).post({}));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('You can only add a maximum of 2 passwords.');
    expect(passwords(app.appId)).toHaveLength(2);
    // A single-tenant app has no such limit.
    const single = ownedApp();
    for (let i = 0; i < 3; i += 1) await product.api(`/applications/${single.id}/addPassword`).post({});
    expect(passwords(single.appId)).toHaveLength(3);
  });

  it('429s on writes only: reads pass, the client retries the write after Retry-After', async () => {
    const app = ownedApp();
    id.controls.setGraph('throttle', { writesOnly: true, count: 2, retryAfterSeconds: 0 });
    id.counters.reset();
    await product.api(`/applications/${app.id}`).get();
    expect(id.counters.graphRequests({ status: 429 })).toBe(0);
    const added = await product.api(`/applications/${app.id}/addPassword`).post({});
    expect(id.counters.graphRequests({ status: 429 })).toBe(2);
    expect(passwords(app.appId)).toEqual([added.keyId]);
  });

  it('propagation delay: a new secret fails with AADSTS7000215 for N seconds, then signs in', async () => {
    const app = ownedApp();
    id.controls.setPropagationDelay(2);
    const added = await product.api(`/applications/${app.id}/addPassword`).post({});
    const early = await tokenWith(app.appId, added.secretText).catch(
      (error: { errorCode?: string; errorMessage?: string }) => error,
    );
    expect(String((early as { errorMessage?: string }).errorMessage)).toMatch(/AADSTS7000215/);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await tokenWith(app.appId, added.secretText))?.accessToken).toBeTruthy();
  });

  it('crash switch on Graph: addPassword is carried out, the caller gets no answer', async () => {
    const app = ownedApp();
    id.controls.crashGraphAfter('addPassword');
    const error = await graphFailure(product.api(`/applications/${app.id}/addPassword`).post({}));
    expect(error.statusCode).toBe(-1);
    expect(passwords(app.appId)).toHaveLength(1);
    // Once only: the next call answers.
    await product.api(`/applications/${app.id}/addPassword`).post({});
    expect(passwords(app.appId)).toHaveLength(2);
  });

  it('crash switch on Key Vault: the secret is stored, the SDK gets no answer; down answers 503', async () => {
    const credential = secretCredential(id, id.apps.product.appId, id.apps.product.secret ?? '');
    const secrets = new SecretClient(id.keyVaultUrl, credential, {
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    });
    await secrets.setSecret('warm-up', 'x');
    id.controls.crashKeyVaultAfter('setSecret');
    await expect(secrets.setSecret('crash-target', 'value-1')).rejects.toThrow();
    expect(id.keyVault.store.getSecret('crash-target').secret.value).toBe('value-1');
    id.controls.setKeyVault('down');
    await expect(secrets.getSecret('crash-target')).rejects.toMatchObject({ statusCode: 503 });
  });
});
