import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { NodeHttpHandler } from './graph-http.js';
import type { SettingsCatalogue } from './settings-reader.js';

/**
 * The product's Microsoft Graph client: the unmodified `@microsoft/microsoft-graph-client` (v3,
 * with its retry handler for 429/503/504 and Retry-After, and its page iterator), authenticated
 * with the product's identity (`azureCredential(env)`) as the Key Vault clients are. Its default
 * middleware chain sends through node:https (graph-http.ts) rather than fetch.
 */
export const graphSettings: SettingsCatalogue = [
  {
    name: 'Graph__BaseUrl',
    description:
      'Microsoft Graph endpoint: `https://graph.microsoft.com` (global), `https://graph.microsoft.us` / `https://dod-graph.microsoft.us` (US Government), `https://microsoftgraph.chinacloudapi.cn` (China); locally the Graph stand-in.',
    default: 'https://graph.microsoft.com',
    deploy: 'optional',
  },
  {
    name: 'Graph__Audience',
    description:
      'Resource the Graph token is requested for (`<audience>/.default`); the national clouds use their Graph host. Defaults to `https://graph.microsoft.com`, which the Graph stand-in also expects.',
    default: 'https://graph.microsoft.com',
    deploy: 'optional',
  },
];

/** Hosts the client already treats as Graph ("National cloud deployments"); any other needs `customHosts`. */
const GRAPH_HOSTS = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'graph.microsoft.de',
  'microsoftgraph.chinacloudapi.cn',
  'canary.graph.microsoft.com',
]);

export interface GraphConnection {
  baseUrl: string;
  audience: string;
  credential: TokenCredential;
}

export function graphScope(audience: string): string {
  return `${audience.replace(/\/+$/, '')}/.default`;
}

export function createGraphClient({ baseUrl, audience, credential }: GraphConnection): Client {
  const host = new URL(baseUrl).hostname.toLowerCase();
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: [graphScope(audience)],
  });
  return Client.initWithMiddleware({
    // The client's default chain (MiddlewareFactory.getDefaultMiddlewareChain in Node), with the
    // last handler on node:https instead of fetch (graph-http.ts says why).
    middleware: [
      new AuthenticationHandler(authProvider),
      new RetryHandler(new RetryHandlerOptions()),
      new RedirectHandler(new RedirectHandlerOptions()),
      new TelemetryHandler(),
      new NodeHttpHandler(),
    ],
    baseUrl: baseUrl.replace(/\/+$/, ''),
    // The authentication handler attaches the token only to Graph hosts and these (the stand-in).
    ...(GRAPH_HOSTS.has(host) ? {} : { customHosts: new Set([host]) }),
  });
}

/** What the client's GraphError exposes: the status (-1 when no answer came) and Graph's error code. */
export interface GraphErrorLike {
  statusCode?: number;
  code?: string | null;
  message?: string;
}

/**
 * Retry policy for one call: the client waits Retry-After when Graph sends it and otherwise backs
 * off exponentially with up to 1 s of jitter ("Microsoft Graph throttling guidance"); `onRetry` sees
 * every answer it retries (429s counted for the run summary).
 */
export function graphRetry(
  delaySeconds: number,
  maxRetries: number,
  onRetry?: (status: number) => void,
): RetryHandlerOptions {
  return new RetryHandlerOptions(
    delaySeconds,
    maxRetries,
    (_delay, _attempt, _request, _options, response) => {
      onRetry?.(response.status);
      return true;
    },
  );
}

export { RetryHandlerOptions };
