import { X509Certificate } from 'node:crypto';
import { errors, importX509, jwtVerify } from 'jose';
import type { Application, Directory } from '../directory/directory.js';
import { DirectoryError } from '../directory/directory.js';
import { GraphError, graphErrors } from './errors.js';
import { keyCredential } from './shapes.js';

/**
 * Certificate writes of the Graph stand-in:
 * - "application: addKey" (`POST /applications/{id}/addKey`, body `{keyCredential, passwordCredential,
 *   proof}`): 200 with the new keyCredential;
 * - "application: removeKey" (`POST /applications/{id}/removeKey`, `{keyId, proof}`): 204;
 * - "Update application" with `keyCredentials` (`PATCH /applications/{id}`): 204, the collection is
 *   replaced as a whole ("keyCredentials ... PATCH replaces the entire collection").
 * The proof is verified as "Generate proof-of-possession tokens for rolling keys" describes: a JWT
 * with `aud` 00000002-0000-0000-c000-000000000000, `iss` the object id of the application (the page
 * words it "the object id of the application that is making the call"; the common reading, taken
 * here, is the target application's object id), `nbf` and `exp` at most 10 minutes apart, signed
 * by one of the app's currently valid certificates, base64url parts without `=` padding. Otherwise
 * 401 Authentication_MissingOrMalformed. With no valid certificate left, no proof can pass: the
 * page's way out is the PATCH.
 */
export const PROOF_AUDIENCE = '00000002-0000-0000-c000-000000000000';
const MAX_PROOF_SPAN_SECONDS = 600;

const malformed = (detail: string) =>
  new GraphError(401, 'Authentication_MissingOrMalformed', `Access Token missing or malformed. (${detail})`);

function pem(base64Der: unknown, name: string): string {
  if (typeof base64Der !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(base64Der))
    throw graphErrors.badRequest(`Invalid value specified for property '${name}'.`);
  try {
    const der = Buffer.from(base64Der, 'base64');
    return new X509Certificate(der).toString();
  } catch {
    throw graphErrors.badRequest(`Invalid value specified for property '${name}': not an X.509 certificate.`);
  }
}

export async function verifyProof(directory: Directory, app: Application, proof: unknown): Promise<void> {
  if (typeof proof !== 'string' || proof.split('.').length !== 3) throw malformed('no proof');
  if (proof.includes('=')) throw malformed('padding in the proof');
  const now = directory.clock();
  const valid = directory.validKeys(app.appId, now);
  if (valid.length === 0) throw malformed('no valid certificate on the application to check the proof with');
  for (const key of valid) {
    try {
      const { payload } = await jwtVerify(proof, await importX509(key.certificatePem, 'RS256'), {
        algorithms: ['RS256', 'PS256'],
        audience: PROOF_AUDIENCE,
        issuer: app.id,
        currentDate: new Date(now),
        requiredClaims: ['nbf', 'exp'],
      });
      if ((payload.exp as number) - (payload.nbf as number) > MAX_PROOF_SPAN_SECONDS)
        throw malformed('nbf and exp more than 10 minutes apart');
      return;
    } catch (error) {
      if (error instanceof GraphError) throw error;
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      throw malformed(error instanceof errors.JOSEError ? error.code : 'unreadable proof');
    }
  }
  throw malformed('not signed by a valid certificate of the application');
}

export async function addKey(directory: Directory, app: Application, body: Record<string, unknown>) {
  const input = (body.keyCredential ?? null) as Record<string, unknown> | null;
  if (!input || typeof input !== 'object')
    throw graphErrors.badRequest("Property 'keyCredential' is required.");
  if (input.type !== 'AsymmetricX509Cert' || input.usage !== 'Verify')
    throw graphErrors.badRequest("keyCredential must be of type 'AsymmetricX509Cert' with usage 'Verify'.");
  const certificatePem = pem(input.key, 'key');
  await verifyProof(directory, app, body.proof);
  try {
    const added = directory.addKey(app.appId, certificatePem, {
      ...(typeof input.displayName === 'string' ? { displayName: input.displayName } : {}),
    });
    return keyCredential(added, false);
  } catch (error) {
    if (error instanceof DirectoryError) throw graphErrors.badRequest(error.message);
    throw error;
  }
}

export async function removeKey(directory: Directory, app: Application, body: Record<string, unknown>) {
  if (typeof body.keyId !== 'string')
    throw graphErrors.badRequest("Invalid value specified for property 'keyId'.");
  await verifyProof(directory, app, body.proof);
  const key = app.keyCredentials.find((k) => k.keyId.toLowerCase() === String(body.keyId).toLowerCase());
  if (!key) throw graphErrors.notFound(String(body.keyId));
  directory.removeKey(app.appId, key.keyId);
}

/** `PATCH /applications/{id}` with `keyCredentials`: every key to keep, each with its `key`. */
export function replaceKeys(directory: Directory, app: Application, body: Record<string, unknown>): void {
  const unknown = Object.keys(body).filter((name) => name !== 'keyCredentials');
  if (unknown.length > 0)
    throw graphErrors.badRequest(`The local Graph stand-in updates only keyCredentials, not ${unknown[0]}.`);
  if (!Array.isArray(body.keyCredentials))
    throw graphErrors.badRequest("Property 'keyCredentials' must be an array.");
  const date = (value: unknown) =>
    typeof value === 'string' && Number.isFinite(Date.parse(value)) ? new Date(value) : undefined;
  const keys = (body.keyCredentials as Record<string, unknown>[]).map((k, i) => ({
    certificatePem: pem(k?.key, `keyCredentials[${i}].key`),
    ...(typeof k.keyId === 'string' ? { keyId: k.keyId } : {}),
    ...(typeof k.displayName === 'string' ? { displayName: k.displayName } : {}),
    ...(date(k.startDateTime) ? { start: date(k.startDateTime) as Date } : {}),
    ...(date(k.endDateTime) ? { end: date(k.endDateTime) as Date } : {}),
  }));
  directory.replaceKeys(app.appId, keys);
}
