import type { Application, Directory } from '../directory/directory.js';
import type { GraphCaller } from './auth.js';
import { GraphError, graphErrors } from './errors.js';

/**
 * The credential writes of the Graph stand-in, over the shared directory:
 * - "application: addPassword" (`POST /applications/{id}/addPassword`, body
 *   `{"passwordCredential":{displayName?, startDateTime?, endDateTime?}}`): 200 with the new
 *   passwordCredential; `secretText` is returned here only, `hint` is its first three characters,
 *   the end defaults to start + 2 years;
 * - "application: removePassword" (`POST /applications/{id}/removePassword`, `{"keyId"}`): 204.
 * Permissions ("Permissions" tables of both pages; "Microsoft Graph permissions reference",
 * Application.ReadWrite.OwnedBy: "cannot update any apps that it is not an owner of"): the caller
 * needs Application.ReadWrite.OwnedBy and to own the app, or Application.ReadWrite.All;
 * otherwise 403 Authorization_RequestDenied.
 */
export interface LifetimePolicy {
  /** The policy's id, named in the error ("... as per assigned policy '<id>'."). */
  id: string;
  /** Longest secret lifetime the policy allows, in whole days. */
  maxSecretLifetimeDays: number;
}

const DAY_MS = 24 * 3600 * 1000;
/** "application: addPassword": "endDateTime ... Optional. The default value is startDateTime + 2 years." */
const DEFAULT_LIFETIME_MS = 2 * 365 * DAY_MS;
/** "Supported accounts" limits: apps that allow personal Microsoft accounts keep at most 2 passwords. */
const PERSONAL_AUDIENCES = new Set(['AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']);
export const PASSWORD_LIMIT = 2;

const WRITE_ALL = ['Application.ReadWrite.All', 'Directory.ReadWrite.All'];

export function requireWrite(caller: GraphCaller, app: Application): void {
  if (caller.roles.some((role) => WRITE_ALL.includes(role))) return;
  const owns = app.owners.some((o) => o.toLowerCase() === caller.servicePrincipalId.toLowerCase());
  if (caller.roles.includes('Application.ReadWrite.OwnedBy') && owns) return;
  throw graphErrors.denied();
}

export function parseWriteBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw graphErrors.badRequest(
    'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
  );
}

function date(value: unknown, name: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw graphErrors.badRequest(`Invalid value specified for property '${name}'.`);
  return new Date(ms);
}

/** The lifetime-policy refusal, as Graph words it (AZURE-FACTS "Lifetime policy error"). */
function lifetimeRefused(policy: LifetimePolicy): GraphError {
  return new GraphError(
    400,
    'CredentialInvalidLifetimeAsPerAppPolicy',
    `Credential lifetime exceeds the max value allowed as per assigned policy '${policy.id}'.`,
    {},
    [{ code: 'InvalidKeyEndDate', target: 'EndDate' }],
  );
}

export function addPassword(
  directory: Directory,
  app: Application,
  rawBody: string,
  policy: LifetimePolicy | undefined,
) {
  const body = parseWriteBody(rawBody);
  const input = (body.passwordCredential ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || Array.isArray(input))
    throw graphErrors.badRequest("Invalid value specified for property 'passwordCredential'.");
  const displayName = typeof input.displayName === 'string' ? input.displayName : undefined;
  const start = date(input.startDateTime, 'startDateTime') ?? new Date(directory.clock());
  const end = date(input.endDateTime, 'endDateTime') ?? new Date(start.getTime() + DEFAULT_LIFETIME_MS);
  if (end.getTime() <= start.getTime()) throw graphErrors.badRequest('Key credential end date is invalid.');
  if (policy && end.getTime() - start.getTime() > policy.maxSecretLifetimeDays * DAY_MS)
    throw lifetimeRefused(policy);
  // The documented message; the page names no error code for it.
  if (PERSONAL_AUDIENCES.has(app.signInAudience ?? '') && app.passwordCredentials.length >= PASSWORD_LIMIT)
    throw graphErrors.badRequest(`You can only add a maximum of ${PASSWORD_LIMIT} passwords.`);
  const added = directory.addPassword(app.appId, { ...(displayName ? { displayName } : {}), start, end });
  return {
    customKeyIdentifier: null,
    displayName: displayName ?? null,
    endDateTime: added.endDateTime,
    hint: added.hint,
    keyId: added.keyId,
    secretText: added.secretText,
    startDateTime: added.startDateTime,
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function removePassword(directory: Directory, app: Application, rawBody: string): void {
  const { keyId } = parseWriteBody(rawBody);
  if (typeof keyId !== 'string' || !GUID.test(keyId))
    throw graphErrors.badRequest("Invalid value specified for property 'keyId'.");
  if (!app.passwordCredentials.some((c) => c.keyId.toLowerCase() === keyId.toLowerCase()))
    throw graphErrors.notFound(keyId);
  const stored = app.passwordCredentials.find((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
  directory.removePassword(app.appId, stored?.keyId ?? keyId);
}
