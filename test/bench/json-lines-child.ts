import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * A benchmark script in a process of its own (from dist/, natively), read as JSON lines: `line(i)`
 * resolves with the i-th line it printed, or rejects when it exits first. Closing its stdin is
 * how the stand-in scripts are told to report and stop.
 */
export interface JsonLinesChild {
  child: ChildProcess;
  line<T>(index: number): Promise<T>;
  exited: Promise<number | null>;
}

export function startJsonLinesChild(
  script: string,
  nodeFlags: string[],
  env: Record<string, string> = {},
): JsonLinesChild {
  const child = spawn(process.execPath, [...nodeFlags, join(import.meta.dirname, script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: unknown[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
      lines.push(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
      for (const wake of waiters.splice(0)) wake();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = async <T>(index: number): Promise<T> => {
    while (lines.length <= index) {
      const next = new Promise<void>((resolve) => waiters.push(resolve));
      const code = await Promise.race([next.then(() => undefined), exited]);
      if (code !== undefined && lines.length <= index)
        throw new Error(`${script} exited (${code}) before line ${index}`);
    }
    return lines[index] as T;
  };
  return { child, line, exited };
}
