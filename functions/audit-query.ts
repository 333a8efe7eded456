import type { HttpRequest } from '@azure/functions';
import { auditQueryResponse } from '../shared/audit/query.js';
import { type AuditRuntime, audit } from '../shared/audit/runtime.js';
import { callersAuthLevel, forCaller } from '../shared/callers/http.js';
import type { PlainResponse } from '../shared/platform/problem.js';
import { registerHttp } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';

/** GET /api/audit?appId=&kind=&from=&to=&severity=&outOfBand=&pageSize=&continuationToken=&format= */
export async function auditQuery(
  request: HttpRequest,
  _context: unknown,
  { store, clock }: ReadyRuntime<AuditRuntime>,
): Promise<PlainResponse> {
  return auditQueryResponse(store, request.query, clock());
}

registerHttp('auditQuery', {
  route: 'audit',
  methods: ['GET'],
  authLevel: callersAuthLevel(),
  capability: audit,
  handler: forCaller('audit', auditQuery),
});
