import { loggerFor } from '../shared/platform/log.js';
import { registerHttp } from '../shared/platform/registry.js';
import { configurationProblem, validationRuntime } from '../shared/validation/runtime.js';
import { tokenSourceOf } from '../shared/validation/service.js';

/** GET|POST /api/validate/{policy?}[/anything]: the endpoint gateways call on each request (see docs/gateways). */
const runtime = validationRuntime();

registerHttp('validate', {
  // Catch-all, so gateways that append the original path (Envoy ext_authz) still name the policy first.
  route: 'validate/{*policy}',
  // Every method: ext_authz and ForwardAuth gateways forward the original request's method.
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  authLevel: 'function',
  handler: async (request, context) => {
    if (!runtime.ok) {
      loggerFor(context).error('Validation configuration invalid', { problems: runtime.problems });
      return configurationProblem(runtime.problems);
    }
    const source = await tokenSourceOf(request);
    return runtime.service.validate(source, request.params.policy?.split('/')[0] || 'default');
  },
});
