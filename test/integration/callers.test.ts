import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type LocalStack, startStack } from '../../local/stack.js';
import { callerCall, secretCallerToken, tokenCall } from './helpers/callers.js';
import { type CertificateClient, certificateClient, claimsOf } from './helpers/certificate-client.js';

/**
 * Callers with their own Entra identity, with `Callers__AllowKeyOnly=false` (the recommended and
 * demo setting): caller tokens really issued by the Entra stand-in (a secret for caller "apim", a
 * certificate for caller "envoy"), verified by the product's validator, on the local host.
 */
const functionsDir = fileURLToPath(new URL('../../functions', import.meta.url));

let id: RunningIdentity;
let stack: LocalStack;
let envoy: CertificateClient;
let CALLER_SCOPE: string;
let API: string;
const LEGACY = 'api://legacy-api/.default';
const logs: string[] = [];
const apimToken = () => secretCallerToken(id, CALLER_SCOPE);

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
    });
  }
  id = await startIdentity();
  CALLER_SCOPE = `${id.apps.productApi.identifierUri}/.default`;
  API = `api://${id.apps.api.appId}/.default`;
  envoy = await certificateClient(id, id.apps.envoyCaller.appId, id.apps.envoyCaller.certificateName ?? '');
  stack = await startStack({
    functionsDir,
    port: 0,
    log: (line) => logs.push(line),
    settings: {
      Values: {
        ...id.productSettings(),
        ...id.gatewayClientSettings([API]),
        Clients__pfx__ClientId: id.apps.gatewayPfx.appId,
        Clients__pfx__AllowedScopes: `${API},${LEGACY}`,
        Clients__pfx__ClientCredentials__0__SourceType: 'KeyVault',
        Clients__pfx__ClientCredentials__0__KeyVaultUrl: id.keyVaultUrl,
        Clients__pfx__ClientCredentials__0__KeyVaultCertificateName: 'gateway-pfx',
        Validation__TenantId: id.tenantId,
        Validation__Audiences: `${id.apps.api.appId},api://legacy-api`,
        Callers__Audience: `${id.apps.productApi.identifierUri},${id.apps.productApi.appId}`,
        Callers__AllowKeyOnly: 'false',
        Callers__apim__ClientId: id.apps.apimCaller.appId,
        Callers__apim__Clients: 'default',
        Callers__apim__Operations: 'token,introspect,revoke,usage',
        Callers__envoy__ClientId: id.apps.envoyCaller.appId,
        Callers__envoy__Clients: 'pfx',
        Callers__envoy__Scopes: API,
        // Names a client that does not exist: this caller alone gets 503.
        Callers__batch__ClientId: id.apps.secretClient.appId,
        Callers__batch__Clients: 'nosuch',
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await id?.stop();
  vi.restoreAllMocks();
});

describe('POST /api/token with a caller token and no function key', () => {
  it("caller A (secret) gets its client's token", async () => {
    const caller = await apimToken();
    expect(claimsOf(caller)).toMatchObject({ azp: id.apps.apimCaller.appId, azpacr: '1' });
    const res = await tokenCall(stack, { scope: API }, { bearer: caller });
    expect(res.status).toBe(200);
    expect(claimsOf(String(res.json.access_token))).toMatchObject({ azp: id.apps.gateway.appId });
  });

  it('caller A asking for client B gets 403 unauthorized_client, naming neither', async () => {
    const res = await tokenCall(stack, { scope: API, client: 'pfx' }, { bearer: await apimToken() });
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('unauthorized_client');
    expect(res.text).not.toMatch(/pfx|envoy|batch/i);
    // An unknown client answers the same: the caller learns nothing about which exist.
    const unknown = await tokenCall(stack, { scope: API, client: 'nosuch' }, { bearer: await apimToken() });
    expect([unknown.status, unknown.json.error]).toEqual([403, 'unauthorized_client']);
  });

  it('caller B (certificate) is held to its narrower scope list', async () => {
    const caller = await envoy.token(CALLER_SCOPE);
    expect(claimsOf(caller)).toMatchObject({ azp: id.apps.envoyCaller.appId, azpacr: '2' });
    const granted = await tokenCall(stack, { scope: API, client: 'pfx' }, { bearer: caller });
    expect(granted.status).toBe(200);
    expect(claimsOf(String(granted.json.access_token))).toMatchObject({ azp: id.apps.gatewayPfx.appId });
    // LEGACY is in the client's AllowedScopes, but not in this caller's Scopes.
    const narrower = await tokenCall(stack, { scope: LEGACY, client: 'pfx' }, { bearer: caller });
    expect([narrower.status, narrower.json.error]).toEqual([403, 'invalid_scope']);
    const otherClient = await tokenCall(stack, { scope: API }, { bearer: caller });
    expect([otherClient.status, otherClient.json.error]).toEqual([403, 'unauthorized_client']);
  });

  it('a function key alone gets 401 with a Bearer challenge', async () => {
    const res = await tokenCall(stack, { scope: API }, { key: true });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="callers"');
    expect(res.json.access_token).toBeUndefined();
  });

  it('a user token, a token for another audience or an expired one gets 401 invalid_token', async () => {
    const user = await id.controls.mintUserToken({ aud: id.apps.productApi.appId, scp: 'Tokens.Request' });
    const otherAudience = await secretCallerToken(id, API);
    const expired = await id.controls.mintAppToken({
      clientId: id.apps.apimCaller.appId,
      resource: id.apps.productApi.appId,
      acr: '1',
      offsetSeconds: -7200,
      lifetimeSeconds: 3600,
    });
    const foreign = await id.controls.mintAppToken({
      clientId: id.apps.apimCaller.appId,
      resource: id.apps.productApi.appId,
      extra: { tid: '00000000-0000-0000-0000-00000000f00d' },
    });
    const reasons: Record<string, string> = {
      user: 'app-only token required',
      otherAudience: 'audience not accepted',
      expired: 'token expired',
      foreign: 'tenant not accepted',
    };
    for (const [name, bearer] of Object.entries({ user, otherAudience, expired, foreign })) {
      const res = await tokenCall(stack, { scope: API }, { bearer });
      expect([name, res.status]).toEqual([name, 401]);
      const challenge = res.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toContain(reasons[name]);
    }
  });

  it('a caller whose settings name an unknown client gets 503; the others are served', async () => {
    const credential = await import('@azure/identity');
    const batch = await new credential.ClientSecretCredential(
      id.tenantId,
      id.apps.secretClient.appId,
      id.apps.secretClient.secret ?? '',
      { authorityHost: id.authorityHost, disableInstanceDiscovery: true },
    ).getToken(CALLER_SCOPE);
    const res = await tokenCall(stack, { scope: API }, { bearer: batch.token });
    expect([res.status, res.json.code]).toEqual([503, 'caller_misconfigured']);
    expect(res.text).not.toContain('nosuch');
    expect((await tokenCall(stack, { scope: API }, { bearer: await apimToken() })).status).toBe(200);
    // Listed at start, when the functions registered.
    expect(logs.join('\n')).toMatch(
      /Callers settings are invalid in part.*Callers__batch__Clients: \\"nosuch\\" is not a configured token client/,
    );
  });
});

describe('introspect, revoke and usage are limited to callers with those operations', () => {
  it('caller A may introspect and revoke; caller B (token only) gets 403', async () => {
    const served = await tokenCall(stack, { scope: API }, { bearer: await apimToken() });
    const token = String(served.json.access_token);
    const asEnvoy = await envoy.token(CALLER_SCOPE);
    const denied = await callerCall(stack, '/api/introspect', asEnvoy, { token });
    expect([denied.status, denied.json.code]).toEqual([403, 'operation_not_granted']);
    expect(denied.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect((await callerCall(stack, '/api/revoke', asEnvoy, { token })).status).toBe(403);
    expect((await callerCall(stack, '/api/introspect', undefined, { token })).status).toBe(401);

    const asApim = await apimToken();
    const active = await callerCall(stack, '/api/introspect', asApim, { token });
    expect([active.status, active.json.active]).toEqual([200, true]);
    expect((await callerCall(stack, '/api/revoke', asApim, { token })).status).toBe(200);
    const after = await callerCall(stack, '/api/introspect', asApim, { token });
    expect(after.text).toBe('{"active":false}');
  });

  it('counts tokens served per caller, client, scope and day after 1,000 concurrent calls from two callers', async () => {
    const asApim = await apimToken();
    const asEnvoy = await envoy.token(CALLER_SCOPE);
    const issued = async (caller: string) => {
      const res = await callerCall(stack, `/api/usage?caller=${caller}`, asApim);
      expect(res.status).toBe(200);
      return res.json.issued as Array<{ day: string; client: string; scope: string; count: number }>;
    };
    const count = (rows: Awaited<ReturnType<typeof issued>>, client: string) =>
      rows.filter((r) => r.client === client && r.scope === API).reduce((sum, r) => sum + r.count, 0);
    const before = {
      apim: count(await issued('apim'), 'default'),
      envoy: count(await issued('envoy'), 'pfx'),
    };
    const calls = Array.from({ length: 1000 }, (_, i) =>
      i % 5 < 3
        ? tokenCall(stack, { scope: API }, { bearer: asApim })
        : tokenCall(stack, { scope: API, client: 'pfx' }, { bearer: asEnvoy }),
    );
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const apimRows = await issued('apim');
    expect(count(apimRows, 'default') - before.apim).toBe(600);
    expect(count(await issued(id.apps.envoyCaller.appId), 'pfx') - before.envoy).toBe(400);
    expect(apimRows.every((r) => r.day === new Date().toISOString().slice(0, 10))).toBe(true);
    // Caller B has no usage operation.
    expect((await callerCall(stack, '/api/usage?caller=apim', asEnvoy)).status).toBe(403);
  });

  it('/api/validate keeps its function key; caller tokens and keys never reach the logs', async () => {
    const validate = await fetch(`${stack.host.url}/api/validate`, {
      headers: { authorization: `Bearer ${await apimToken()}` },
    });
    expect(validate.status).toBe(401);
    const text = logs.join('\n');
    for (const secret of [await apimToken(), await envoy.token(CALLER_SCOPE), stack.keys.host.default ?? ''])
      expect(text).not.toContain(secret);
    expect(text).toContain('Caller refused');
  });
});
