import { fileURLToPath } from 'node:url';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { type DashboardRuntime, dashboard, useAssetsFolder } from '../shared/dashboard/runtime.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';

/**
 * GET /api/dashboard (the page), /api/dashboard/assets/<file>, /api/dashboard/config (sign-in
 * settings) and /api/dashboard/data/<view> (a user token with Credentials.Read). Anonymous: a
 * browser cannot carry a function key, and the key never goes in a URL or a page.
 */
export async function dashboardPage(
  request: HttpRequest,
  _context: unknown,
  { service }: ReadyRuntime<DashboardRuntime>,
): Promise<HttpResponseInit> {
  return service.handle({
    path: request.params.path ?? '',
    query: request.query,
    url: request.url,
    authorization: request.headers.get('authorization'),
  });
}

// dist/bundle/app.js and dist/functions/dashboard.js both sit one level under dist/.
useAssetsFolder(fileURLToPath(new URL('../dashboard/', import.meta.url)));

registerHttp('dashboard', {
  route: 'dashboard/{*path}',
  methods: ['GET'],
  authLevel: 'anonymous',
  capability: dashboard,
  handler: dashboardPage,
});
