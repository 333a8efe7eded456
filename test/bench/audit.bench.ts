import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIT_LOG_CONTAINER,
  appendAuditLog,
  auditLogBlobName,
  credentialChangeLine,
} from '../../local/entra-audit-logs.js';
import { type LocalStack, startStack } from '../../local/stack.js';
import { audit } from '../../shared/audit/runtime.js';
import { tableClient } from '../../shared/platform/storage.js';

/**
 * `npm run bench`, audit trail:
 *   1. EVENTS (10,000) Key Vault events in batches of 100 through the local webhook into Azurite:
 *      total time, p99 per batch against Event Grid's 30 s delivery timeout, then a full
 *      redelivery: duplicates must be 0 (asserted: correctness, not speed).
 *   2. LINES (100,000) Entra audit-log lines in append blobs (1,000 lines per append, 10,000 per
 *      blob): ingest time and peak RSS.
 * Knobs: BENCH_AUDIT_EVENTS, BENCH_AUDIT_LINES.
 */
const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 10_000);
const LINES = Number(process.env.BENCH_AUDIT_LINES ?? 100_000);
const BATCH = 100;
const EVENT_GRID_TIMEOUT_MS = 30_000;
const BENCH_DAY = '2026-06-15';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', 'functions'),
    port: 0,
    timers: false,
    log: () => undefined,
  });
}, 60_000);

afterAll(async () => {
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

  it(`${LINES} Entra audit-log lines in append blobs`, async () => {
    const container = BlobServiceClient.fromConnectionString(
      stack.azurite.connectionString,
    ).getContainerClient(AUDIT_LOG_CONTAINER);
    const tenantId = '00000000-0000-0000-0000-0000000be4c4';
    const hour = new Date(Date.now() - 2 * 3_600_000);
    for (let written = 0; written < LINES; ) {
      const blob = Math.floor(written / 10_000);
      const name = auditLogBlobName(`${tenantId.slice(0, -1)}${blob % 10}`, hour);
      const lines = Array.from({ length: Math.min(1000, LINES - written) }, (_, i) =>
        credentialChangeLine({
          tenantId,
          time: hour,
          appObjectId: 'bench-object',
          appId: `bench-app-${(written + i) % 50}`,
          appDisplayName: 'Bench',
          id: `Directory_bench_${written + i}`,
          added: [`00000000-0000-0000-0000-${String(written + i).padStart(12, '0')}`],
        }),
      );
      await appendAuditLog(container, name, lines);
      written += lines.length;
    }
    const runtime = audit.runtime();
    if (!runtime.ok) throw new Error(runtime.problems.join('; '));
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const before = process.memoryUsage().rss;
    const began = performance.now();
    const summary = await runtime.ingester.ingestRecent();
    const seconds = (performance.now() - began) / 1000;
    clearInterval(sampler);
    console.log(
      `audit #2 ${summary.lines} audit-log lines (${(summary.bytes / 1_048_576).toFixed(1)} MiB, ${summary.blobs} blobs): ` +
        `${seconds.toFixed(1)} s (${Math.round(summary.lines / seconds)} lines/s); peak RSS ${(peak / 1_048_576).toFixed(0)} MiB ` +
        `(${((peak - before) / 1_048_576).toFixed(0)} MiB above the start; the stack runs in this process)`,
    );
    expect(summary.lines).toBe(LINES);
  }, 3_600_000);
});
