import { createHash, randomBytes } from 'node:crypto';
import type { RunningIdentity } from '../../../local/entra/identity.js';

/**
 * The authorization code flow with PKCE against the Entra stand-in, driven with fetch as a browser
 * would (cookies kept, redirects followed by hand): what msal-browser does on a redirect sign-in,
 * without a browser. For tests of the stand-in and of the dashboard's data API.
 */
export interface CodeFlowOptions {
  username: string;
  password: string;
  redirectUri: string;
  scope: string;
  /** `S256` (what Entra requires of a SPA) unless a test checks a refusal. */
  challengeMethod?: string;
  /** Sent to the token endpoint; a wrong one must be refused. */
  verifierOverride?: string;
}

export interface CodeFlowResult {
  /** The login page as the person saw it, and the page after a wrong password, if any. */
  loginPage: string;
  code: string;
  state: string;
  verifier: string;
  tokenResponse: Response;
  tokens: Record<string, unknown>;
}

class Jar {
  readonly #cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export async function authorizeRequest(
  identity: RunningIdentity,
  options: Pick<CodeFlowOptions, 'redirectUri' | 'scope' | 'challengeMethod'>,
  challenge: string,
  state: string,
): Promise<URL> {
  const url = new URL(`${identity.authority}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: identity.apps.dashboard.appId,
    response_type: 'code',
    response_mode: 'query',
    redirect_uri: options.redirectUri,
    scope: options.scope,
    state,
    nonce: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: options.challengeMethod ?? 'S256',
    client_info: '1',
  }).toString();
  return url;
}

export async function signInWithCode(
  identity: RunningIdentity,
  options: CodeFlowOptions,
): Promise<CodeFlowResult> {
  const jar = new Jar();
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString('hex');
  const get = async (url: string | URL, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.take(response);
    return response;
  };
  let response = await get(await authorizeRequest(identity, options, challenge, state));
  if (response.status !== 303 && response.status !== 302)
    throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  const loginUrl = new URL(response.headers.get('location') ?? '', identity.authorityHost);
  response = await get(loginUrl);
  const loginPage = await response.text();
  response = await get(loginUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: options.username, password: options.password }).toString(),
  });
  if (response.status === 200) throw new Error(`login refused: ${await response.text()}`);
  // The resume step, then the redirect to the app with the code.
  let location = response.headers.get('location') ?? '';
  for (let hops = 0; hops < 5 && !location.startsWith(options.redirectUri); hops += 1) {
    response = await get(new URL(location, identity.authorityHost));
    location = response.headers.get('location') ?? '';
    if (!location) throw new Error(`no redirect (${response.status}): ${await response.text()}`);
  }
  const back = new URL(location);
  const code = back.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location}`);
  const tokenResponse = await fetch(identity.tokenEndpointV2, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: new URL(options.redirectUri).origin,
    },
    body: new URLSearchParams({
      client_id: identity.apps.dashboard.appId,
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      code_verifier: options.verifierOverride ?? verifier,
      scope: options.scope,
      client_info: '1',
    }).toString(),
  });
  const tokens = (await tokenResponse.clone().json()) as Record<string, unknown>;
  return { loginPage, code, state: back.searchParams.get('state') ?? '', verifier, tokenResponse, tokens };
}
