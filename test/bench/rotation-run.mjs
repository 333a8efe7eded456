/**
 * One rotation run of the product (from dist/, natively) against the benchmark's stand-ins: the
 * real runtime and executor (Graph client, Key Vault SDK, msal-node verifier), events to the
 * in-memory sink, and the journal and leases in memory, or in Azurite when the settings name a
 * storage account (as deployed). Prints one JSON line: wall time, peak RSS of this process, the
 * run summary.
 */
import { memoryEventSink } from '../../dist/shared/platform/event-publisher.js';
import { createLogger } from '../../dist/shared/platform/log.js';
import { memoryAppLocks, memoryRotationJournal } from '../../dist/shared/rotation/journal.js';
import { createRotationRuntime } from '../../dist/shared/rotation/runtime.js';

const settings = JSON.parse(process.env.BENCH_SETTINGS ?? '{}');
const inMemory = !settings.AzureWebJobsStorage;
const events = memoryEventSink();
const log = createLogger((level, line) => {
  if (level === 'error' || level === 'warn') process.stderr.write(`${level} ${line.slice(0, 300)}\n`);
});
const runtime = createRotationRuntime(settings, {
  events,
  ...(inMemory ? { journal: memoryRotationJournal(), locks: memoryAppLocks() } : {}),
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
    concurrency: runtime.service.config.concurrency,
    summary: { ...summary, planned: summary.planned.length, rotated: summary.rotated.length },
    published: events.events.length,
  })}\n`,
);
