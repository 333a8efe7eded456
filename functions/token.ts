import type { HttpRequest, InvocationContext } from '@azure/functions';
import { consoleLogger, loggerFor } from '../shared/platform/log.js';
import { registerHttp } from '../shared/platform/registry.js';
import { tokenConfigurationError } from '../shared/tokens/config.js';
import { handleTokenRequest } from '../shared/tokens/endpoint.js';
import { createTokenService } from '../shared/tokens/service.js';

// Settings are read once, at load. Invalid token settings never stop the app: they are logged here
// and the endpoint answers requests for the affected client with a clear error.
const service = createTokenService({ logger: consoleLogger });
const problems = tokenConfigurationError(service.config);
if (problems)
  consoleLogger.error('Token settings are invalid; affected clients answer 503', {
    problems: problems.problems,
  });

registerHttp('token', {
  route: 'token',
  methods: ['POST'],
  authLevel: 'function',
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const response = await handleTokenRequest(
      service.acquirer,
      {
        contentType: request.headers.get('content-type'),
        body: await request.text(),
        invocationId: context.invocationId,
      },
      loggerFor(context),
      service.clock,
    );
    return { status: response.status, headers: response.headers, body: response.body };
  },
});
