import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { startJsonLinesChild } from './json-lines-child.js';
import { flushFigures, recordFigure } from './results.js';

/**
 * `npm run bench`: plan and execute 1,000 due rotations over 10,000 managed apps (issue 12's
 * benchmark), with 1% of Graph answers a 429 and a 2 s propagation delay at the Entra stand-in.
 * The stand-ins (Entra, Graph, Key Vault) and the product (the real runtime: Graph client, Key
 * Vault SDK, msal-node verifier, executor) each run in a process of their own from dist/. The
 * outcome is counted from the directory and the vault, never from the product's records.
 *
 * The baseline, measured in the same run: the same work one app at a time (Rotation__Concurrency
 * = 1) on a sample of 20 due apps, scaled to 1,000. Verification waits out the propagation delay
 * for every rotation, so one app at a time spends at least 1,000 × 2 s there; the ratio says what
 * bounded concurrency across apps buys. Nothing time-based is asserted.
 */
const APPS = 10_000;
const DUE = 1_000;
const SAMPLE = { apps: 200, due: 20 };
const PROPAGATION_S = 2;

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.stdin?.end();
  flushFigures();
});

function start(script: string, env: Record<string, string>) {
  const started = startJsonLinesChild(script, [], env);
  children.push(started.child);
  return started;
}

interface RunLine {
  wallMs: number;
  peakRssMb: number;
  concurrency: number;
  published: number;
  summary: {
    apps: number;
    rotated: number;
    failed: unknown[];
    deferred: string[];
    compensated: number;
    graphCalls: number;
    throttled: number;
  };
}

interface Counts {
  rotatedApps: number;
  rotatedNotDue: number;
  extraSecrets: number;
  working: number;
  orphans: number;
  withoutValid: number;
  vaultSecrets: number;
  graphRequests: number;
  throttled: number;
  tokenRequests: number;
  tokenSuccesses: number;
}

/** Fresh stand-ins, one product run with this concurrency, then what the directory and the vault hold. */
async function rotationRun(size: { apps: number; due: number }, concurrency?: number) {
  const standins = start('rotation-standins.mjs', {
    BENCH_APPS: String(size.apps),
    BENCH_DUE: String(size.due),
  });
  const seeded = await standins.line<{ settings: Record<string, string>; apps: number; due: number }>(0);
  const product = start('rotation-run.mjs', {
    BENCH_SETTINGS: JSON.stringify({
      ...seeded.settings,
      ...(concurrency === undefined ? {} : { Rotation__Concurrency: String(concurrency) }),
      Rotation__RetryDelaySeconds: '1',
    }),
  });
  const result = await product.line<RunLine>(0);
  standins.child.stdin?.end();
  const counts = await standins.line<Counts>(1);
  return { seeded, result, counts };
}

function checkRun({ seeded, result, counts }: Awaited<ReturnType<typeof rotationRun>>): void {
  // The test tenant's product identity also owns its `dcr` app (its secret is not managed).
  expect(result.summary).toMatchObject({
    apps: seeded.apps + 1,
    rotated: seeded.due,
    failed: [],
    deferred: [],
    compensated: 0,
  });
  // From the directory and the vault: each due app rotated once, its new secret in Key Vault and
  // working; nothing else touched, nothing orphaned, no app without a valid secret.
  expect(counts).toMatchObject({
    rotatedApps: seeded.due,
    rotatedNotDue: 0,
    extraSecrets: 0,
    working: seeded.due,
    orphans: 0,
    withoutValid: 0,
    vaultSecrets: seeded.due,
  });
  // Every verification got its token, after refusals while the secret propagated.
  expect(counts.tokenSuccesses).toBe(seeded.due);
  expect(counts.tokenRequests).toBeGreaterThan(seeded.due);
  // The 429s were retried within the budget: all rotations completed, and the product saw each.
  expect(result.summary.throttled).toBe(counts.throttled);
}

describe('rotation benchmark', () => {
  it('rotates 1,000 due apps of 10,000 through 1% 429s and a 2 s propagation delay', async () => {
    const sequential = await rotationRun(SAMPLE, 1);
    checkRun(sequential);
    const perRotationMs = sequential.result.wallMs / SAMPLE.due;
    const run = await rotationRun({ apps: APPS, due: DUE });
    checkRun(run);
    const { result, counts } = run;
    const sequentialEstimateMs = perRotationMs * DUE;
    // Counted by the stand-in (every request, retries and pages included), not by the product.
    const perRotation = counts.graphRequests / result.summary.rotated;
    const floorMs = (DUE * PROPAGATION_S * 1000) / result.concurrency;
    console.log(
      [
        `rotation: ${DUE} due of ${APPS} apps, ${counts.throttled} Graph 429s, ${PROPAGATION_S} s propagation, concurrency ${result.concurrency}`,
        `  wall time       ${(result.wallMs / 1000).toFixed(1)} s (the propagation floor at this concurrency: ${(floorMs / 1000).toFixed(0)} s)`,
        `  one at a time   ${(perRotationMs / 1000).toFixed(2)} s per rotation (${SAMPLE.due} of ${SAMPLE.apps} apps) → ${(sequentialEstimateMs / 1000).toFixed(0)} s for ${DUE}: ${(sequentialEstimateMs / result.wallMs).toFixed(1)} × slower`,
        `  Graph calls     ${counts.graphRequests} answered by the stand-in (${perRotation.toFixed(1)} per rotation; ${(counts.graphRequests / (APPS + 1)).toFixed(2)} per app; the product counted ${result.summary.graphCalls})`,
        `  token requests  ${counts.tokenRequests} for ${counts.tokenSuccesses} verifications`,
        `  peak RSS        ${result.peakRssMb.toFixed(0)} MB; ${result.published} events`,
      ].join('\n'),
    );
    recordFigure({
      name: 'rotation: wall time, 1,000 of 10,000 apps',
      value: Math.round(result.wallMs),
      unit: 'ms',
      baseline: {
        name: 'one app at a time, estimated from a 20-app sample',
        value: Math.round(sequentialEstimateMs),
      },
      ratio: Number((result.wallMs / sequentialEstimateMs).toFixed(3)),
    });
    recordFigure({ name: 'rotation: concurrency', value: result.concurrency, unit: 'apps' });
    recordFigure({
      name: 'rotation: Graph calls per rotation',
      value: Number(perRotation.toFixed(2)),
      unit: 'calls',
    });
    recordFigure({ name: 'rotation: Graph 429s retried', value: counts.throttled, unit: 'answers' });
    recordFigure({ name: 'rotation: peak RSS', value: Math.round(result.peakRssMb), unit: 'MB' });
  });
});
