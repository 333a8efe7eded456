import type { DashboardAudience } from '../validation/dashboard-policy.js';

/**
 * What msal-browser needs to sign a person in (`GET /api/dashboard/config`, anonymous, no secret).
 * Against Entra: the tenant's authority on a Microsoft cloud host. Against another host (the
 * local Entra stand-in) msal-browser must be told to trust it: `knownAuthorities` ("Configuration
 * options", msal-browser: authorities not on a Microsoft cloud host skip instance discovery only
 * when listed there).
 */
export interface ClientConfig {
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  redirectUri: string;
  scopes: string[];
  protocolMode: 'AAD' | 'OIDC';
}

/** Entra's public and national cloud sign-in hosts ("National clouds", Microsoft identity platform). */
const MICROSOFT_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

export interface SignInSettings {
  audience: DashboardAudience & { clientId: string; scope: string };
  /** Authority host, with or without its trailing slash. */
  instance: string;
  redirectUri: string | undefined;
}

export const DASHBOARD_PATH = '/api/dashboard';

export function authorityOf(settings: SignInSettings): URL {
  const tenant = settings.audience.tenants[0] ?? 'organizations';
  return new URL(`${settings.instance.replace(/\/+$/, '')}/${tenant}`);
}

export function clientConfig(settings: SignInSettings, requestUrl: string): ClientConfig {
  const authority = authorityOf(settings);
  const known = MICROSOFT_HOSTS.has(authority.hostname.toLowerCase()) ? [] : [authority.host];
  return {
    clientId: settings.audience.clientId,
    authority: authority.href,
    knownAuthorities: known,
    redirectUri: settings.redirectUri ?? new URL(DASHBOARD_PATH, requestUrl).href,
    scopes: [settings.audience.scope],
    // The stand-in answers as Entra does (client_info, v2 endpoints), so both use the AAD protocol.
    protocolMode: 'AAD',
  };
}
