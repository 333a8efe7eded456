/**
 * One inventory run of the product (from dist/, natively) against the benchmark's Graph side,
 * with the in-memory credential store and event sink (the run's own cost, not Azurite's).
 * Prints one JSON line: wall time, peak RSS of this process, the run summary.
 */
import { createInventoryRuntime } from '../../dist/shared/inventory/runtime.js';
import { memoryCredentialStore } from '../../dist/shared/inventory/store.js';
import { memoryEventSink } from '../../dist/shared/platform/event-publisher.js';
import { createLogger } from '../../dist/shared/platform/log.js';

const store = memoryCredentialStore();
const events = memoryEventSink();
const progress = [];
const log = createLogger((level, line) => {
  if (line.startsWith('Inventory progress')) progress.push(line);
  else if (level === 'error' || level === 'warn') process.stderr.write(`${level} ${line.slice(0, 300)}\n`);
});
const runtime = createInventoryRuntime(JSON.parse(process.env.BENCH_SETTINGS ?? '{}'), {
  store,
  events,
  usage: null,
});
if (!runtime.ok) {
  process.stdout.write(`${JSON.stringify({ problems: runtime.problems })}\n`);
  process.exit(1);
}
const started = performance.now();
const summary = await runtime.service.run(log);
const wallMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    summary: { ...summary, failedApps: summary.failedApps.length },
    rows: store.rows.size,
    events: events.events.length,
    progressLines: progress.length,
    heapUsedMb: process.memoryUsage().heapUsed / 1048576,
  })}\n`,
);
