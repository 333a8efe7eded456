import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../helpers/ports.js';

/**
 * A real gateway process (nginx, Caddy) on a free loopback port. `freePort()` only says the port
 * was free a moment ago: on a busy machine another process can take it before the gateway binds,
 * so a start that fails with "address already in use" is retried on a new port.
 */
export interface GatewayLaunch {
  binary: string;
  /** Writes the configuration for `port`; returns the arguments and environment to start with. */
  prepare(port: number): { args: string[]; env?: NodeJS.ProcessEnv };
  /** Extra readiness check once the port accepts connections (e.g. nginx's pid file). */
  ready?(output: string): boolean;
  /** Log text written to files rather than to stderr (nginx's error log), for error messages. */
  logFile?(): string;
}

export interface RunningGateway {
  port: number;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

const ADDRESS_IN_USE = /address already in use/i;
const MAX_OUTPUT = 64 * 1024;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

type Attempt = { ok: true; gateway: RunningGateway } | { ok: false; portTaken: boolean; reason: string };

async function attempt(launch: GatewayLaunch, port: number, timeoutMs: number): Promise<Attempt> {
  const { args, env } = launch.prepare(port);
  const child = spawn(launch.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  let output = '';
  const append = (chunk: Buffer) => {
    if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const allOutput = () => `${output}${launch.logFile?.() ?? ''}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawnError) return { ok: false, portTaken: false, reason: spawnError.message };
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = allOutput();
      return { ok: false, portTaken: ADDRESS_IN_USE.test(log), reason: `exited: ${log}` };
    }
    if ((await accepts(port)) && (launch.ready?.(allOutput()) ?? true)) {
      const gateway: RunningGateway = {
        port,
        url: `http://127.0.0.1:${port}`,
        output: allOutput,
        stop: () => stopChild(child),
      };
      return { ok: true, gateway };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stopChild(child);
  return { ok: false, portTaken: false, reason: `did not start within ${timeoutMs} ms: ${allOutput()}` };
}

export interface StartOptions {
  /** Where ports come from (the retry test hands out a taken one first). */
  nextPort?: () => Promise<number>;
  attempts?: number;
  timeoutMs?: number;
}

export async function startGateway(
  launch: GatewayLaunch,
  options: StartOptions = {},
): Promise<RunningGateway> {
  const { nextPort = freePort, attempts = 5, timeoutMs = 15_000 } = options;
  let last = '';
  for (let i = 0; i < attempts; i += 1) {
    const result = await attempt(launch, await nextPort(), timeoutMs);
    if (result.ok) return result.gateway;
    last = result.reason;
    if (!result.portTaken) break;
  }
  throw new Error(`${launch.binary} ${last}`);
}
