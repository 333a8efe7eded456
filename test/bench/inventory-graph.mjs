/**
 * The inventory benchmark's Graph side, in a process of its own, run from dist/: the identity
 * stand-ins with BENCH_APPS apps (3 secrets each) owned by the product's service principal, and
 * 1% of Graph answers a 429 with Retry-After. Prints one JSON line with the product settings, and
 * when its stdin closes one more with the stand-in's counters, then exits.
 */
import { startAzurite } from '../../dist/local/azurite.js';
import { startIdentity } from '../../dist/local/entra/identity.js';
import { startTopic } from '../../dist/local/eventgrid/topic.js';
import { ensureCa, issueServerCertificate } from '../../dist/local/tls/ca.js';

const APPS = Number(process.env.BENCH_APPS ?? 10_000);
const DAY = 24 * 3600 * 1000;

/** Mulberry32, so the 429s fall on the same requests in every run. */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const id = await startIdentity({ random: seeded(42) });
const owner = id.apps.product.servicePrincipalId;
const now = Date.now();
id.directory.addApplicationsBulk(
  Array.from({ length: APPS }, (_, i) => ({
    displayName: `Bench DCR app ${i}`,
    owners: [owner],
    // Ends spread from 30 days ago to 390 days ahead: every status occurs.
    passwords: [0, 1, 2].map((k) => ({
      displayName: `secret ${k}`,
      end: new Date(now + (((i * 3 + k) % 420) - 30) * DAY),
    })),
  })),
);
id.controls.setGraph('throttle', { rate: 0.01, retryAfterSeconds: 1 });
// BENCH_DEPLOYED=true: as deployed, the product writes the `credentials` table (Azurite, in memory)
// and publishes its events to the topic stand-in (no subscription behind it).
const deployed = process.env.BENCH_DEPLOYED === 'true';
const azurite = deployed ? await startAzurite({ log: () => undefined }) : undefined;
const topic = deployed
  ? await startTopic({ certificate: issueServerCertificate(ensureCa(process.env.LOCAL_TLS_DIR ?? '')) })
  : undefined;
const settings = {
  ...id.productSettings(),
  ...(azurite ? { AzureWebJobsStorage: azurite.connectionString } : {}),
  ...(topic ? { EventGrid__TopicEndpoint: topic.endpoint, EventGrid__TopicKey: topic.key } : {}),
};
process.stdout.write(`${JSON.stringify({ settings, apps: APPS, credentials: APPS * 3 })}\n`);

process.stdin.on('end', async () => {
  const counters = {
    throttled: id.counters.graphRequests({ status: 429 }),
    owners: id.counters.graphRequests({ route: 'owners', status: 200 }),
    ownedObjects: id.counters.graphRequests({ route: 'ownedObjects', status: 200 }),
    published: topic?.acceptedCount,
  };
  process.stdout.write(`${JSON.stringify(counters)}\n`);
  await id.stop();
  await azurite?.stop();
  await topic?.close();
  process.exit(0);
});
process.stdin.resume();
