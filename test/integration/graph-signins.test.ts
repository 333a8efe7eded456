import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import {
  certificateCredential,
  errorOf,
  graphClient,
  graphFailure,
  graphToken,
  secretCredential,
} from './helpers/graph-client.js';

/**
 * beta /reports/appCredentialSignInActivities reads what the Entra stand-in recorded: the
 * credential (keyId) of each successful client-credentials request (local/README.md).
 */
let id: RunningIdentity;

beforeAll(async () => {
  id = await startIdentity();
});
afterAll(async () => {
  await id?.stop();
});

/** A fresh app with AuditLog.Read.All (each has its own reports-API window of 5 requests / 10 s). */
function reporter(roles = ['AuditLog.Read.All']) {
  const app = id.directory.addApplication({ displayName: `reporter ${Math.random()}` });
  const secret = id.directory.addPassword(app.appId).secretText;
  for (const role of roles) id.directory.assignRole(app.appId, id.apps.graph.appId, role);
  return { appId: app.appId, secret, client: graphClient(id, secretCredential(id, app.appId, secret)) };
}

const report = (client: ReturnType<typeof reporter>['client'], filter: string) =>
  client.api('/reports/appCredentialSignInActivities').version('beta').filter(filter).get();

describe('credential sign-in activity report', () => {
  it('shows the keyId of the secret a token was obtained with, after (and only after) that request', async () => {
    const { client } = reporter();
    const dcr = id.apps.partnerApps[0];
    const keyFilter = `keyId eq '${dcr?.secretKeyId}'`;
    expect((await report(client, keyFilter)).value).toEqual([]);

    const before = Date.now();
    await secretCredential(id, dcr?.appId ?? '', dcr?.secret ?? '').getToken(
      `${id.apps.api.identifierUri}/.default`,
    );
    const after = Date.now();

    const { value } = await report(client, keyFilter);
    expect(value).toHaveLength(1);
    expect(value[0]).toMatchObject({
      appId: dcr?.appId,
      appObjectId: dcr?.objectId,
      servicePrincipalObjectId: dcr?.servicePrincipalId,
      keyId: dcr?.secretKeyId,
      keyType: 'clientSecret',
      credentialOrigin: 'application',
      expirationDateTime: dcr?.secretEnd,
      resourceId: id.apps.api.servicePrincipalId,
    });
    const last = Date.parse(value[0].signInActivity.lastSignInDateTime);
    expect(last).toBeGreaterThanOrEqual(before - 5);
    expect(last).toBeLessThanOrEqual(after + 5);
    // The same entry by appId.
    expect((await report(client, `appId eq '${dcr?.appId}'`)).value).toEqual(value);
  });

  it("carries the Entra request id of the sign-in, and a wrong secret's request records nothing", async () => {
    const { client } = reporter();
    const dcr = id.apps.partnerApps[2];
    const wrong = await fetch(id.tokenEndpointV2, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: dcr?.appId ?? '',
        client_secret: `${dcr?.secret}x`,
        scope: `${id.apps.api.identifierUri}/.default`,
      }),
    });
    expect(wrong.status).toBe(401);
    expect((await report(client, `appId eq '${dcr?.appId}'`)).value).toEqual([]);
    const right = await fetch(id.tokenEndpointV2, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: dcr?.appId ?? '',
        client_secret: dcr?.secret ?? '',
        scope: `${id.apps.api.identifierUri}/.default`,
      }),
    });
    expect(right.status).toBe(200);
    const requestId = right.headers.get('x-ms-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const { value } = await report(client, `appId eq '${dcr?.appId}'`);
    expect(
      value.map(
        (entry: { signInActivity: { lastSignInRequestId: string } }) =>
          entry.signInActivity.lastSignInRequestId,
      ),
    ).toEqual([requestId]);
  });

  it('records the certificate (keyId) of a certificate-authenticated client', async () => {
    const { client } = reporter();
    const gateway = id.apps.gateway;
    const pem = id.keyVault.store.getSecret(gateway.certificateName ?? '').secret.value;
    await certificateCredential(id, gateway.appId, pem).getToken(`${id.apps.api.identifierUri}/.default`);
    const keyId = id.directory.get(gateway.appId).keyCredentials[0]?.keyId;
    const { value } = await report(client, `appId eq '${gateway.appId}'`);
    expect(value).toEqual([
      expect.objectContaining({ keyId, keyType: 'certificate', keyUsage: 'verify', appId: gateway.appId }),
    ]);
  });

  it('needs AuditLog.Read.All, and a tenant with Entra ID P1/P2', async () => {
    const partner = graphClient(
      id,
      secretCredential(id, id.apps.partnerGateway.appId, id.apps.partnerGateway.secret ?? ''),
    );
    expect(await graphFailure(report(partner, `appId eq '${id.apps.dcr.appId}'`))).toMatchObject({
      statusCode: 403,
      code: 'Authorization_RequestDenied',
    });
    const { client } = reporter();
    id.controls.setGraphReports('unlicensed');
    try {
      expect(await graphFailure(report(client, `appId eq '${id.apps.dcr.appId}'`))).toMatchObject({
        statusCode: 403,
        code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      });
    } finally {
      id.controls.setGraphReports('ok');
    }
    expect((await report(client, `appId eq '${id.apps.dcr.appId}'`)).value).toEqual([]);
  });

  it('allows 5 report requests per 10 s per app, then answers 429 with Retry-After', async () => {
    const { appId, secret } = reporter();
    const token = await graphToken(id, appId, secret);
    const url = `${id.graphUrl}/beta/reports/appCredentialSignInActivities`;
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i += 1) {
      last = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(last.status);
      if (i < 5) await last.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const retryAfter = Number(last?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect((await errorOf(last)).code).toBe('TooManyRequests');
    // Another app has its own window.
    const other = reporter();
    expect(
      (
        await fetch(url, {
          headers: { authorization: `Bearer ${await graphToken(id, other.appId, other.secret)}` },
        })
      ).status,
    ).toBe(200);
  });

  it('refuses a $filter it cannot serve with 400', async () => {
    const { client } = reporter();
    expect(await graphFailure(report(client, "displayName eq 'x'"))).toMatchObject({
      statusCode: 400,
      code: 'Request_UnsupportedQuery',
    });
  });
});
