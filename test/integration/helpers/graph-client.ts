import { ClientCertificateCredential, ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { RunningIdentity } from '../../../local/entra/identity.js';

/**
 * The unmodified Microsoft Graph client (v3) against the Graph stand-in, authenticated by an
 * unmodified @azure/identity credential against the Entra stand-in, as the product will be:
 * `baseUrl` replaces https://graph.microsoft.com, and the stand-in's host is a `customHosts`
 * entry so the client's authentication handler attaches the token to it.
 */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export function secretCredential(id: RunningIdentity, appId: string, secret: string): TokenCredential {
  return new ClientSecretCredential(id.tenantId, appId, secret, {
    authorityHost: id.authorityHost,
    disableInstanceDiscovery: true, // the authority is not one of Microsoft's clouds
  });
}

export function certificateCredential(id: RunningIdentity, appId: string, pem: string): TokenCredential {
  return new ClientCertificateCredential(
    id.tenantId,
    appId,
    { certificate: pem },
    { authorityHost: id.authorityHost, disableInstanceDiscovery: true },
  );
}

export function graphClient(id: RunningIdentity, credential: TokenCredential): Client {
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
    baseUrl: id.graphUrl,
    customHosts: new Set([new URL(id.graphUrl).hostname]),
  });
}

/** A Graph token straight from the Entra stand-in, for raw `fetch` calls (no retry handler). */
export async function graphToken(id: RunningIdentity, appId: string, secret: string): Promise<string> {
  const token = await secretCredential(id, appId, secret).getToken(GRAPH_SCOPE);
  if (!token) throw new Error('no Graph token');
  return token.token;
}

/** The client's GraphError carries the status and Graph's error code. */
export interface ClientGraphError {
  statusCode: number;
  code: string;
  message: string;
}

export async function graphFailure(promise: Promise<unknown>): Promise<ClientGraphError> {
  try {
    await promise;
  } catch (error) {
    return error as ClientGraphError;
  }
  throw new Error('expected the Graph call to fail');
}

/** The `error` object of a Graph error answer read with `fetch`. */
export async function errorOf(
  response: Response | undefined,
): Promise<{ code: string; message: string; innerError: Record<string, string> }> {
  if (!response) throw new Error('no response');
  return (
    (await response.json()) as {
      error: { code: string; message: string; innerError: Record<string, string> };
    }
  ).error;
}
