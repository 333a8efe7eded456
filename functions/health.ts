import type { HttpResponseInit } from '@azure/functions';
import { checkHealth } from '../shared/health/health.js';
import { type HealthRuntime, health as healthCapability } from '../shared/health/runtime.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';
import { productVersion } from '../shared/platform/version.js';

/** GET /api/health: 200 when every configured dependency answers, 503 with the failing ones otherwise. */
export async function health(
  _request: unknown,
  _context: unknown,
  { checks, timeoutMs }: ReadyRuntime<HealthRuntime>,
): Promise<HttpResponseInit> {
  const report = await checkHealth(checks, { version: productVersion(), timeoutMs });
  return {
    status: report.status === 'healthy' ? 200 : 503,
    headers: { 'cache-control': 'no-store' },
    jsonBody: report,
  };
}

registerHttp('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  capability: healthCapability,
  handler: health,
});
