import type { InvocationContext, Timer } from '@azure/functions';
import { loggerFor } from '../shared/platform/log.js';
import { registerTimer } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { type RotationRuntime, rotation, rotationSchedule } from '../shared/rotation/runtime.js';

/**
 * One rotation run (every 6 hours by default; also `POST /admin/functions/rotateCredentials`, whose
 * `input` Azure drops for a timer: a dry run or one app goes through `POST /api/rotation/run`).
 * Failures of one app are journalled, published as `RotationFailed` and logged; the run goes on
 * with the others and does not throw, so nothing retries it before the next schedule.
 */
export async function rotateCredentials(
  timer: Timer,
  context: InvocationContext,
  { service }: ReadyRuntime<RotationRuntime>,
): Promise<void> {
  const log = loggerFor(context, { function: 'rotateCredentials' });
  if (timer.isPastDue) log.warn('Rotation run is late (past due)');
  await service.run(log, { trigger: 'schedule' });
}

registerTimer('rotateCredentials', {
  schedule: rotationSchedule(),
  capability: rotation,
  handler: rotateCredentials,
});
