import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * A benchmark server in a child process of its own (host-process.mjs: our Functions host from
 * dist/; typical-server.mjs: jsonwebtoken + jwks-rsa), so each runs natively and alone on its
 * event loop, and the load generator is a third process.
 */
export interface BenchServer {
  url: string;
  /** A host key, for our Functions host (function-level auth). */
  key: string;
  stop(): Promise<void>;
}

export function startBenchServer(script: string, env: Record<string, string>): Promise<BenchServer> {
  const child = spawn(process.execPath, [join(import.meta.dirname, script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.stdin.end();
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline === -1) return;
      child.stdout.off('data', onData);
      try {
        const { url, key = '' } = JSON.parse(out.slice(0, newline)) as { url: string; key?: string };
        resolve({ url, key, stop });
      } catch {
        child.kill();
        reject(new Error(`${script} printed no address: ${out.slice(0, 200)}`));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code}).`)));
  });
}
