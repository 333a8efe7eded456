import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { memoryDenylistStore } from '../../shared/validation/revocation.js';
import { createValidationRuntime } from '../../shared/validation/runtime.js';
import { memoryUsageStore } from '../../shared/validation/usage.js';
import { authorizeRequest, pkcePair, signInWithCode } from './helpers/user-sign-in.js';

const REDIRECT = 'http://127.0.0.1:9/api/dashboard';

let id: RunningIdentity;
let scope: string;

beforeAll(async () => {
  id = await startIdentity({ dashboardRedirectUris: [REDIRECT] });
  scope = `${id.apps.productApi.identifierUri}/Credentials.Read openid profile offline_access`;
});
afterAll(() => id?.stop());

const reader = () => ({
  username: id.apps.people.reader.userPrincipalName,
  password: id.apps.people.reader.password,
});
const visitor = () => ({
  username: id.apps.people.visitor.userPrincipalName,
  password: id.apps.people.visitor.password,
});

function dashboardValidator() {
  const runtime = createValidationRuntime(
    { ...id.productSettings(), ...id.dashboardSettings(), Validation__CaFile: id.caFile },
    { stores: { denylist: memoryDenylistStore(), usage: memoryUsageStore() } },
  );
  if (!runtime.ok) throw new Error(runtime.problems.join('\n'));
  return runtime;
}

describe('Entra stand-in: authorization code + PKCE for the dashboard SPA', () => {
  it('signs the reader in through the login page and issues Entra-shaped v2 user tokens', async () => {
    const flow = await signInWithCode(id, { ...reader(), redirectUri: REDIRECT, scope });
    expect(flow.loginPage).toContain('<form method="post"');
    expect(flow.loginPage).not.toMatch(/<script|style=/i);
    expect(flow.tokenResponse.status).toBe(200);
    // Cross-origin redemption from the SPA's registered origin only.
    expect(flow.tokenResponse.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
    const { tokens } = flow;
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.scope).toBe(
      `${id.apps.productApi.identifierUri}/Credentials.Read openid profile offline_access`,
    );
    expect(tokens.refresh_token_expires_in).toBe(86400);
    expect(typeof tokens.refresh_token).toBe('string');
    const access = decodeJwt(String(tokens.access_token));
    expect(access).toMatchObject({
      aud: id.apps.productApi.appId,
      iss: id.issuerV2,
      ver: '2.0',
      scp: 'Credentials.Read',
      azp: id.apps.dashboard.appId,
      azpacr: '0',
      tid: id.tenantId,
      oid: id.apps.people.reader.id,
      upn: 'reader@contoso.local',
      preferred_username: 'reader@contoso.local',
      name: 'Riley Reader',
    });
    expect(access.idtyp).toBeUndefined();
    expect(access.roles).toBeUndefined();
    const idToken = decodeJwt(String(tokens.id_token));
    expect(idToken).toMatchObject({
      aud: id.apps.dashboard.appId,
      oid: id.apps.people.reader.id,
      tid: id.tenantId,
      ver: '2.0',
    });
    const clientInfo = JSON.parse(Buffer.from(String(tokens.client_info), 'base64url').toString('utf8'));
    expect(clientInfo).toEqual({ uid: id.apps.people.reader.id, utid: id.tenantId });

    // The product's validator accepts it under the dashboard policy.
    const validation = dashboardValidator();
    const verdict = await validation.service.verifyCaller(`Bearer ${tokens.access_token}`, 'dashboard');
    expect('claims' in verdict).toBe(true);
    await validation.usage.stop();

    // The refresh token gets a new access token for the same resource.
    const refreshed = await fetch(id.tokenEndpointV2, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:9' },
      body: new URLSearchParams({
        client_id: id.apps.dashboard.appId,
        grant_type: 'refresh_token',
        refresh_token: String(tokens.refresh_token),
        scope,
      }).toString(),
    });
    const refreshedBody = (await refreshed.json()) as Record<string, unknown>;
    expect(refreshed.status, JSON.stringify(refreshedBody)).toBe(200);
    expect(decodeJwt(String(refreshedBody.access_token)).scp).toBe('Credentials.Read');
  });

  it('gives the visitor a token without Credentials.Read, which the dashboard policy refuses with 403 insufficient_scope', async () => {
    const { tokens } = await signInWithCode(id, { ...visitor(), redirectUri: REDIRECT, scope });
    expect(decodeJwt(String(tokens.access_token)).scp).toBe('user_impersonation');
    const validation = dashboardValidator();
    const verdict = await validation.service.verifyCaller(`Bearer ${tokens.access_token}`, 'dashboard');
    if (!('response' in verdict)) throw new Error('the visitor was admitted');
    expect(verdict.response.status).toBe(403);
    expect(verdict.response.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(verdict.response.headers['www-authenticate']).toContain('scope="Credentials.Read"');
    // An app-only token for the same API is refused: the dashboard is for people.
    const appToken = await id.controls.mintAppToken({
      clientId: id.apps.apimCaller.appId,
      resource: id.apps.productApi.appId,
    });
    const app = await validation.service.verifyCaller(`Bearer ${appToken}`, 'dashboard');
    if (!('response' in app)) throw new Error('an app token was admitted');
    expect(app.response.status).toBe(401);
    expect(app.response.body).toContain('user token required');
    await validation.usage.stop();
  });

  it('refuses a wrong password, a wrong PKCE verifier, a plain challenge and an unregistered redirect URI', async () => {
    await expect(
      signInWithCode(id, { ...reader(), password: 'wrong', redirectUri: REDIRECT, scope }),
    ).rejects.toThrow(/AADSTS50126/);
    const wrongVerifier = await signInWithCode(id, {
      ...reader(),
      redirectUri: REDIRECT,
      scope,
      verifierOverride: pkcePair().verifier,
    });
    expect(wrongVerifier.tokenResponse.status).toBe(400);
    expect(wrongVerifier.tokens.error).toBe('invalid_grant');
    for (const [options, status] of [
      [{ redirectUri: REDIRECT, scope, challengeMethod: 'plain' }, 303],
      [{ redirectUri: 'http://127.0.0.1:9/elsewhere', scope }, 400],
    ] as const) {
      const { challenge } = pkcePair();
      const response = await fetch(await authorizeRequest(id, options, challenge, 's'), {
        redirect: 'manual',
      });
      expect(response.status).toBe(status);
      if (status === 303) expect(response.headers.get('location')).toContain('error=invalid_request');
    }
  });

  it('allows cross-origin redemption only from a registered SPA origin', async () => {
    const preflight = await fetch(id.tokenEndpointV2, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:9', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    const elsewhere = await fetch(id.tokenEndpointV2, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({
        client_id: id.apps.dashboard.appId,
        grant_type: 'authorization_code',
        code: 'x',
        redirect_uri: REDIRECT,
        code_verifier: pkcePair().verifier,
        scope,
      }).toString(),
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});
