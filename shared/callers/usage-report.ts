import { type PlainResponse, problemResponse } from '../platform/problem.js';
import type { Caller } from './guard.js';
import { isIssuance, issuedOf, type UsageRow } from './issuance.js';

/** The usage recorder's read side (shared/validation/usage.ts). */
export interface UsageReader {
  report(clientId: string): Promise<UsageRow[]>;
}

const MAX_ID = 256;

const badRequest = (detail: string) =>
  problemResponse({ title: 'Bad Request', status: 400, code: 'bad_request', detail });

const ok = (body: unknown): PlainResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/**
 * `GET /api/usage?clientId=`: validation counts per tenant and policy for one client.
 * `GET /api/usage?caller=`: tokens served to one caller (its name, client id, or `(function key)`)
 * per client, scope and day.
 */
export async function usageReport(
  usage: UsageReader,
  query: URLSearchParams,
  caller: Caller,
): Promise<PlainResponse> {
  const clientId = query.get('clientId')?.trim();
  const callerName = query.get('caller')?.trim();
  if ((clientId && callerName) || !(clientId || callerName))
    return badRequest('Give one of clientId (validation counts) or caller (tokens served).');
  const id = (clientId ?? callerName) as string;
  if (id.length > MAX_ID) return badRequest(`The identifier is longer than ${MAX_ID} characters.`);
  if (clientId) {
    const records = (await usage.report(clientId)).filter((row) => !isIssuance(row));
    return ok({ clientId, records });
  }
  const callerClientId = caller.clientIdOf(id);
  return ok({ caller: id, clientId: callerClientId, issued: issuedOf(await usage.report(callerClientId)) });
}
