/**
 * The benchmarks' Functions host in a process of its own, serving the bundle (dist/bundle/app.js)
 * as native ESM, the way `npm start` runs it. Inside a vitest worker every call across modules goes through vitest's
 * module runner, which slows code spread over many modules (the validator) far more than a no-op
 * and so skews the ratios. Settings come as JSON in BENCH_HOST_SETTINGS; the process prints one
 * JSON line ({ url, key }) when it listens and stops on SIGTERM or when its stdin closes.
 */
import { join } from 'node:path';
import { startStack } from '../../dist/local/stack.js';
import { registerHttp } from '../../dist/shared/platform/registry.js';
import { bodyText } from '../../dist/shared/tokens/request.js';

// The no-op baselines live only in the benchmarks, never in functions/ nor the bundle: registered
// with this process's registry, and served beside the bundle's functions.
const noop = registerHttp('benchNoop', {
  route: 'bench-noop',
  methods: ['GET', 'POST'],
  authLevel: 'function',
  handler: async () => ({ status: 200, jsonBody: { ok: true } }),
});
// The ceiling of any POST function that reads its body: the no-op, after reading it as /api/token does.
const noopReadingBody = registerHttp('benchNoopBody', {
  route: 'bench-noop-body',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request) => {
    await bodyText(request);
    return { status: 200, jsonBody: { ok: true } };
  },
});
const stack = await startStack({
  // The app as `npm start` and Azure load it: package.json `main`, the bundle.
  main: join(import.meta.dirname, '..', '..', 'dist', 'bundle', 'app.js'),
  extraFunctions: [noop, noopReadingBody],
  port: 0,
  timers: false,
  log: () => undefined,
  settings: { IsEncrypted: false, Values: JSON.parse(process.env.BENCH_HOST_SETTINGS ?? '{}') },
});
process.stdout.write(`${JSON.stringify({ url: stack.host.url, key: stack.keys.host.default })}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  stack.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
