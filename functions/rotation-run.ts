import type { HttpRequest, InvocationContext } from '@azure/functions';
import { loggerFor } from '../shared/platform/log.js';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { manualRunResponse } from '../shared/rotation/manual-run.js';
import { type RotationRuntime, rotation } from '../shared/rotation/runtime.js';

/**
 * POST /api/rotation/run (master key): `{"dryRun":true}` or `{"appId":"…"}`, answered with the
 * run's summary. The timer's admin endpoint drops its input in Azure (shared/rotation/manual-run.ts).
 */
export async function rotationRun(
  request: HttpRequest,
  context: InvocationContext,
  { service }: ReadyRuntime<RotationRuntime>,
): Promise<PlainResponse> {
  const log = loggerFor(context, { function: 'rotationRun' });
  return manualRunResponse(service, await request.text(), log);
}

registerHttp('rotationRun', {
  route: 'rotation/run',
  methods: ['POST'],
  authLevel: 'admin',
  maxBodyBytes: 4096,
  capability: rotation,
  handler: rotationRun,
});
