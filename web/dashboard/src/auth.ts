import { type AccountInfo, InteractionRequiredAuthError, PublicClientApplication } from '@azure/msal-browser';

/**
 * Sign-in for the dashboard with msal-browser: authorization code + PKCE, redirect flow, cache in
 * sessionStorage (gone with the tab). `initAuth` takes what `GET /api/dashboard/config` answers:
 * against Entra the tenant's authority; against another host (the local Entra stand-in) that
 * host as a known authority, which msal-browser then trusts without instance discovery.
 */
export interface AuthConfig {
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  redirectUri: string;
  scopes: string[];
  protocolMode: 'AAD' | 'OIDC';
}

let app: PublicClientApplication | undefined;
let scopes: string[] = [];

function client(): PublicClientApplication {
  if (!app) throw new Error('initAuth has not run');
  return app;
}

/** Builds the client and completes a sign-in the browser has just come back from. */
export async function initAuth(config: AuthConfig): Promise<void> {
  scopes = config.scopes;
  app = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: config.knownAuthorities,
      redirectUri: config.redirectUri,
      postLogoutRedirectUri: config.redirectUri,
    },
    cache: { cacheLocation: 'sessionStorage' },
    system: { protocolMode: config.protocolMode },
  });
  await app.initialize();
  const result = await app.handleRedirectPromise();
  const signedIn = result?.account ?? app.getAllAccounts()[0];
  if (signedIn) app.setActiveAccount(signedIn);
}

function active(): AccountInfo | null {
  return app?.getActiveAccount() ?? null;
}

export function account(): { name: string; username: string } | null {
  const current = active();
  return current ? { name: current.name ?? current.username, username: current.username } : null;
}

export async function signIn(): Promise<void> {
  await client().loginRedirect({ scopes });
}

export async function signOut(): Promise<void> {
  const current = active();
  await client().logoutRedirect(current ? { account: current } : {});
}

/** A token for the data API: from the cache or a refresh; a new sign-in when Entra asks for one. */
export async function accessToken(): Promise<string> {
  const current = active();
  if (!current) {
    await signIn();
    throw new Error('Signing in');
  }
  try {
    return (await client().acquireTokenSilent({ scopes, account: current })).accessToken;
  } catch (error) {
    if (!(error instanceof InteractionRequiredAuthError)) throw error;
    await client().acquireTokenRedirect({ scopes, account: current });
    throw new Error('Signing in again');
  }
}
