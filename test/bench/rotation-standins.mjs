/**
 * The rotation benchmark's stand-ins, in a process of their own, run from dist/: Entra, Graph and
 * Key Vault with BENCH_APPS apps owned by the product's service principal, each with one managed
 * secret; BENCH_DUE of them end within the rotation window. 1% of Graph answers are a 429 with
 * Retry-After, and a new secret authenticates at the Entra stand-in only 2 s after it was added.
 * With BENCH_DEPLOYED=true, Azurite too (the journal table and the per-app blob leases).
 * Prints one JSON line with the product settings; when its stdin closes, one more with what the
 * directory and the vault hold (counted here, not from the product's records), then exits.
 */
import { startAzurite } from '../../dist/local/azurite.js';
import { startIdentity } from '../../dist/local/entra/identity.js';

const APPS = Number(process.env.BENCH_APPS ?? 10_000);
const DUE = Number(process.env.BENCH_DUE ?? 1_000);
const PREFIX = 'managed-by:gateway-plumbing';
const SEEDED = `${PREFIX} seeded`;
const DAY = 24 * 3600 * 1000;

// Math.random places the 1% of 429s: their count varies a little from run to run, and is reported.
const id = await startIdentity();
const owner = id.apps.product.servicePrincipalId;
const now = Date.now();
// Every DUE-th app (spread over the listing) ends in 10 days; the others in 200 days (managed, not due).
const every = Math.floor(APPS / DUE);
const apps = id.directory.addApplicationsBulk(
  Array.from({ length: APPS }, (_, i) => ({
    displayName: `Bench rotation app ${i}`,
    owners: [owner],
    passwords: [{ displayName: SEEDED, end: new Date(now + (i % every === 0 ? 10 : 200) * DAY) }],
  })),
);
const dueIds = new Set(apps.filter((_, i) => i % every === 0).map((a) => a.appId));
id.controls.setGraph('throttle', { rate: 0.01, retryAfterSeconds: 1 });
id.controls.setPropagationDelay(2);
const deployed = process.env.BENCH_DEPLOYED === 'true';
const azurite = deployed ? await startAzurite({ log: () => undefined }) : undefined;
const settings = {
  ...id.productSettings(),
  ...(azurite ? { AzureWebJobsStorage: azurite.connectionString } : {}),
  Rotation__KeyVaultUrl: id.keyVaultUrl,
};
process.stdout.write(`${JSON.stringify({ settings, apps: APPS, due: dueIds.size })}\n`);

/** From the directory and the vault: rotations done, secrets lost, orphans, apps without a valid secret. */
function count() {
  const vault = new Map();
  for (const { name } of id.keyVault.store.listSecrets())
    for (const version of id.keyVault.store.listSecretVersions(name).versions)
      if (version.tags?.keyId) vault.set(version.tags.keyId, version.value);
  const at = Date.now();
  const result = {
    rotatedApps: 0,
    rotatedNotDue: 0,
    extraSecrets: 0,
    working: 0,
    orphans: 0,
    withoutValid: 0,
  };
  for (const app of apps) {
    const current = id.directory.get(app.appId).passwordCredentials;
    const added = current.filter((c) => c.displayName.startsWith(PREFIX) && c.displayName !== SEEDED);
    if (added.length > 0) {
      if (dueIds.has(app.appId)) result.rotatedApps += 1;
      else result.rotatedNotDue += 1;
    }
    result.extraSecrets += Math.max(0, added.length - 1);
    for (const credential of added) {
      const value = vault.get(credential.keyId);
      if (value === undefined) result.orphans += 1;
      else if (id.directory.checkSecret(app.appId, value, at) === 'ok') result.working += 1;
    }
    if (!current.some((c) => Date.parse(c.startDateTime) <= at && at < Date.parse(c.endDateTime)))
      result.withoutValid += 1;
  }
  const tokens = id.counters.snapshot().tokens;
  const tokenRequests = (outcome) =>
    Object.entries(tokens)
      .filter(([key]) => dueIds.has(key.split('\n')[0]))
      .filter(([key]) => outcome === undefined || key.endsWith(`\n${outcome}`))
      .reduce((sum, [, n]) => sum + n, 0);
  return {
    ...result,
    vaultSecrets: vault.size,
    graphRequests: id.counters.graphRequests(),
    throttled: id.counters.graphRequests({ status: 429 }),
    tokenRequests: tokenRequests(),
    tokenSuccesses: tokenRequests('success'),
    graph: id.counters.snapshot().graph,
  };
}

process.stdin.on('end', async () => {
  process.stdout.write(`${JSON.stringify(count())}\n`);
  await id.stop();
  await azurite?.stop();
  process.exit(0);
});
process.stdin.resume();
