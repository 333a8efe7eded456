import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One figure of `npm run bench`, as bench-results.json lists it (issue 19, part 4): its value and
 * unit, the baseline it is compared with in the same run (when there is one) and their ratio.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  ratio?: number;
  /** The goal as the issue states it, e.g. `>= 0.9x`. */
  goal?: string;
}

const figures: Figure[] = [];

/** Records a figure; each bench file's figures are written when it ends (flushFigures). */
export function recordFigure(figure: Figure): void {
  figures.push(figure);
}

/**
 * Writes this file's figures where results-setup.ts gathers them into bench-results.json (bench
 * files run in parallel workers, so each writes its own part).
 */
export function flushFigures(): void {
  const dir = process.env.BENCH_RESULTS_DIR;
  if (!dir || figures.length === 0) return;
  writeFileSync(join(dir, `${randomUUID()}.json`), JSON.stringify(figures.splice(0)));
}
