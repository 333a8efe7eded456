// A rotation run in its own process (the built product, as the Functions host would load it), so
// a test can kill it mid-step: the host dying, for real. Settings come in ROTATION_ENV (JSON).
import { createLogger } from '../../../dist/shared/platform/log.js';
import { createRotationRuntime } from '../../../dist/shared/rotation/runtime.js';

const runtime = createRotationRuntime(JSON.parse(process.env.ROTATION_ENV ?? '{}'));
if (!runtime.ok) {
  console.error(runtime.problems.join('\n'));
  process.exit(2);
}
const log = createLogger((_level, line) => console.log(line));
await runtime.service.run(log, { appId: process.env.ROTATION_APP_ID });
