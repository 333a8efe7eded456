/**
 * One inventory run of the product (from dist/, natively) against the benchmark's Graph side,
 * with the in-memory event sink and credential store (the run's own cost), or, when the settings
 * name a storage account and a topic, the `credentials` table and the topic, as deployed.
 * Prints one JSON line: wall time, peak RSS of this process, the run summary.
 */
import { createInventoryRuntime } from '../../dist/shared/inventory/runtime.js';
import { memoryCredentialStore, tableCredentialStore } from '../../dist/shared/inventory/store.js';
import { memoryEventSink } from '../../dist/shared/platform/event-publisher.js';
import { createLogger } from '../../dist/shared/platform/log.js';
import { tableClient } from '../../dist/shared/platform/storage.js';

const settings = JSON.parse(process.env.BENCH_SETTINGS ?? '{}');
// With AzureWebJobsStorage (BENCH_STORAGE=azurite) the runtime's own table store; else in memory.
const store = settings.AzureWebJobsStorage ? undefined : memoryCredentialStore();
// With a topic endpoint the runtime publishes through EventGridPublisherClient; else in memory.
const events = settings.EventGrid__TopicEndpoint ? undefined : memoryEventSink();
const progress = [];
const log = createLogger((level, line) => {
  if (line.startsWith('Inventory progress')) progress.push(line);
  else if (level === 'error' || level === 'warn') process.stderr.write(`${level} ${line.slice(0, 300)}\n`);
});
const runtime = createInventoryRuntime(settings, {
  ...(store ? { store } : {}),
  ...(events ? { events } : {}),
  usage: null,
});
if (!runtime.ok) {
  process.stdout.write(`${JSON.stringify({ problems: runtime.problems })}\n`);
  process.exit(1);
}
const started = performance.now();
const summary = await runtime.service.run(log);
const wallMs = performance.now() - started;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const heapUsedMb = process.memoryUsage().heapUsed / 1048576;
// One report over the whole snapshot, as GET /api/credentials?status=warning reads it.
const reportStarted = performance.now();
const report = await runtime.service.report(new URLSearchParams('status=warning&pageSize=100'), [
  'status',
  'pageSize',
]);
const reportMs = performance.now() - reportStarted;
const reportItems = JSON.parse(report.body).items.length;
const rows = store
  ? store.rows.size
  : (await tableCredentialStore(tableClient('credentials', settings)).readAll()).length;
process.stdout.write(
  `${JSON.stringify({
    wallMs,
    peakRssMb,
    heapUsedMb,
    summary: { ...summary, failedApps: summary.failedApps.length },
    rows,
    reportMs,
    reportItems,
    events: summary.events,
    progressLines: progress.length,
  })}\n`,
);
