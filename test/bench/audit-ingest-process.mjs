/**
 * The audit-log ingestion of `npm run bench` in a process of its own, from dist/ (the built product,
 * without vitest's module runner): one `ingestRecent()` over Azurite (AzureWebJobsStorage), then one
 * JSON line with the summary, the wall time, the CPU time this process spent in it (the rest of the
 * wall time it waited for storage), and its peak RSS (the OS's maxRSS: this ingestion's alone).
 */
import { audit } from '../../dist/shared/audit/runtime.js';

const runtime = audit.runtime();
if (!runtime.ok) throw new Error(runtime.problems.join('; '));
const rssBeforeMb = process.memoryUsage().rss / 1_048_576;
const cpuBefore = process.cpuUsage();
const began = performance.now();
const summary = await runtime.ingester.ingestRecent();
const seconds = (performance.now() - began) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(`${JSON.stringify({ ...summary, seconds, cpuSeconds, rssBeforeMb, peakRssMb })}\n`);
