import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_LOG_CONTAINER,
  appendAuditLog,
  auditLogBlobName,
  credentialChangeLine,
} from '../../local/entra-audit-logs.js';
import { type RunningTopic, startTopic } from '../../local/eventgrid/topic.js';
import { type LocalStack, startStack } from '../../local/stack.js';
import { ensureCa, issueServerCertificate } from '../../local/tls/ca.js';
import { tableClient } from '../../shared/platform/storage.js';
import { tableRotationJournal } from '../../shared/rotation/journal.js';
import { completedRotation } from '../helpers/audit-journal.js';
import { flushFigures, recordFigure } from './results.js';

/**
 * `npm run bench`, audit trail:
 *   1. EVENTS (10,000) Key Vault events in batches of 100 through the local webhook into Azurite:
 *      total time, p99 per batch against Event Grid's 30 s delivery timeout, then a full
 *      redelivery: duplicates must be 0 (asserted: correctness, not speed).
 *   2. Entra audit-log lines in append blobs (1,000 lines per append, 10,000 per blob and day), every line
 *      out of band (the worst case: a record and a notice each, the notice published to the topic
 *      stand-in as the deployed product does, and its marker), beside a journal of 500 rotations: first SMALL (20,000) lines, then LINES (100,000) more into the same tables.
 *      Ingest time and lines/s of both (their ratio shows whether it slows as the tables grow),
 *      and the ingesting process's peak RSS (it runs from dist/ in a process of its own).
 * Knobs: BENCH_AUDIT_EVENTS, BENCH_AUDIT_LINES, BENCH_AUDIT_SMALL_LINES.
 */
const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 10_000);
const LINES = Number(process.env.BENCH_AUDIT_LINES ?? 100_000);
const SMALL_LINES = Number(process.env.BENCH_AUDIT_SMALL_LINES ?? 20_000);
const JOURNAL_ROWS = 500;
const BATCH = 100;
const EVENT_GRID_TIMEOUT_MS = 30_000;
const BENCH_DAY = '2026-06-15';

let stack: LocalStack;
let topic: RunningTopic;

beforeAll(async () => {
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    timers: false,
    log: () => undefined,
  });
  // The product's custom topic, as the Bicep deploys it: the ingestion publishes its notices there.
  topic = await startTopic({
    certificate: issueServerCertificate(ensureCa(process.env.LOCAL_TLS_DIR ?? '')),
  });
}, 60_000);

afterAll(async () => {
  flushFigures();
  await topic?.close();
  await stack?.stop();
});

const event = (n: number) => ({
  id: `bench-${n}`,
  topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1',
  subject: `secret-${n}`,
  eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
  eventTime: `${BENCH_DAY}T${String(Math.floor(n / 3600) % 24).padStart(2, '0')}:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}Z`,
  dataVersion: '1',
  metadataVersion: '1',
  data: {
    VaultName: 'kv1',
    ObjectType: 'Secret',
    ObjectName: `secret-${n}`,
    Version: 'v1',
    NBF: null,
    EXP: null,
  },
});

async function deliverAll(): Promise<number[]> {
  const latencies: number[] = [];
  for (let start = 0; start < EVENTS; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, EVENTS - start) }, (_, i) => event(start + i));
    const began = performance.now();
    const response = await fetch(stack.host.eventGridUrl('auditEvents'), {
      method: 'POST',
      headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    await response.arrayBuffer();
    latencies.push(performance.now() - began);
    expect(response.status).toBe(202);
  }
  return latencies;
}

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.ceil(values.length * 0.99) - 1] ?? 0;

async function countRows(partitionKey: string): Promise<number> {
  let rows = 0;
  const entities = tableClient('audit').listEntities({
    queryOptions: { filter: `PartitionKey eq '${partitionKey}'`, select: ['RowKey'] },
  });
  for await (const _ of entities) rows += 1;
  return rows;
}

describe('audit trail benchmark', () => {
  it(`${EVENTS} events in batches of ${BATCH}, then a full redelivery`, async () => {
    const began = performance.now();
    const latencies = await deliverAll();
    const total = performance.now() - began;
    const again = await deliverAll();
    const rows = await countRows(BENCH_DAY);
    console.log(
      `audit #1 ${EVENTS} events: ${(total / 1000).toFixed(1)} s (${Math.round(EVENTS / (total / 1000))} events/s); ` +
        `p99 per batch ${p99(latencies).toFixed(0)} ms = ${(p99(latencies) / EVENT_GRID_TIMEOUT_MS).toFixed(3)}x Event Grid's 30 s timeout; ` +
        `redelivery p99 ${p99(again).toFixed(0)} ms; duplicates after redelivery: ${rows - EVENTS}`,
    );
    expect(rows - EVENTS).toBe(0);
  }, 1_800_000);

  it(`${SMALL_LINES}, then ${LINES} Entra audit-log lines in append blobs`, async () => {
    await seedJournal();
    const small = await ingestLines('00000000-0000-0000-0000-00000000a000', SMALL_LINES, 0);
    const large = await ingestLines('00000000-0000-0000-0000-00000000b000', LINES, blobsOf(SMALL_LINES));
    const rate = (run: IngestRun) => run.lines / run.seconds;
    for (const [label, run] of [
      ['#2a', small],
      ['#2b', large],
    ] as const) {
      console.log(
        `audit ${label} ${run.lines} audit-log lines (${(run.bytes / 1_048_576).toFixed(1)} MiB, ${run.blobs} blobs): ` +
          `${run.seconds.toFixed(1)} s (${Math.round(rate(run))} lines/s), ${run.cpuSeconds.toFixed(1)} s of it on the ingesting process's CPU, the rest waiting for Azurite; peak RSS ${run.peakRssMb.toFixed(0)} MiB ` +
          `(${run.rssBeforeMb.toFixed(0)} MiB before the ingestion)`,
      );
    }
    console.log(
      `audit #2 lines/s at ${LINES} over ${SMALL_LINES} (same run, tables already holding the first): ${(rate(large) / rate(small)).toFixed(2)}x`,
    );
    recordFigure({
      name: `audit: ingest ${SMALL_LINES} audit-log lines`,
      value: rate(small),
      unit: 'lines/s',
    });
    recordFigure({
      name: `audit: ingest ${LINES} audit-log lines`,
      value: rate(large),
      unit: 'lines/s',
      baseline: { name: `audit: ingest ${SMALL_LINES} audit-log lines`, value: rate(small) },
      ratio: rate(large) / rate(small),
      goal: '>= 600 lines/s',
    });
    recordFigure({ name: `audit: ingest ${LINES} audit-log lines, time`, value: large.seconds, unit: 's' });
    recordFigure({
      name: `audit: ingest ${LINES} audit-log lines, peak RSS`,
      value: large.peakRssMb,
      unit: 'MiB',
    });
    expect(small.lines).toBe(SMALL_LINES);
    expect(large.lines).toBe(LINES);
    let rows = 0;
    for (const day of auditDays(blobsOf(SMALL_LINES) + blobsOf(LINES))) rows += await countRows(day);
    expect(rows).toBe(SMALL_LINES + LINES);
    // Every line was out of band: one OutOfBandChange published per line, none twice.
    expect(topic.acceptedCount).toBe(SMALL_LINES + LINES);
    expect(new Set(topic.published.map((event) => event.id)).size).toBe(topic.published.length);
  }, 3_600_000);
});

interface IngestRun {
  blobs: number;
  lines: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

/**
 * One hour's file of 10,000 lines per day, a day apart (the child reads back far enough for all of
 * them): a 100,000-line backlog as ten busy days leave it. The trail keeps a partition per day,
 * and Azurite finds a row by scanning its partition, so putting every record into one day would
 * make the bench quadratic in Azurite, not in the ingestion (Table storage proper finds a row by
 * its keys): the first run's days come before the second run's, so both write into partitions of
 * the same size.
 */
const LINES_PER_BLOB = 10_000;
const blobsOf = (lines: number) => Math.ceil(lines / LINES_PER_BLOB);
const firstHour = Date.now() - 2 * 3_600_000;
const hourOf = (day: number) => new Date(firstHour - day * 86_400_000);
const LOOKBACK_HOURS = 24 * (blobsOf(SMALL_LINES) + blobsOf(LINES) + 1);
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);
const auditDays = (days: number) =>
  new Set(
    Array.from({ length: days }, (_, day) => [
      dayOf(hourOf(day).getTime()),
      dayOf(hourOf(day).getTime() + 3_600_000),
    ]).flat(),
  );

/** Journal rows of rotations that touched none of the bench's keys: the read per chunk is not free. */
async function seedJournal(): Promise<void> {
  const journal = tableRotationJournal(tableClient('rotationjournal'));
  for (let n = 0; n < JOURNAL_ROWS; n += 1) {
    await journal.put(
      completedRotation({
        appId: `bench-app-${n % 50}`,
        runId: `run-${n}`,
        oldKeyId: randomUUID(),
        newKeyId: randomUUID(),
      }),
    );
  }
}

/** Writes `count` lines for one tenant (10,000 per hour's blob, grown 1,000 at a time), then ingests. */
async function ingestLines(tenantId: string, count: number, firstDay: number): Promise<IngestRun> {
  const container = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
    AUDIT_LOG_CONTAINER,
  );
  for (let written = 0; written < count; ) {
    const day = firstDay + Math.floor(written / LINES_PER_BLOB);
    const name = auditLogBlobName(tenantId, hourOf(day));
    const lines = Array.from({ length: Math.min(1000, count - written) }, (_, i) =>
      credentialChangeLine({
        tenantId,
        time: new Date(hourOf(day).getTime() + ((written + i) % 3600) * 1000),
        appObjectId: 'bench-object',
        appId: `bench-app-${(written + i) % 50}`,
        appDisplayName: 'Bench',
        id: `Directory_${tenantId}_${written + i}`,
        added: [randomUUID()],
      }),
    );
    await appendAuditLog(container, name, lines);
    written += lines.length;
  }
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(import.meta.dirname, 'audit-ingest-process.mjs')],
    {
      env: {
        ...process.env,
        AzureWebJobsStorage: stack.azurite.connectionString,
        Audit__EntraLogLookbackHours: String(LOOKBACK_HOURS),
        EventGrid__TopicEndpoint: topic.endpoint,
        EventGrid__TopicKey: topic.key,
      },
      maxBuffer: 1_048_576,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as IngestRun;
}
