import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { callersAuthLevel, forCaller } from '../shared/callers/http.js';
import { type InventoryRuntime, inventory } from '../shared/inventory/runtime.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';

/** GET /api/credentials: the credential snapshot, filtered and paged, or as CSV (`?format=csv`). */
export async function credentials(
  request: HttpRequest,
  _context: unknown,
  { service }: ReadyRuntime<InventoryRuntime>,
): Promise<HttpResponseInit> {
  const names = [...new Set([...request.query.keys()])];
  return service.report(request.query, names);
}

// Callers with the `credentials` operation (or the Credentials.Read role), as README "Callers" says.
registerHttp('credentials', {
  route: 'credentials',
  methods: ['GET'],
  authLevel: callersAuthLevel(),
  capability: inventory,
  handler: forCaller('credentials', credentials),
});
