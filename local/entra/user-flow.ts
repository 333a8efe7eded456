import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import type { Application, Directory } from '../directory/directory.js';
import type { Users } from '../directory/users.js';
import { readBody } from '../http-body.js';
import { type AadstsError, aadsts } from './aadsts.js';
import { htmlText } from './html.js';
import { OIDC_SCOPES, RESOURCE_PREFIX } from './provider.js';

/**
 * The user side of the Entra stand-in, for the dashboard's single-page application ("Microsoft
 * identity platform and OAuth 2.0 authorization code flow"): Entra's `scope` of full scope names
 * (`api://<app>/Credentials.Read openid profile offline_access`) becomes oidc-provider's resource
 * indicator plus scope names; a plain login page (an HTML form, no script) signs seeded people in;
 * token answers get Entra's shape (full scope names, `client_info`, `refresh_token_expires_in`).
 */
const OIDC = new Set<string>(OIDC_SCOPES);

export interface UserScopes {
  resource: Application | undefined;
  /** Scope names on the resource (`Credentials.Read`), as oidc-provider knows them. */
  names: string[];
  oidc: string[];
}

/** Entra's scope parameter split into one resource and its scope names ("Scopes and permissions"). */
export function userScopes(directory: Directory, scope: string, tenantId: string): UserScopes | AadstsError {
  const oidc: string[] = [];
  const names: string[] = [];
  let resource: Application | undefined;
  for (const value of scope.split(/\s+/).filter(Boolean)) {
    if (OIDC.has(value)) {
      oidc.push(value);
      continue;
    }
    const at = value.lastIndexOf('/');
    if (at <= 0) return aadsts.invalidScope(value);
    const named = value.slice(0, at);
    const app = directory.findResource(named);
    if (!app) return aadsts.unknownResource(named, tenantId);
    if (resource && resource.appId !== app.appId) return aadsts.severalResources();
    resource = app;
    const name = value.slice(at + 1);
    if (name !== '.default' && !(app.oauth2PermissionScopes ?? []).includes(name))
      return aadsts.invalidScope(value);
    if (name !== '.default') names.push(name);
  }
  return { resource, names, oidc };
}

/** The parameters oidc-provider reads: `resource` for the API, scope names instead of full names. */
export function asIndicator(params: URLSearchParams, scopes: UserScopes): URLSearchParams {
  const out = new URLSearchParams(params);
  out.set('scope', [...scopes.oidc, ...scopes.names].join(' '));
  if (scopes.resource) out.set('resource', `${RESOURCE_PREFIX}${scopes.resource.appId}`);
  else out.delete('resource');
  return out;
}

/** The stand-in's own page: no script, no inline style, nothing from outside. */
const LOGIN_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

function loginPage(appName: string, username: string, error: string | undefined): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to your account</title></head>
<body>
<main>
<h1>Sign in</h1>
<p>to continue to ${htmlText(appName)} (local Entra stand-in)</p>
${error ? `<p role="alert" id="error">${htmlText(error)}</p>` : ''}
<form method="post">
<p><label for="username">Email or username</label><br>
<input id="username" name="username" type="email" autocomplete="username" required value="${htmlText(username)}"></p>
<p><label for="password">Password</label><br>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit" id="submit">Sign in</button></p>
</form>
</main>
</body>
</html>`;
}

function sendPage(res: ServerResponse, status: number, html: string) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': LOGIN_CSP,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

/**
 * GET shows the form, POST checks the person (AADSTS50126's wording on a mismatch) and finishes the
 * login interaction; oidc-provider then resumes the authorization request and redirects to the app.
 */
export async function loginInteraction(
  provider: Provider,
  directory: Directory,
  users: Users,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
): Promise<void> {
  let details: { uid: string; params: Record<string, unknown> };
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return sendPage(
      res,
      400,
      loginPage('the application', '', 'This sign-in has expired. Start again from the application.'),
    );
  }
  if (details.uid !== uid)
    return sendPage(res, 400, loginPage('the application', '', 'This sign-in is not current.'));
  const clientId = String(details.params.client_id ?? '');
  const appName = directory.find(clientId)?.displayName ?? clientId;
  const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
  if (req.method !== 'POST') return sendPage(res, 200, loginPage(appName, hint, undefined));
  const form = new URLSearchParams((await readBody(req, 16 * 1024)).toString('utf8'));
  const username = form.get('username') ?? '';
  const user = users.signIn(username, form.get('password') ?? '');
  if (!user)
    return sendPage(
      res,
      200,
      loginPage(appName, username, 'Your account or password is incorrect. (AADSTS50126)'),
    );
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.id } },
    { mergeWithLastSubmission: false },
  );
}

const decodePayload = (jwt: unknown): Record<string, unknown> => {
  try {
    return JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return {};
  }
};

/**
 * A user token answer as Entra sends it: `scope` with full names (what msal caches the token
 * under), `ext_expires_in`, `refresh_token_expires_in` (24 h for SPAs) and `client_info`, the
 * base64url JSON `{uid, utid}` msal builds the account id from when `client_info=1` is asked.
 */
export function entraUserTokenBody(
  body: Record<string, unknown>,
  scopes: UserScopes,
  refreshSeconds: number,
): Record<string, unknown> {
  const prefix = scopes.resource ? (scopes.resource.identifierUris[0] ?? scopes.resource.appId) : '';
  const access = decodePayload(body.access_token);
  const granted = typeof access.scp === 'string' ? access.scp.split(' ').filter(Boolean) : [];
  const id = decodePayload(body.id_token);
  return {
    token_type: 'Bearer',
    scope: [...granted.map((name) => `${prefix}/${name}`), ...scopes.oidc].join(' '),
    expires_in: body.expires_in,
    ext_expires_in: body.expires_in,
    access_token: body.access_token,
    ...(body.refresh_token
      ? { refresh_token: body.refresh_token, refresh_token_expires_in: refreshSeconds }
      : {}),
    ...(body.id_token ? { id_token: body.id_token } : {}),
    ...(id.oid
      ? { client_info: Buffer.from(JSON.stringify({ uid: id.oid, utid: id.tid })).toString('base64url') }
      : {}),
  };
}
