import { problemResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import { configurationProblem, validationRuntime } from '../shared/validation/runtime.js';
import { aggregateUsage } from '../shared/validation/usage.js';

/** GET /api/usage?clientId=: validation counts per tenant and policy for one client. */
const runtime = validationRuntime();

registerHttp('usage', {
  route: 'usage',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request) => {
    if (!runtime.ok) return configurationProblem(runtime.problems);
    const clientId = request.query.get('clientId')?.trim();
    if (!clientId || clientId.length > 256) {
      return problemResponse({
        title: 'Bad Request',
        status: 400,
        code: 'bad_request',
        detail: 'clientId is required.',
      });
    }
    await runtime.usage.flush();
    const records = aggregateUsage(await runtime.usageStore.read(clientId));
    return { status: 200, headers: { 'cache-control': 'no-store' }, jsonBody: { clientId, records } };
  },
});
