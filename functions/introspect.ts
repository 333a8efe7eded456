import { registerHttp } from '../shared/platform/registry.js';
import { configurationProblem, validationRuntime } from '../shared/validation/runtime.js';
import { tokenSourceOf } from '../shared/validation/service.js';

/** POST /api/introspect: RFC 7662 token introspection for OAuth libraries and gateway policies. */
const runtime = validationRuntime();

registerHttp('introspect', {
  route: 'introspect',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request) => {
    if (!runtime.ok) return configurationProblem(runtime.problems);
    return runtime.service.introspect(await tokenSourceOf(request));
  },
});
