import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { type LocalStack, startStack } from '../../local/stack.js';
import { makeCertificate } from '../unit/tokens/fixtures.js';

/**
 * POST /api/token end to end: the local Functions host, the real msal-node and Key Vault SDKs,
 * against the Entra and Key Vault stand-ins (local/README.md). Tests run in order and share state:
 * cold-cache tests come before the tests that warm the same certificate.
 */
const functionsDir = fileURLToPath(new URL('../../functions', import.meta.url));

let id: RunningIdentity;
let stack: LocalStack;
let tmp: string;
let proxy: { url: string; close: () => Promise<void> };
const logs: string[] = [];
let API: string;
const LEGACY = 'api://legacy-api/.default';

/** A TCP pass-through to the Key Vault stand-in that the test can cut: a real network outage. */
async function tcpProxy(target: URL): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function token(body: Record<string, unknown> | string, contentType = 'application/json') {
  const response = await fetch(`${stack.host.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-functions-key': stack.keys.host.default ?? '' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
      if (level === 'error') original(...args);
    });
  }
  id = await startIdentity();
  tmp = mkdtempSync(join(tmpdir(), 'token-it-'));
  const credential = new ClientSecretCredential(id.tenantId, id.apps.product.appId, id.apps.product.secret!, {
    authorityHost: id.authorityHost,
    disableInstanceDiscovery: true,
  });
  const secrets = new SecretClient(id.keyVaultUrl, credential, {
    disableChallengeResourceVerification: true,
  });
  const pem = (await secrets.getSecret('gateway-cert')).value!;
  const pfx = (await secrets.getSecret('gateway-pfx')).value!;
  id.counters.reset();
  writeFileSync(join(tmp, 'gateway.pem'), pem);
  proxy = await tcpProxy(new URL(id.keyVaultUrl));
  API = `api://${id.apps.api.appId}/.default`;
  const scopes = `${API},${LEGACY}`;
  const client = (name: string, appId: string, credential: Record<string, string>) => {
    const out: Record<string, string> = {
      [`Clients__${name}__ClientId`]: appId,
      [`Clients__${name}__AllowedScopes`]: scopes,
    };
    for (const [key, value] of Object.entries(credential))
      out[`Clients__${name}__ClientCredentials__0__${key}`] = value;
    return out;
  };
  const vault = (name: string) => ({
    SourceType: 'KeyVault',
    KeyVaultUrl: id.keyVaultUrl,
    KeyVaultCertificateName: name,
  });
  stack = await startStack({
    functionsDir,
    port: 0,
    log: (line) => logs.push(line),
    settings: {
      Values: {
        ...id.productSettings(),
        ...id.gatewayClientSettings(scopes.split(',')),
        ...client('pfx', id.apps.gatewayPfx.appId, vault('gateway-pfx')),
        ...client('path', id.apps.gateway.appId, {
          SourceType: 'Path',
          CertificateDiskPath: join(tmp, 'gateway.pem'),
        }),
        ...client('b64', id.apps.gatewayPfx.appId, { SourceType: 'Base64Encoded', Base64EncodedValue: pfx }),
        ...client('stranger', id.apps.gateway.appId, {
          SourceType: 'Base64Encoded',
          Base64EncodedValue: makeCertificate({ cn: 'stranger' }).pfxBase64(),
        }),
        ...client('viaproxy', id.apps.gateway.appId, { ...vault('gateway-cert'), KeyVaultUrl: proxy.url }),
        ...client('cold', id.apps.gateway.appId, {
          ...vault('gateway-cert'),
          KeyVaultUrl: proxy.url.replace(/\/$/, '/x/'),
        }),
        Clients__broken__ClientId: 'no-credentials',
      },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
  await id?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('POST /api/token', () => {
  it('1,000 concurrent cold requests: exactly 1 IdP token request and 1 Key Vault secret read', async () => {
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => token({ scope: API, client: 'pfx' })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.json.access_token)).size).toBe(1);
    expect(id.counters.tokenRequests({ clientId: id.apps.gatewayPfx.appId })).toBe(1);
    expect(id.counters.secretReads('gateway-pfx')).toBe(1);
    console.info(
      `concurrency: 1000 requests -> ${id.counters.tokenRequests({ clientId: id.apps.gatewayPfx.appId })} IdP request, ${id.counters.secretReads('gateway-pfx')} secret read`,
    );
  });

  it('PEM certificate from Key Vault: an OAuth token response the IdP signed for this client', async () => {
    const { status, headers, json } = await token({ scope: API });
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('pragma')).toBe('no-cache');
    expect(json).toMatchObject({ token_type: 'Bearer', access_token: expect.stringMatching(/^eyJ/) });
    expect(json.expires_in).toBeGreaterThan(3000);
    expect(json.expires_on).toBeGreaterThan(Date.now() / 1000);
    const claims = JSON.parse(Buffer.from(String(json.access_token).split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ azp: id.apps.gateway.appId, aud: id.apps.api.appId, azpacr: '2' });
  });

  it('form body, PFX from Key Vault, Path and Base64Encoded sources', async () => {
    const form = await token(
      `scope=${encodeURIComponent(LEGACY)}&client=pfx`,
      'application/x-www-form-urlencoded',
    );
    expect(form.status).toBe(200);
    for (const client of ['path', 'b64']) {
      const { status, json } = await token({ scope: API, client });
      expect(status, client).toBe(200);
      expect(json.access_token).toMatch(/^eyJ/);
    }
  });

  it('maps caller mistakes to 400 / 403 in RFC 6749 §5.2 format', async () => {
    expect(await token('{"scope":')).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(await token({})).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(await token({ scope: 'User.Read' })).toMatchObject({
      status: 400,
      json: { error: 'invalid_scope' },
    });
    expect(await token({ scope: API, client: 'nobody' })).toMatchObject({
      status: 400,
      json: { error: 'invalid_request', error_description: "Client 'nobody' is not configured" },
    });
    expect(await token({ scope: 'api://not-allowed/.default' })).toMatchObject({
      status: 403,
      json: { error: 'invalid_scope' },
    });
    expect(await token({ scope: API, client: 'broken' })).toMatchObject({
      status: 503,
      json: { error: 'server_error' },
    });
  });

  it('an IdP rejection is a 502 naming the AADSTS code, after exactly one reload-and-retry', async () => {
    const before = id.counters.failedAssertions(id.apps.gateway.appId);
    const { status, json } = await token({ scope: API, client: 'stranger' });
    expect(status).toBe(502);
    expect(json).toMatchObject({
      error: 'server_error',
      error_description: expect.stringContaining('AADSTS700027'),
    });
    expect(id.counters.failedAssertions(id.apps.gateway.appId) - before).toBe(2);
  });

  it('IdP down: warm scope still 200; cold scope 503 with Retry-After', async () => {
    id.controls.setToken('fail');
    try {
      expect((await token({ scope: API })).status).toBe(200);
      const cold = await token({ scope: LEGACY, client: 'b64' });
      expect(cold.status).toBe(503);
      expect(cold.json.error).toBe('temporarily_unavailable');
      expect(Number(cold.headers.get('retry-after'))).toBeGreaterThan(0);
      // MSAL now replays that 5xx locally for a while: same answer, an honest Retry-After, no IdP call.
      const requests = id.counters.tokenRequests({ clientId: id.apps.gatewayPfx.appId });
      const replayed = await token({ scope: LEGACY, client: 'b64' });
      expect(replayed.status).toBe(503);
      expect(Number(replayed.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(replayed.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(id.counters.tokenRequests({ clientId: id.apps.gatewayPfx.appId })).toBe(requests);
    } finally {
      id.controls.setToken('ok');
    }
  });

  it('Key Vault down: warm certificate still serves (also a new scope); cold 503 with Retry-After', async () => {
    expect((await token({ scope: API, client: 'viaproxy' })).status).toBe(200);
    await proxy.close();
    expect((await token({ scope: API, client: 'viaproxy' })).status).toBe(200);
    expect((await token({ scope: LEGACY, client: 'viaproxy' })).status).toBe(200);
    const cold = await token({ scope: API, client: 'cold' });
    expect(cold.status).toBe(503);
    expect(cold.json.error).toBe('temporarily_unavailable');
    expect(cold.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('rotation: new version in Key Vault, directory updated, old key removed → next request succeeds, one failed assertion', async () => {
    const gateway = id.apps.gateway.appId;
    const old = id.directory.get(gateway).keyCredentials.map((k) => k.keyId);
    const next = id.keyVault.createCertificate('gateway-cert', { contentType: 'application/x-pem-file' });
    id.directory.addKey(gateway, next.certPem);
    for (const keyId of old) id.directory.removeKey(gateway, keyId);
    const before = id.counters.failedAssertions(gateway);
    const { status, json } = await token({ scope: LEGACY });
    expect(status).toBe(200);
    expect(json.access_token).toMatch(/^eyJ/);
    expect(id.counters.failedAssertions(gateway) - before).toBe(1);
  });

  it('no secret material in any log line', () => {
    const text = logs.join('\n');
    expect(text).toContain('Token issued');
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(id.apps.product.secret!);
    expect(text).not.toContain(stack.keys.host.default ?? 'no key');
  });
});
