import type { Logger } from '../platform/log.js';
import { type PlainResponse, problemResponse } from '../platform/problem.js';
import type { RunRequest } from './executor.js';
import type { RotationService } from './service.js';

/**
 * `POST /api/rotation/run` (admin level): a dry run or one app, on demand. The timer's admin
 * endpoint cannot carry this: Azure builds a fresh TimerInfo for a manual run and drops the
 * `input` ("Manually run a non HTTP-triggered function"; TimerTriggerBinding.BindAsync in
 * azure-webjobs-sdk-extensions), and answers 202 before the run ends. This route runs the same
 * core under the same per-app lease and answers with the run's summary.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIELDS = new Set(['dryRun', 'appId']);

const badRequest = (detail: string) =>
  problemResponse({ title: 'Bad Request', status: 400, code: 'bad_request', detail });

/** The body (`{}`, `{"dryRun":true}`, `{"appId":"<client id>"}`, or both) as a run request, or the 400. */
export function parseManualRun(body: string): RunRequest | PlainResponse {
  let value: unknown = {};
  if (body.trim() !== '') {
    try {
      value = JSON.parse(body);
    } catch {
      return badRequest('The body must be JSON like {"dryRun": true} or {"appId": "<client id>"}.');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return badRequest('The body must be a JSON object.');
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !FIELDS.has(name));
  if (unknown.length > 0)
    return badRequest(`Unknown field(s): ${unknown.map((n) => JSON.stringify(n.slice(0, 40))).join(', ')}.`);
  if (fields.dryRun !== undefined && typeof fields.dryRun !== 'boolean')
    return badRequest('"dryRun" must be true or false.');
  if (fields.appId !== undefined && (typeof fields.appId !== 'string' || !GUID.test(fields.appId)))
    return badRequest('"appId" must be an application (client) id: a GUID.');
  return {
    trigger: 'manual',
    ...(fields.dryRun === true ? { dryRun: true } : {}),
    ...(typeof fields.appId === 'string' ? { appId: fields.appId } : {}),
  };
}

const isResponse = (value: RunRequest | PlainResponse): value is PlainResponse => 'status' in value;

export async function manualRunResponse(
  service: RotationService,
  body: string,
  log: Logger,
): Promise<PlainResponse> {
  const request = parseManualRun(body);
  if (isResponse(request)) return request;
  const summary = await service.run(log, request);
  if (request.appId && summary.apps === 0 && summary.failed.length === 0)
    return problemResponse({
      title: 'Not Found',
      status: 404,
      code: 'app_not_managed',
      detail:
        'No managed app has that client id: the product owns no such app and it is not in Rotation__ManagedAppIds or Rotation__Certificates.',
    });
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(summary),
  };
}
