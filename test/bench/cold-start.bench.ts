import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flushFigures, recordFigure } from './results.js';

/**
 * `npm run bench`, issue 19 part 3: time from a fresh `node` process to "all functions registered",
 * the compiled function files one by one (dist/functions, as `main` loaded them before the bundle)
 * against the bundle (dist/bundle/app.js), in alternating fresh processes; medians. Goal <= 0.3x.
 * BENCH_COLD_STARTS sets the number of processes per side (10).
 */
const STARTS = Number(process.env.BENCH_COLD_STARTS ?? 10);
const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'bundle', 'app.js');
const unbundled = join(root, 'dist', 'functions');

function coldStart(target: string): { ms: number; functions: string[] } {
  const out = execFileSync(process.execPath, [join(import.meta.dirname, 'cold-start-process.mjs'), target], {
    // No app settings: both sides build the same (unconfigured) capabilities at registration.
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; functions: string[] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

afterAll(() => flushFigures());

describe('cold start', () => {
  it(`fresh process to all functions registered: unbundled vs the bundle (median of ${STARTS})`, () => {
    const first = coldStart(bundle);
    expect(first.functions).toEqual(coldStart(unbundled).functions);
    expect(first.functions.length).toBeGreaterThan(0);
    const times: { unbundled: number[]; bundle: number[] } = { unbundled: [], bundle: [] };
    for (let i = 0; i < STARTS; i++) {
      times.unbundled.push(coldStart(unbundled).ms);
      times.bundle.push(coldStart(bundle).ms);
    }
    const before = median(times.unbundled);
    const after = median(times.bundle);
    const bytes = statSync(bundle).size;
    const mapBytes = statSync(`${bundle}.map`).size;
    const files = readdirSync(unbundled).filter((file) => file.endsWith('.js')).length;
    console.log(
      [
        `cold start, fresh node process to all ${first.functions.length} functions registered (median of ${STARTS} each, alternating):`,
        `  unbundled (${files} function files and their imports): ${before.toFixed(0)} ms`,
        `  bundle (dist/bundle/app.js, ${(bytes / 1024).toFixed(0)} KiB + ${(mapBytes / 1024).toFixed(0)} KiB map): ${after.toFixed(0)} ms`,
        `  ratio bundle/unbundled: ${(after / before).toFixed(2)}x (goal <= 0.3x)`,
      ].join('\n'),
    );
    recordFigure({
      name: 'cold start: bundle vs unbundled',
      value: after,
      unit: 'ms',
      baseline: { name: 'unbundled dist/functions', value: before },
      ratio: after / before,
      goal: '<= 0.3x',
    });
    recordFigure({ name: 'cold start: bundle size', value: bytes, unit: 'bytes' });
  });
});
