import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { TokenAcquirer } from '../../shared/tokens/acquirer.js';
import { parseCertificate } from '../../shared/tokens/certificate.js';
import { CertificateCache } from '../../shared/tokens/certificate-cache.js';
import { parseTokenConfig } from '../../shared/tokens/config.js';
import {
  createObservingNetwork,
  msalConfiguration,
  type TokenClientOptions,
  tokenClientOf,
} from '../../shared/tokens/msal.js';
import { type BenchServer, startBenchServer } from './host.js';
import { runLoad } from './load.js';

/**
 * `npm run bench`: token acquisition figures, each beside its baseline from the same run. Nothing
 * time-based is asserted; the only assertions check that the measured thing did what it claims.
 */

const ITERATIONS = 20_000;
const ROUNDS = 3;

let id: RunningIdentity;
let host: BenchServer;
let scope: string;
let pem: string;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(
  call: () => Promise<unknown>,
): Promise<{ p50: number; p99: number; opsPerSec: number }> {
  const samples = new Array<number>(ITERATIONS);
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await call();
    samples[i] = performance.now() - t0;
  }
  const total = performance.now() - started;
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50) * 1000,
    p99: percentile(samples, 99) * 1000,
    opsPerSec: ITERATIONS / (total / 1000),
  };
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

beforeAll(async () => {
  id = await startIdentity();
  const credential = new ClientSecretCredential(id.tenantId, id.apps.product.appId, id.apps.product.secret!, {
    authorityHost: id.authorityHost,
    disableInstanceDiscovery: true,
  });
  pem = (
    await new SecretClient(id.keyVaultUrl, credential, {
      disableChallengeResourceVerification: true,
    }).getSecret('gateway-cert')
  ).value!;
  scope = `api://${id.apps.api.appId}/.default`;
  // Our host runs natively in its own process (host-process.mjs), with its no-op baseline.
  host = await startBenchServer('host-process.mjs', {
    BENCH_HOST_SETTINGS: JSON.stringify({
      ...id.productSettings(),
      ...id.gatewayClientSettings([scope]),
      Clients__burst__ClientId: id.apps.gatewayPfx.appId,
      Clients__burst__AllowedScopes: scope,
      Clients__burst__ClientCredentials__0__SourceType: 'KeyVault',
      Clients__burst__ClientCredentials__0__KeyVaultUrl: id.keyVaultUrl,
      Clients__burst__ClientCredentials__0__KeyVaultCertificateName: 'gateway-pfx',
      // A caller with its own Entra identity (shared/callers), for the caller-token case.
      Callers__Audience: `${id.apps.productApi.identifierUri},${id.apps.productApi.appId}`,
      Callers__bench__ClientId: id.apps.apimCaller.appId,
      Callers__bench__Clients: 'default',
    }),
  });
});

afterAll(async () => {
  await host?.stop();
  await id?.stop();
});

describe('token acquisition benchmark', () => {
  it('cache hit in-process: our acquire vs bare acquireTokenByClientCredential on the same MSAL client', async () => {
    const cert = parseCertificate('gateway-cert', { value: pem });
    const network = createObservingNetwork();
    let app: ConfidentialClientApplication | undefined;
    const createClient = (options: TokenClientOptions) => {
      app = new ConfidentialClientApplication(msalConfiguration(options, network));
      return tokenClientOf(app, network);
    };
    const acquirer = new TokenAcquirer({
      config: parseTokenConfig({
        AzureAd__Instance: `${id.authorityHost}/`,
        AzureAd__TenantId: id.tenantId,
        AzureAd__ClientId: id.apps.gateway.appId,
        AzureAd__AllowedScopes: scope,
        AzureAd__ClientCredentials__0__SourceType: 'Path',
        AzureAd__ClientCredentials__0__CertificateDiskPath: '(in memory)',
      }),
      certificates: new CertificateCache({ clock: Date.now, refreshMs: 300_000 }),
      credentialsOf: () => [
        {
          kind: 'certificate',
          source: {
            label: 'bench',
            current: async () => ({ version: 'v1' }),
            material: async () => ({ value: pem }),
          },
        },
      ],
      createClient,
      clock: Date.now,
    });
    const first = await acquirer.acquire('default', scope);
    expect(first.accessToken).toMatch(/^eyJ/);
    expect(cert.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/);
    const bare = () => app!.acquireTokenByClientCredential({ scopes: [scope] });
    expect((await bare())?.fromCache).toBe(true);
    const ours = () => acquirer.acquire('default', scope);
    // Warm-up (JIT), then alternate rounds so drift hits both sides alike.
    await measure(bare);
    await measure(ours);
    const runs: { bare: Awaited<ReturnType<typeof measure>>; ours: Awaited<ReturnType<typeof measure>> }[] =
      [];
    for (let round = 0; round < ROUNDS; round++)
      runs.push({ bare: await measure(bare), ours: await measure(ours) });
    const median = (pick: (r: (typeof runs)[number]) => number) => {
      const values = runs.map(pick).sort((a, b) => a - b);
      return values[Math.floor(values.length / 2)]!;
    };
    const b = {
      p50: median((r) => r.bare.p50),
      p99: median((r) => r.bare.p99),
      ops: median((r) => r.bare.opsPerSec),
    };
    const o = {
      p50: median((r) => r.ours.p50),
      p99: median((r) => r.ours.p99),
      ops: median((r) => r.ours.opsPerSec),
    };
    console.log(
      [
        `cache hit, in-process (${ITERATIONS} sequential calls x ${ROUNDS} rounds, medians):`,
        `  bare MSAL acquireTokenByClientCredential: p50 ${fmt(b.p50)} us, p99 ${fmt(b.p99)} us, ${fmt(b.ops, 0)} ops/s`,
        `  our acquire():                             p50 ${fmt(o.p50)} us, p99 ${fmt(o.p99)} us, ${fmt(o.ops, 0)} ops/s`,
        `  ratio ours/bare: p50 ${fmt(o.p50 / b.p50, 2)}x, p99 ${fmt(o.p99 / b.p99, 2)}x, throughput ${fmt(o.ops / b.ops, 2)}x (goal: latency <= 1.2x)`,
      ].join('\n'),
    );
  });

  it('HTTP: /api/token req/s with autocannon vs a no-op function on the same host', async () => {
    const headers = { 'content-type': 'application/json', 'x-functions-key': host.key };
    const body = JSON.stringify({ scope });
    const warm = await fetch(`${host.url}/api/token`, { method: 'POST', headers, body });
    expect(warm.status).toBe(200);
    const run = (path: string) =>
      runLoad({
        url: `${host.url}${path}`,
        method: 'POST',
        headers,
        body,
        connections: 32,
        duration: 5,
      });
    await run('/api/bench-noop'); // warm-up
    const noop = await run('/api/bench-noop');
    const tokenRun = await run('/api/token');
    expect(noop.non2xx + tokenRun.non2xx).toBe(0);
    console.log(
      [
        'HTTP on the local host (autocannon, 32 connections, 5 s):',
        `  no-op function: ${fmt(noop.requests.average, 0)} req/s, p50 ${noop.latency.p50} ms, p99 ${noop.latency.p99} ms`,
        `  /api/token:     ${fmt(tokenRun.requests.average, 0)} req/s, p50 ${tokenRun.latency.p50} ms, p99 ${tokenRun.latency.p99} ms`,
        `  ratio token/no-op: ${fmt(tokenRun.requests.average / noop.requests.average, 2)}x req/s`,
      ].join('\n'),
    );
  });

  it('concurrency: 1,000 concurrent cold requests, counted at the stand-ins, vs bare MSAL', async () => {
    // Baseline: 1,000 concurrent calls on a cold, bare MSAL client (no coalescing in msal-node).
    const cert = parseCertificate('gateway-cert', { value: pem });
    const bareApp = new ConfidentialClientApplication(
      msalConfiguration(
        {
          clientId: id.apps.gateway.appId,
          authority: `${id.authorityHost}/${id.tenantId}`,
          credential: {
            kind: 'certificate',
            thumbprintSha256: cert.thumbprintSha256,
            privateKey: cert.privateKeyPem,
          },
        },
        createObservingNetwork(),
      ),
    );
    id.counters.reset();
    await Promise.all(
      Array.from({ length: 1000 }, () => bareApp.acquireTokenByClientCredential({ scopes: [scope] })),
    );
    const bareIdp = id.counters.tokenRequests({ clientId: id.apps.gateway.appId });

    id.counters.reset();
    const headers = { 'content-type': 'application/json', 'x-functions-key': host.key };
    const body = JSON.stringify({ scope, client: 'burst' });
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 1000 }, () =>
        fetch(`${host.url}/api/token`, { method: 'POST', headers, body }).then((r) => r.status),
      ),
    );
    const elapsed = performance.now() - started;
    const idp = id.counters.tokenRequests({ clientId: id.apps.gatewayPfx.appId });
    const reads = id.counters.secretReads('gateway-pfx');
    expect(statuses.every((s) => s === 200)).toBe(true);
    console.log(
      [
        'concurrency, 1,000 concurrent cold requests for one scope:',
        `  bare MSAL (in-process, no coalescing): ${bareIdp} IdP token requests`,
        `  /api/token over HTTP:                  ${idp} IdP token request(s), ${reads} Key Vault secret read(s), all 1,000 answered 200 in ${fmt(elapsed, 0)} ms`,
      ].join('\n'),
    );
  });

  it('HTTP: /api/token with a caller token vs without one (function key only), same host, one run', async () => {
    const callerToken = (
      await new ClientSecretCredential(id.tenantId, id.apps.apimCaller.appId, id.apps.apimCaller.secret!, {
        authorityHost: id.authorityHost,
        disableInstanceDiscovery: true,
      }).getToken(`${id.apps.productApi.identifierUri}/.default`)
    ).token;
    const keyOnly = { 'content-type': 'application/json', 'x-functions-key': host.key };
    const withCaller = { ...keyOnly, authorization: `Bearer ${callerToken}` };
    const body = JSON.stringify({ scope });
    for (const headers of [keyOnly, withCaller]) {
      const warm = await fetch(`${host.url}/api/token`, { method: 'POST', headers, body });
      expect(warm.status).toBe(200);
    }
    // The caller is held to its grant: the measured path really checks the caller token.
    const refused = await fetch(`${host.url}/api/token`, {
      method: 'POST',
      headers: withCaller,
      body: JSON.stringify({ scope, client: 'burst' }),
    });
    expect(refused.status).toBe(403);
    const run = (headers: Record<string, string>) =>
      runLoad({ url: `${host.url}/api/token`, method: 'POST', headers, body, connections: 32, duration: 5 });
    await run(withCaller); // warm-up
    const rounds: { key: Awaited<ReturnType<typeof run>>; caller: Awaited<ReturnType<typeof run>> }[] = [];
    for (let round = 0; round < 2; round++)
      rounds.push({ key: await run(keyOnly), caller: await run(withCaller) });
    const mean = (pick: (r: (typeof rounds)[number]) => number) =>
      rounds.reduce((sum, r) => sum + pick(r), 0) / rounds.length;
    expect(rounds.every((r) => r.key.non2xx + r.caller.non2xx === 0)).toBe(true);
    const key = mean((r) => r.key.requests.average);
    const caller = mean((r) => r.caller.requests.average);
    console.log(
      [
        'HTTP /api/token, caller token vs function key only (autocannon, 32 connections, 2 x 5 s each, alternating):',
        `  function key only:        ${fmt(key, 0)} req/s, p50 ${mean((r) => r.key.latency.p50)} ms, p99 ${mean((r) => r.key.latency.p99)} ms`,
        `  caller token (verified):  ${fmt(caller, 0)} req/s, p50 ${mean((r) => r.caller.latency.p50)} ms, p99 ${mean((r) => r.caller.latency.p99)} ms`,
        `  ratio caller/key-only: ${fmt(caller / key, 2)}x req/s (goal: >= 0.9x)`,
      ].join('\n'),
    );
  });
});
