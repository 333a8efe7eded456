import { ClientSecretCredential } from '@azure/identity';
import type { RunningIdentity } from '../../../local/entra/identity.js';
import type { LocalStack } from '../../../local/stack.js';

/**
 * Caller tokens as a gateway gets them, from the Entra stand-in through the real client-credentials
 * grant (@azure/identity with a secret; certificate-client.ts with a certificate), for the product's
 * own API (`Callers__Audience`).
 */
export async function secretCallerToken(id: RunningIdentity, scope: string): Promise<string> {
  const credential = new ClientSecretCredential(
    id.tenantId,
    id.apps.apimCaller.appId,
    id.apps.apimCaller.secret ?? '',
    {
      authorityHost: id.authorityHost,
      disableInstanceDiscovery: true,
    },
  );
  return (await credential.getToken(scope)).token;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {}
  return { status: response.status, headers: response.headers, text, json };
}

/** POST /api/token with a caller token and/or the host key. */
export async function tokenCall(
  stack: LocalStack,
  body: Record<string, string>,
  auth: { bearer?: string; key?: boolean },
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
  if (auth.key) headers['x-functions-key'] = stack.keys.host.default ?? '';
  return answer(
    await fetch(`${stack.host.url}/api/token`, { method: 'POST', headers, body: JSON.stringify(body) }),
  );
}

/** A form POST (introspect, revoke) or a GET (usage) with a caller token. */
export async function callerCall(
  stack: LocalStack,
  path: string,
  bearer: string | undefined,
  form?: Record<string, string>,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  return answer(
    await fetch(`${stack.host.url}${path}`, {
      method: form ? 'POST' : 'GET',
      headers,
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    }),
  );
}
