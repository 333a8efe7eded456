import { loggerFor } from '../shared/platform/log.js';
import { registerHttp } from '../shared/platform/registry.js';
import { configurationProblem, validationRuntime } from '../shared/validation/runtime.js';
import { tokenSourceOf } from '../shared/validation/service.js';

/** GET|POST /api/validate/{policy?}: the endpoint gateways call on each request (see docs/gateways). */
const runtime = validationRuntime();

registerHttp('validate', {
  route: 'validate/{policy?}',
  methods: ['GET', 'POST'],
  authLevel: 'function',
  handler: async (request, context) => {
    if (!runtime.ok) {
      loggerFor(context).error('Validation configuration invalid', { problems: runtime.problems });
      return configurationProblem(runtime.problems);
    }
    const source = await tokenSourceOf(request);
    return runtime.service.validate(source, request.params.policy ?? 'default');
  },
});
