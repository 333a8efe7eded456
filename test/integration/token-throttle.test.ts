import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type LocalStack, startStack } from '../../local/stack.js';

/**
 * The IdP throttling us, end to end: the Entra stand-in's `throttle` mode (429 + Retry-After, as
 * Entra answers a throttled client_credentials request), the real msal-node replaying that answer
 * locally, and `/api/token` mapping both to 429 with Retry-After. Tests run in order and share state.
 */
const functionsDir = fileURLToPath(new URL('../../functions', import.meta.url));

let id: RunningIdentity;
let stack: LocalStack;
let API: string;
const LEGACY = 'api://legacy-api/.default';

async function token(body: Record<string, unknown>) {
  const response = await fetch(`${stack.host.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': stack.keys.host.default ?? '' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

function retryAfter(headers: Headers): number {
  const value = headers.get('retry-after') ?? '';
  expect(value).toMatch(/^\d+$/);
  return Number(value);
}

/** RFC 6749 §5.2 with the wait: what a gateway needs to back off. */
function expectThrottled(result: Awaited<ReturnType<typeof token>>, maxSeconds: number) {
  expect(result.status).toBe(429);
  expect(result.json.error).toBe('temporarily_unavailable');
  expect(typeof result.json.error_description).toBe('string');
  expect(result.json.access_token).toBeUndefined();
  expect(JSON.stringify(result.json)).not.toMatch(/eyJ|PRIVATE KEY/);
  expect(result.headers.get('cache-control')).toBe('no-store');
  const seconds = retryAfter(result.headers);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
}

const idpRequests = (clientId: string) => id.counters.tokenRequests({ clientId });

beforeAll(async () => {
  id = await startIdentity();
  API = `api://${id.apps.api.appId}/.default`;
  const scopes = `${API},${LEGACY}`;
  stack = await startStack({
    functionsDir,
    port: 0,
    identity: id,
    log: () => {},
    settings: {
      Values: {
        ...id.productSettings(),
        ...id.gatewayClientSettings(scopes.split(',')),
        Clients__pfx__ClientId: id.apps.gatewayPfx.appId,
        Clients__pfx__AllowedScopes: scopes,
        Clients__pfx__ClientCredentials__0__SourceType: 'KeyVault',
        Clients__pfx__ClientCredentials__0__KeyVaultUrl: id.keyVaultUrl,
        Clients__pfx__ClientCredentials__0__KeyVaultCertificateName: 'gateway-pfx',
      },
    },
  });
});

afterAll(async () => {
  id?.controls.setToken('ok');
  await stack?.stop();
  await id?.stop();
});

describe('Entra stand-in: token endpoint throttle mode', () => {
  it('answers 429 with the set Retry-After and an Entra-shaped body; the /_test/token form sets it too', async () => {
    const admin = (body: unknown) =>
      fetch(`${id.adminUrl}/token`, { method: 'POST', body: JSON.stringify(body) });
    expect((await admin({ mode: 'throttle', retryAfterSeconds: 0 })).status).toBe(400);
    expect((await admin({ mode: 'slow' })).status).toBe(400);
    const set = await admin({ mode: 'throttle', retryAfterSeconds: 7 });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ mode: 'throttle', retryAfterSeconds: 7 });
    try {
      const client = id.apps.secretClient;
      const before = id.counters.tokenRequests({
        clientId: client.appId,
        outcome: 'temporarily_unavailable',
      });
      const response = await fetch(id.tokenEndpointV2, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: client.appId,
          client_secret: client.secret ?? '',
          scope: API,
        }),
      });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.error).toBe('temporarily_unavailable');
      expect(body.error_codes).toEqual([50196]);
      expect(String(body.error_description)).toMatch(/^AADSTS50196: /);
      expect(body.access_token).toBeUndefined();
      expect(id.counters.tokenRequests({ clientId: client.appId, outcome: 'temporarily_unavailable' })).toBe(
        before + 1,
      );
      // Default wait, as Entra sends for client_credentials: 60 s.
      id.controls.setToken('throttle');
      const v1 = await fetch(id.tokenEndpointV1, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'api://legacy-api' }),
      });
      expect(v1.status).toBe(429);
      expect(v1.headers.get('retry-after')).toBe('60');
    } finally {
      expect((await admin({ mode: 'ok' })).status).toBe(200);
    }
  });
});

describe('POST /api/token while the IdP throttles', () => {
  it('cold scope: 429 + Retry-After; the repeat is replayed by MSAL without an IdP call; warm scope still 200', async () => {
    // Warm: a token for API, and the certificate (and the product's Key Vault token) loaded.
    const warm = await token({ scope: API });
    expect(warm.status).toBe(200);
    const gateway = id.apps.gateway.appId;
    id.controls.setToken('throttle', { retryAfterSeconds: 30 });
    try {
      const before = idpRequests(gateway);
      const first = await token({ scope: LEGACY });
      expectThrottled(first, 30);
      expect(idpRequests(gateway)).toBe(before + 1);
      expect(id.counters.tokenRequests({ clientId: gateway, outcome: 'temporarily_unavailable' })).toBe(1);

      const replayed = await token({ scope: LEGACY });
      expectThrottled(replayed, 30);
      expect(idpRequests(gateway)).toBe(before + 1);

      const cached = await token({ scope: API });
      expect(cached.status).toBe(200);
      expect(cached.json.access_token).toBe(warm.json.access_token);
      expect(idpRequests(gateway)).toBe(before + 1);
    } finally {
      id.controls.setToken('ok');
    }
  });

  it('after the Retry-After window the same cold scope succeeds', async () => {
    const pfx = id.apps.gatewayPfx.appId;
    // Load the PFX certificate while Key Vault's own token can still be had from the IdP.
    expect((await token({ scope: API, client: 'pfx' })).status).toBe(200);
    id.controls.setToken('throttle', { retryAfterSeconds: 1 });
    let wait: number;
    try {
      const throttled = await token({ scope: LEGACY, client: 'pfx' });
      expectThrottled(throttled, 1);
      wait = retryAfter(throttled.headers);
    } finally {
      id.controls.setToken('ok');
    }
    const successes = id.counters.tokenRequests({ clientId: pfx, outcome: 'success' });
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 200));
    const recovered = await token({ scope: LEGACY, client: 'pfx' });
    expect(recovered.status).toBe(200);
    expect(recovered.json.access_token).toMatch(/^eyJ/);
    expect(id.counters.tokenRequests({ clientId: pfx, outcome: 'success' })).toBe(successes + 1);
  });
});
