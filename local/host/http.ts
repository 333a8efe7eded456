import type { IncomingMessage } from 'node:http';
import type { HttpResponseInit } from '@azure/functions';
import type { FunctionDefinition, HttpDefinition } from '../../shared/platform/registry.js';
import { HttpRequest, type HttpResponse } from '../../shared/platform/sdk.js';
import type { Incoming } from './incoming.js';
import type { Invocations } from './invocation.js';
import { type HostKeys, hasKey } from './keys.js';
import { sendProblem, writeResponse } from './response.js';
import { type CompiledRoute, compareRoutes, compileRoute } from './routes.js';

interface Route {
  definition: HttpDefinition;
  compiled: CompiledRoute;
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * HTTP-triggered functions under the route prefix ("Azure Functions HTTP trigger", Microsoft
 * Learn): route templates in precedence order, 405 with `Allow` when only the method is wrong,
 * the function's `authLevel` enforced before it runs, a thrown error answered as an opaque 500.
 */
export function httpFunctions(functions: FunctionDefinition[], keys: HostKeys, invocations: Invocations) {
  const routes: Route[] = functions
    .filter((d): d is HttpDefinition => d.kind === 'http')
    .map((definition) => ({ definition, compiled: compileRoute(definition.route) }))
    .sort((a, b) => compareRoutes(a.compiled, b.compiled));

  function find(method: string, path: string) {
    const allowed = new Set<string>();
    const slash = path.indexOf('/');
    const first = (slash === -1 ? path : path.slice(0, slash)).toLowerCase();
    // Routes are in precedence order: the first that matches the path and allows the method wins.
    for (const route of routes) {
      if (route.compiled.firstLiteral !== undefined && route.compiled.firstLiteral !== first) continue;
      const params = route.compiled.match(path);
      if (!params) continue;
      if (route.definition.methods.includes(method as never)) return { route, params, allowed };
      for (const m of route.definition.methods) allowed.add(m);
    }
    return { allowed };
  }

  /** `path` is what follows the route prefix, without a leading slash. */
  return async function handle({ req, res, url, body }: Incoming, path: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const match = find(method, path);
    if (!match.route) {
      if (match.allowed.size === 0) return sendProblem(res, 404, 'No function matches this route.');
      return sendProblem(res, 405, `Method ${method} is not allowed here.`, {
        allow: [...match.allowed].join(', '),
      });
    }
    const { definition } = match.route;
    if (!hasKey({ authLevel: definition.authLevel, functionName: definition.name }, req.headers, url, keys)) {
      return sendProblem(
        res,
        401,
        `This function needs a ${definition.authLevel === 'admin' ? 'master' : 'function'} key.`,
      );
    }
    const context = invocations.context(definition, 'httpTrigger', 'request');
    const hasBody = body.length > 0 && method !== 'GET' && method !== 'HEAD';
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      query: Object.fromEntries(url.searchParams),
      params: match.params,
      ...(hasBody ? { body: { bytes: body } } : {}),
    });
    let result: HttpResponseInit | HttpResponse | undefined;
    try {
      result = await invocations.run(
        definition,
        'This function was programmatically called via the host APIs.',
        context,
        async () => definition.handler(request, context),
      );
    } catch {
      return sendProblem(res, 500, `The function failed (invocation ${context.invocationId}).`);
    }
    await writeResponse(res, result);
  };
}
