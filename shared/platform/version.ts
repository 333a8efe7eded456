import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The product version from the nearest package.json above this module (works from sources and from dist/). */
export function productVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { version?: string };
      cached = pkg.version ?? '0.0.0';
      return cached;
    }
    dir = dirname(dir);
  }
  cached = '0.0.0';
  return cached;
}
