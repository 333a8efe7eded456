import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from './results.js';

/**
 * `npm run bench` global setup: a temporary folder for each bench file's figures (results.ts), and
 * at the end bench-results.json at the project root (git-ignored) with all of them and the machine.
 */
const root = join(import.meta.dirname, '..', '..');
export const RESULTS_FILE = join(root, 'bench-results.json');

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
  // Set before the workers start, so each inherits it.
  process.env.BENCH_RESULTS_DIR = dir;
  return () => {
    const figures = readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Figure[])
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    rmSync(dir, { recursive: true, force: true });
    const result = {
      generatedAt: new Date().toISOString(),
      machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      figures,
    };
    writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${figures.length} figures written to ${RESULTS_FILE}`);
  };
}
