// One Functions host in a process of its own, serving the built product (dist/bundle/app.js) as
// Azure and `npm start` load it, on storage and stand-ins the test shares between instances.
// Settings come in HOST_SETTINGS (JSON, with AzureWebJobsStorage); it prints one JSON line
// ({ url, key, eventGridUrl }) when it listens, and stops when its stdin closes.
import { join } from 'node:path';
import { startStack } from '../../../dist/local/stack.js';

const values = JSON.parse(process.env.HOST_SETTINGS ?? '{}');
const stack = await startStack({
  main: join(import.meta.dirname, '..', '..', '..', 'dist', 'bundle', 'app.js'),
  port: 0,
  timers: false,
  log: () => undefined,
  // The shared Azurite belongs to the test: this host uses it and never stops it.
  azurite: { connectionString: values.AzureWebJobsStorage, stop: async () => undefined },
  settings: { IsEncrypted: false, Values: values },
});
process.stdout.write(
  `${JSON.stringify({ url: stack.host.url, key: stack.keys.host.default, eventGridUrl: stack.host.eventGridUrl('auditEvents') })}\n`,
);
process.stdin.on('end', () => {
  stack.stop().finally(() => process.exit(0));
});
process.stdin.resume();
