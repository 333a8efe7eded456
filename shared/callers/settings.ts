import type { SettingsCatalogue } from '../platform/settings-reader.js';

/** What a caller may be granted: the guarded endpoints (`/api/validate` stays open to any key holder). */
export const CALLER_OPERATIONS = ['token', 'introspect', 'revoke', 'credentials', 'audit', 'usage'] as const;
export type CallerOperation = (typeof CALLER_OPERATIONS)[number];

/**
 * Settings of the callers capability: who may call the product's own endpoints, recognised by a
 * bearer token Entra issued for the product's API (app-only), and what each caller may do.
 * `<name>` is a caller name (letters, digits, `-`, `_`).
 */
export const callersSettings: SettingsCatalogue = [
  {
    name: 'Callers__Audience',
    description:
      "The product's own API: its App ID URI (e.g. `api://<product-app-id>`, the `aud` of v1 tokens) and/or its app id (the `aud` of v2 tokens), comma-separated. Set, it builds the `callers` validation policy (app-only tokens of `Callers__TenantId`).",
    deploy: 'optional',
  },
  {
    name: 'Callers__TenantId',
    description: 'Tenant(s) whose caller tokens are accepted, comma-separated. Unset: `AzureAd__TenantId`.',
    deploy: 'optional',
  },
  {
    name: 'Callers__RequireCertificateCredential',
    description:
      '`true` accepts only callers that authenticated with a certificate or a federated credential (`azpacr`/`appidacr` = 2).',
    default: 'false',
    deploy: 'optional',
  },
  {
    name: 'Callers__Policy',
    description:
      'Validation policy (from `Validation__Policies`) that caller tokens must pass, in place of the one `Callers__Audience` builds; every validator rule applies (tenants, issuers, roles, `azpacr`). `Validation__IntrospectionCallerPolicy` is its older name.',
    deploy: 'optional',
  },
  {
    name: 'Callers__AllowKeyOnly',
    description:
      '`true`: a call with a function key and no caller token is served as before (any client, any allowed scope). `false` (recommended): a caller token is required, a key alone gets 401 with a `Bearer` challenge, and the guarded functions register with authLevel `anonymous`.',
    default: 'true',
    deploy: 'optional',
  },
  {
    name: 'Callers__<name>__ClientId',
    description: "The caller's app id or managed identity client id (`azp`/`appid` of its token).",
    deploy: 'optional',
  },
  {
    name: 'Callers__<name>__Clients',
    description:
      'Named token clients (`default` for `AzureAd`) the caller may use in `POST /api/token`, comma-separated; none when unset.',
    deploy: 'optional',
  },
  {
    name: 'Callers__<name>__Scopes',
    description:
      "Optional narrower scope list: the caller gets only these of its clients' `AllowedScopes`, comma-separated.",
    deploy: 'optional',
  },
  {
    name: 'Callers__<name>__Operations',
    description:
      'Endpoints the caller may call, comma-separated: `token`, `introspect`, `revoke`, `credentials`, `audit`, `usage`. App roles on the product API add to them: `Tokens.Request` (token), `Credentials.Read` (credentials), `Audit.Read` (audit, usage).',
    default: 'token',
    deploy: 'optional',
  },
];

/** The settings of one caller, the `<name>` family instantiated. */
export function callerSettingsOf(name: string): SettingsCatalogue {
  return callersSettings
    .filter((spec) => spec.name.startsWith('Callers__<name>__'))
    .map((spec) => ({ ...spec, name: spec.name.replace('<name>', name) }));
}
