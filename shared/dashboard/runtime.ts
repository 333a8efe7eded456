import { ENTRA_PUBLIC_CLOUD } from '../platform/identity-settings.js';
import { consoleLogger, type Logger } from '../platform/log.js';
import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { rotationSettings } from '../rotation/settings.js';
import { tokenSettings } from '../tokens/settings.js';
import { dashboardAudience } from '../validation/dashboard-policy.js';
import { AssetFolder } from './assets.js';
import { authorityOf, clientConfig, type SignInSettings } from './config.js';
import { DashboardService } from './service.js';
import { dashboardSettings } from './settings.js';
import { capabilitySources, type DashboardSources } from './sources.js';

/** The dashboard: its page, sign-in configuration and read-only data views (`functions/dashboard.ts`). */
export type DashboardRuntime = Runtime<{ service: DashboardService }>;

export interface DashboardDeps {
  sources?: DashboardSources;
  /** The built page's folder when `Dashboard__AssetsPath` is unset (the function file passes `dist/dashboard`). */
  assetsPath?: string;
  clock?: () => number;
  log?: Logger;
}

export function createDashboardRuntime(env: Env, deps: DashboardDeps = {}): DashboardRuntime {
  try {
    const settings = settingsReader(env, dashboardSettings);
    const audience = dashboardAudience(env);
    const problems = [...settings.problems];
    if (!audience.clientId)
      problems.push(
        "Dashboard__ClientId: required (the app id of the dashboard's single-page-application registration)",
      );
    if (audience.audiences.length === 0)
      problems.push(
        "Dashboard__Audience: required (the product API's app id or App ID URI), or Callers__Audience",
      );
    if (audience.tenants.length === 0) problems.push('Dashboard__TenantId: required, or AzureAd__TenantId');
    const instance =
      settings.string('Dashboard__Instance') ??
      settingsReader(env, tokenSettings).string('AzureAd__Instance') ??
      ENTRA_PUBLIC_CLOUD;
    if (!/^https:\/\/[^/]+/i.test(instance)) problems.push('Dashboard__Instance: must be an https:// URL');
    const redirectUri = settings.string('Dashboard__RedirectUri');
    if (redirectUri && !/^https?:\/\/[^/]+/i.test(redirectUri))
      problems.push('Dashboard__RedirectUri: must be an absolute http(s) URL');
    const graceDays = settingsReader(env, rotationSettings).int('Rotation__GraceDays', { min: 0, max: 3650 });
    const assetsPath = settings.string('Dashboard__AssetsPath') ?? deps.assetsPath;
    if (!assetsPath) problems.push('Dashboard__AssetsPath: the built page has no folder');
    if (problems.length > 0 || !audience.clientId || !audience.scope || !assetsPath)
      return { ok: false, problems };
    const signIn: SignInSettings = {
      audience: { ...audience, clientId: audience.clientId, scope: audience.scope },
      instance,
      redirectUri,
    };
    const service = new DashboardService({
      sources: deps.sources ?? capabilitySources(env),
      assets: new AssetFolder(assetsPath),
      signIn: {
        config: (requestUrl) => clientConfig(signIn, requestUrl),
        authorityOrigin: authorityOf(signIn).origin,
      },
      graceDays,
      clock: deps.clock ?? Date.now,
      log: deps.log ?? consoleLogger,
    });
    return { ok: true, service };
  } catch (error) {
    return problemsOf(error);
  }
}

/** The folder the function file names: where the build puts the page, beside the running code. */
let assetsFolder: string | undefined;

/** Called by the function file before it registers (a path, nothing is read). */
export function useAssetsFolder(path: string): void {
  assetsFolder = path;
}

export const dashboard = capability('Dashboard', () =>
  createDashboardRuntime(process.env, assetsFolder ? { assetsPath: assetsFolder } : {}),
);
