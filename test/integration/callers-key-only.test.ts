import { fileURLToPath } from 'node:url';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type LocalStack, startStack } from '../../local/stack.js';
import { callerCall, secretCallerToken, tokenCall } from './helpers/callers.js';

/**
 * `Callers__AllowKeyOnly` at its default (`true`), as existing deployments have it, with callers
 * recognised through the older `Validation__IntrospectionCallerPolicy` (now an alias of
 * `Callers__Policy`): a key alone is served as before, a caller token on top is held to its grants.
 */
const functionsDir = fileURLToPath(new URL('../../functions', import.meta.url));

let id: RunningIdentity;
let stack: LocalStack;
let API: string;
let CALLER_SCOPE: string;

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'debug'] as const)
    vi.spyOn(console, level).mockImplementation(() => undefined);
  id = await startIdentity();
  API = `api://${id.apps.api.appId}/.default`;
  CALLER_SCOPE = `${id.apps.productApi.identifierUri}/.default`;
  stack = await startStack({
    functionsDir,
    port: 0,
    log: () => undefined,
    settings: {
      Values: {
        ...id.productSettings(),
        ...id.gatewayClientSettings([API]),
        Clients__pfx__ClientId: id.apps.gatewayPfx.appId,
        Clients__pfx__AllowedScopes: API,
        Clients__pfx__ClientCredentials__0__SourceType: 'KeyVault',
        Clients__pfx__ClientCredentials__0__KeyVaultUrl: id.keyVaultUrl,
        Clients__pfx__ClientCredentials__0__KeyVaultCertificateName: 'gateway-pfx',
        Validation__TenantId: id.tenantId,
        Validation__Audiences: id.apps.api.appId,
        Validation__Policies: JSON.stringify({
          'product-callers': {
            tenants: [id.tenantId],
            audiences: [id.apps.productApi.appId],
            tokenKind: 'app',
          },
        }),
        Validation__IntrospectionCallerPolicy: 'product-callers',
        Callers__apim__ClientId: id.apps.apimCaller.appId,
        Callers__apim__Clients: 'default',
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await id?.stop();
  vi.restoreAllMocks();
});

describe('Callers__AllowKeyOnly=true (the default)', () => {
  it('a function key alone is served any client, and counted as the function key', async () => {
    const res = await tokenCall(stack, { scope: API, client: 'pfx' }, { key: true });
    expect(res.status).toBe(200);
    const usage = await fetch(`${stack.host.url}/api/usage?caller=${encodeURIComponent('(function key)')}`, {
      headers: { 'x-functions-key': stack.keys.host.default ?? '' },
    });
    const body = (await usage.json()) as { issued: Array<{ client: string; count: number }> };
    expect(body.issued.find((row) => row.client === 'pfx')?.count).toBe(1);
  });

  it('the key is still required by the host: no key, no token gets 401', async () => {
    expect((await tokenCall(stack, { scope: API }, {})).status).toBe(401);
  });

  it('a caller token beside the key is held to its grants', async () => {
    const caller = await secretCallerToken(id, CALLER_SCOPE);
    expect((await tokenCall(stack, { scope: API }, { key: true, bearer: caller })).status).toBe(200);
    const other = await tokenCall(stack, { scope: API, client: 'pfx' }, { key: true, bearer: caller });
    expect([other.status, other.json.error]).toEqual([403, 'unauthorized_client']);
  });

  it('the alias keeps its meaning: introspection needs a caller token valid under the named policy', async () => {
    const served = await tokenCall(stack, { scope: API }, { key: true });
    const token = String(served.json.access_token);
    const key = stack.keys.host.default ?? '';
    const introspect = (bearer?: string) =>
      fetch(`${stack.host.url}/api/introspect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-functions-key': key,
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        body: new URLSearchParams({ token }).toString(),
      });
    expect((await introspect()).status).toBe(401);
    // A caller with no settings and no roles: any valid token under the policy, as before.
    const legacy = await new ClientSecretCredential(
      id.tenantId,
      id.apps.secretClient.appId,
      id.apps.secretClient.secret ?? '',
      { authorityHost: id.authorityHost, disableInstanceDiscovery: true },
    ).getToken(CALLER_SCOPE);
    const allowed = await introspect(legacy.token);
    expect([allowed.status, ((await allowed.json()) as { active: boolean }).active]).toEqual([200, true]);
    // A configured caller is held to its operations (apim has only `token`).
    expect((await introspect(await secretCallerToken(id, CALLER_SCOPE))).status).toBe(403);
    expect((await callerCall(stack, '/api/introspect', legacy.token, { token })).status).toBe(401); // no key
  });
});
