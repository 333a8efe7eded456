/**
 * The validate hit path (ValidationService.validate on a cached token, as /api/validate runs it) with
 * metrics off (the API's no-op provider) and on (an in-memory OpenTelemetry MeterProvider registered
 * as the global one, as the Azure Monitor distro does in Azure), in one native process from dist/,
 * in alternating rounds. Settings come as JSON in BENCH_METRICS_SETTINGS; prints one JSON line.
 */
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { refreshInstruments } from '../../dist/shared/platform/metrics.js';
import { memoryDenylistStore } from '../../dist/shared/validation/revocation.js';
import { createValidationRuntime } from '../../dist/shared/validation/runtime.js';
import { memoryUsageStore } from '../../dist/shared/validation/usage.js';

class PullReader extends MetricReader {
  async onShutdown() {}
  async onForceFlush() {}
}

const { token, rounds = 15, calls = 20_000 } = JSON.parse(process.env.BENCH_METRICS_OPTIONS ?? '{}');
const runtime = createValidationRuntime(JSON.parse(process.env.BENCH_METRICS_SETTINGS ?? '{}'), {
  stores: { denylist: memoryDenylistStore(), usage: memoryUsageStore() },
  log: { info() {}, warn() {}, error() {}, debug() {} },
});
if (!runtime.ok) throw new Error(`validation runtime: ${runtime.problems.join('; ')}`);
const { service } = runtime;
const source = {
  authorization: `Bearer ${token}`,
  contentType: null,
  query: new URLSearchParams(),
  body: undefined,
};

const reader = new PullReader();
const provider = new MeterProvider({ readers: [reader] });
function metricsOn(on) {
  metrics.disable();
  if (on) metrics.setGlobalMeterProvider(provider);
  refreshInstruments();
}

// The first call verifies and caches; every later one is a hit.
const first = await service.validate(source, 'default');
if (first.status !== 200)
  throw new Error(`validate answered ${first.status}: ${JSON.stringify(first.headers)} ${first.body}`);

async function slice(n) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const response = await service.validate(source, 'default');
    if (response.status !== 200) throw new Error(`validate answered ${response.status}`);
  }
  return Number(process.hrtime.bigint() - started) / n;
}

async function countedHits() {
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === 'gateway_plumbing.validations')
    .flatMap((metric) => metric.dataPoints);
  return points.filter((p) => p.attributes.cache === 'hit').reduce((sum, p) => sum + p.value, 0);
}

for (const on of [false, true, false, true]) {
  metricsOn(on);
  await slice(calls / 4);
}
const off = [];
const onNs = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which side goes first, so neither always follows a GC of the other.
  for (const on of round % 2 === 0 ? [false, true] : [true, false]) {
    metricsOn(on);
    (on ? onNs : off).push(await slice(calls));
  }
}
metricsOn(true);
const before = await countedHits();
await slice(100);
const counted = (await countedHits()) - before;
metricsOn(false);
await provider.shutdown();
process.stdout.write(`${JSON.stringify({ off, on: onNs, counted })}\n`);
