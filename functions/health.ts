import { configuredChecks } from '../shared/health/checks.js';
import { checkHealth } from '../shared/health/health.js';
import { registerHttp } from '../shared/platform/registry.js';
import { productVersion } from '../shared/platform/version.js';

const checks = configuredChecks();
const timeoutMs = Number(process.env.Health__TimeoutMs ?? '') || 3000;

registerHttp('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => {
    const report = await checkHealth(checks, { version: productVersion(), timeoutMs });
    return {
      status: report.status === 'healthy' ? 200 : 503,
      headers: { 'cache-control': 'no-store' },
      jsonBody: report,
    };
  },
});
