import { registerHttp } from '../shared/platform/registry.js';
import { configurationProblem, validationRuntime } from '../shared/validation/runtime.js';
import { tokenSourceOf } from '../shared/validation/service.js';

/** POST /api/revoke: RFC 7009 revocation onto the shared denylist (enforced everywhere within 30 s). */
const runtime = validationRuntime();

registerHttp('revoke', {
  route: 'revoke',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request) => {
    if (!runtime.ok) return configurationProblem(runtime.problems);
    return runtime.service.revoke(await tokenSourceOf(request));
  },
});
