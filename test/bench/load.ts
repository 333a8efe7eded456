import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * HTTP load from a second process: autocannon's CLI in a child, so the load generator never
 * shares the event loop (or the core) of the server it measures. Run in-process, its own cost per
 * request lands on every server alike and squeezes every ratio towards 1.
 */
export interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A file of bearer tokens, one per line: each request sends the next one (load-tokens.mjs). */
  tokensFile?: string;
}

export interface LoadResult {
  requests: { average: number; total: number };
  latency: { average: number; p50: number; p99: number };
  non2xx: number;
  errors: number;
}

const cli = join(dirname(createRequire(import.meta.url).resolve('autocannon/package.json')), 'autocannon.js');

function cliArgs(options: LoadOptions): string[] {
  const args = [cli, '--json', '-c', String(options.connections), '-d', String(options.duration)];
  if (options.method) args.push('-m', options.method);
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`);
  if (options.body !== undefined) args.push('-b', options.body);
  args.push(options.url);
  return args;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const perToken = options.tokensFile !== undefined;
  const args = perToken ? [join(import.meta.dirname, 'load-tokens.mjs')] : cliArgs(options);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(perToken ? { env: { ...process.env, BENCH_LOAD: JSON.stringify(options) } } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`autocannon printed no JSON: ${out.slice(0, 200)} ${err.slice(0, 200)}`));
      }
    });
  });
}
