/**
 * Token benchmark #1 in one native process (from dist/, like host-process.mjs): our acquire() and
 * bare msal-node acquireTokenByClientCredential on the same MSAL client, both cache hits, in
 * alternating rounds. Inside a vitest worker our code would run through vitest's module runner
 * and bare MSAL would not, which skews the ratio. Reads BENCH_TOKEN (JSON: authorityHost,
 * tenantId, clientId, scope, pem, iterations, rounds); prints one JSON line of medians.
 */
import { ConfidentialClientApplication } from '@azure/msal-node';
import { TokenAcquirer } from '../../dist/shared/tokens/acquirer.js';
import { CertificateCache } from '../../dist/shared/tokens/certificate-cache.js';
import { parseTokenConfig } from '../../dist/shared/tokens/config.js';
import { createObservingNetwork, msalConfiguration, tokenClientOf } from '../../dist/shared/tokens/msal.js';

const options = JSON.parse(process.env.BENCH_TOKEN ?? '{}');
const { scope, pem, iterations, rounds } = options;

async function measure(call) {
  const samples = new Array(iterations);
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await call();
    samples[i] = performance.now() - t0;
  }
  const total = performance.now() - started;
  samples.sort((a, b) => a - b);
  const at = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  return { p50: at(50) * 1000, p99: at(99) * 1000, ops: iterations / (total / 1000) };
}

const network = createObservingNetwork();
let app;
const acquirer = new TokenAcquirer({
  config: parseTokenConfig({
    AzureAd__Instance: `${options.authorityHost}/`,
    AzureAd__TenantId: options.tenantId,
    AzureAd__ClientId: options.clientId,
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
  createClient: (clientOptions) => {
    app = new ConfidentialClientApplication(msalConfiguration(clientOptions, network));
    return tokenClientOf(app, network);
  },
  clock: Date.now,
});
const first = await acquirer.acquire('default', scope);
const bare = () => app.acquireTokenByClientCredential({ scopes: [scope] });
const fromCache = (await bare())?.fromCache;
const ours = () => acquirer.acquire('default', scope);
// Warm-up (JIT), then alternate rounds so drift hits both sides alike.
await measure(bare);
await measure(ours);
const runs = [];
for (let round = 0; round < rounds; round++)
  runs.push({ bare: await measure(bare), ours: await measure(ours) });
const median = (pick) => {
  const values = runs.map(pick).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
};
const summary = (side) => ({
  p50: median((r) => r[side].p50),
  p99: median((r) => r[side].p99),
  ops: median((r) => r[side].ops),
});
process.stdout.write(
  `${JSON.stringify({ tokenIssued: /^eyJ/.test(first.accessToken), bareFromCache: fromCache, bare: summary('bare'), ours: summary('ours') })}\n`,
);
