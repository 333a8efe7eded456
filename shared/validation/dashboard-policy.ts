import { callersSettings } from '../callers/settings.js';
import { dashboardSettings } from '../dashboard/settings.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { tokenSettings } from '../tokens/settings.js';
import { GUID } from './policy.js';

/** The policy the dashboard's data API checks user tokens with (`Dashboard__ClientId` set). */
export const DASHBOARD_POLICY = 'dashboard';
/** The delegated scope that lets a person read the dashboard's data. */
export const DASHBOARD_SCOPE_NAME = 'Credentials.Read';

/** Who the dashboard's sign-in and data API are for, from its settings and their fallbacks. */
export interface DashboardAudience {
  clientId: string | undefined;
  /** `aud` values accepted: the product API's app id (v2) and/or App ID URI (v1). */
  audiences: string[];
  tenants: string[];
  /** What the page requests, e.g. `api://<product app id>/Credentials.Read`. */
  scope: string | undefined;
  /** The scope's name as Entra writes it in `scp` (the last path segment of `scope`). */
  scopeName: string;
}

export function dashboardAudience(env: Env): DashboardAudience {
  const settings = settingsReader(env, dashboardSettings);
  const callers = settingsReader(env, callersSettings);
  let audiences = settings.list('Dashboard__Audience');
  if (audiences.length === 0) audiences = callers.list('Callers__Audience');
  let tenants = settings.list('Dashboard__TenantId');
  if (tenants.length === 0) tenants = callers.list('Callers__TenantId');
  if (tenants.length === 0) tenants = settingsReader(env, tokenSettings).list('AzureAd__TenantId');
  const appIdUri = audiences.find((aud) => !GUID.test(aud)) ?? audiences.map((aud) => `api://${aud}`)[0];
  const scope =
    settings.string('Dashboard__Scope') ??
    (appIdUri ? `${appIdUri.replace(/\/+$/, '')}/${DASHBOARD_SCOPE_NAME}` : undefined);
  return {
    clientId: settings.string('Dashboard__ClientId'),
    audiences,
    tenants,
    scope,
    scopeName: scope?.split('/').at(-1) || DASHBOARD_SCOPE_NAME,
  };
}

/**
 * The `dashboard` policy: user tokens only (an app-only token, with `idtyp: app` or roles and no
 * `scp`, is refused), for the product's API, with the `Credentials.Read` scope in `scp`, from the
 * configured tenant(s). Undefined while `Dashboard__ClientId` is unset (the dashboard is off).
 */
export function dashboardPolicyInput(
  env: Env,
  problems: string[],
): { name: string; input: Record<string, unknown> } | undefined {
  const target = dashboardAudience(env);
  if (!target.clientId) return undefined;
  if (target.audiences.length === 0) {
    problems.push('Dashboard__Audience: required with Dashboard__ClientId (or Callers__Audience)');
    return undefined;
  }
  if (target.tenants.length === 0) {
    problems.push('Dashboard__TenantId: required with Dashboard__ClientId (or AzureAd__TenantId)');
    return undefined;
  }
  return {
    name: DASHBOARD_POLICY,
    input: {
      tenants: target.tenants,
      audiences: target.audiences,
      tokenKind: 'user',
      requiredScopes: [target.scopeName],
      realm: 'dashboard',
    },
  };
}
