import type { SettingsCatalogue } from '../platform/settings-reader.js';

/**
 * The dashboard's settings (README "Dashboard"). The page signs people in with the SPA app
 * registration `Dashboard__ClientId` and calls its data API with a user token for the product's
 * API (`Dashboard__Audience`), scope `Credentials.Read`.
 */
export const dashboardSettings: SettingsCatalogue = [
  {
    name: 'Dashboard__ClientId',
    description:
      'Application (client) id of the dashboard\'s single-page-application registration (redirect URI `https://<app>/api/dashboard`, platform "Single-page application"). Unset: the dashboard answers 503 naming this setting.',
    deploy: 'optional',
  },
  {
    name: 'Dashboard__Audience',
    description:
      "The product's API whose user tokens the data API accepts: its app id (the `aud` of v2 tokens) and/or App ID URI (`api://<id>`, the `aud` of v1 tokens), comma-separated. Unset: `Callers__Audience`.",
    deploy: 'optional',
  },
  {
    name: 'Dashboard__Scope',
    description:
      'The delegated scope the page asks for (the scope must be exposed on the product API). Unset: `<App ID URI>/Credentials.Read`, the App ID URI being the first non-GUID audience or `api://<app id>`.',
    deploy: 'optional',
  },
  {
    name: 'Dashboard__TenantId',
    description:
      'Tenant(s) whose users may sign in, comma-separated GUIDs; the first is the sign-in authority. Unset: `Callers__TenantId`, else `AzureAd__TenantId`.',
    deploy: 'optional',
  },
  {
    name: 'Dashboard__Instance',
    description:
      'Entra authority host for sign-in (e.g. `https://login.microsoftonline.com/`). Unset: `AzureAd__Instance`, else the global cloud. A host other than a Microsoft cloud (the local Entra stand-in) is passed to msal-browser as a known authority.',
    deploy: 'optional',
  },
  {
    name: 'Dashboard__RedirectUri',
    description:
      'Absolute URL of the page as registered on the SPA app. Unset: derived from the request (`https://<host>/api/dashboard`), which is right unless a proxy rewrites the host.',
    deploy: 'optional',
  },
  {
    name: 'Dashboard__AssetsPath',
    description:
      'Folder of the built page (`index.html`, `assets/`). Unset: `dist/dashboard` beside the running code; tests only.',
    deploy: 'optional',
  },
];
