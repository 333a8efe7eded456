import type { SettingsCatalogue } from '../platform/settings-reader.js';
import { POLICY_DEFAULTS } from './policy-defaults.js';

/** Every app setting the validation capability reads (policies, key sets, caches, revocation, usage). */
export const validationSettings: SettingsCatalogue = [
  {
    name: 'Validation__Policies',
    description:
      'Named validation policies as one JSON object `{"<name>": {...}}` (see docs/gateways/README.md). Merged over the flat `default` policy.',
    deploy: 'optional',
  },
  {
    name: 'Validation__PoliciesFile',
    description:
      'Path of a JSON file holding the named policies, as an alternative to `Validation__Policies`.',
    deploy: 'optional',
  },
  {
    name: 'Validation__TenantId',
    description:
      'Flat `default` policy: accepted tenant id(s), comma-separated, or `any` (then `Validation__AllowedTenants` limits them).',
    deploy: 'optional',
  },
  {
    name: 'Validation__AllowedTenants',
    description:
      'Flat `default` policy with `Validation__TenantId=any`: optional tenant allow-list, comma-separated.',
    deploy: 'optional',
  },
  {
    name: 'Validation__Audiences',
    description: 'Flat `default` policy: accepted audiences (client id and/or App ID URI), comma-separated.',
    deploy: 'optional',
  },
  {
    name: 'Validation__AllowedClientIds',
    description:
      'Flat `default` policy: allowed calling client ids (`azp` on v2 tokens, `appid` on v1; a token without that claim is refused), comma-separated; empty allows any.',
    deploy: 'optional',
  },
  {
    name: 'Validation__RequiredScopes',
    description: 'Flat `default` policy: scopes that must ALL be present in `scp`, comma-separated.',
    deploy: 'optional',
  },
  {
    name: 'Validation__RequiredRoles',
    description: 'Flat `default` policy: app roles required in `roles`, comma-separated (see `RolesMatch`).',
    deploy: 'optional',
  },
  {
    name: 'Validation__RolesMatch',
    description: 'Flat `default` policy: `all` or `any` of the required roles.',
    default: POLICY_DEFAULTS.rolesMatch,
    deploy: 'optional',
  },
  {
    name: 'Validation__RequireCertificateCredential',
    description:
      'Flat `default` policy: `true` to accept only clients that authenticated with a certificate (`azpacr`/`appidacr` = 2).',
    default: String(POLICY_DEFAULTS.requireCertificateCredential),
    deploy: 'optional',
  },
  {
    name: 'Validation__TokenKind',
    description: 'Flat `default` policy: `app`, `user` or `either`.',
    default: POLICY_DEFAULTS.tokenKind,
    deploy: 'optional',
  },
  {
    name: 'Validation__TokenVersions',
    description: 'Flat `default` policy: accepted token versions, comma-separated (`1.0`, `2.0`).',
    default: POLICY_DEFAULTS.versions.join(','),
    deploy: 'optional',
  },
  {
    name: 'Validation__Instance',
    description:
      'Entra authority host for the OIDC discovery URLs of every policy without its own `instance`. Unset: `AzureAd__Instance`, else `https://login.microsoftonline.com/`.',
    deploy: 'optional',
  },
  {
    name: 'Validation__ClockSkewSeconds',
    description: 'Flat `default` policy: allowed clock skew for `exp`/`nbf`/`iat`; capped at 300.',
    default: String(POLICY_DEFAULTS.clockSkewSeconds),
    deploy: 'optional',
  },
  {
    name: 'Validation__Algorithms',
    description: 'Flat `default` policy: accepted JWS algorithms, comma-separated.',
    default: POLICY_DEFAULTS.algorithms.join(','),
    deploy: 'optional',
  },
  {
    name: 'Validation__MaxTokenBytes',
    description: 'Flat `default` policy: largest accepted token, in bytes.',
    default: String(POLICY_DEFAULTS.maxTokenBytes),
    deploy: 'optional',
  },
  {
    name: 'Validation__CaFile',
    description:
      'Extra PEM CA bundle trusted when fetching OIDC discovery documents and JWKS (local identity stand-in).',
    deploy: 'optional',
  },
  {
    name: 'Validation__KeyRefreshSeconds',
    description: "Background refresh interval of each issuer's discovery document and JWKS.",
    default: '43200',
    deploy: 'optional',
  },
  {
    name: 'Validation__UnknownKidRefreshSeconds',
    description: 'Minimum interval between refreshes caused by an unknown `kid`, per issuer (floor 1).',
    default: '300',
    deploy: 'optional',
  },
  {
    name: 'Validation__LastKnownGoodSeconds',
    description: 'How long the last good keys keep validating while discovery or JWKS fails.',
    default: '86400',
    deploy: 'optional',
  },
  {
    name: 'Validation__Cache__MaxEntries',
    description: 'Verified-token cache: maximum entries (0 disables the cache).',
    default: '10000',
    deploy: 'optional',
  },
  {
    name: 'Validation__Cache__MaxBytes',
    description: 'Verified-token cache: maximum estimated bytes.',
    default: '16777216',
    deploy: 'optional',
  },
  {
    name: 'Validation__RevocationRefreshSeconds',
    description:
      'How often each instance re-reads the `denylist` table; the bound on how late a revocation takes effect elsewhere (max 30).',
    default: '10',
    deploy: 'optional',
  },
  {
    name: 'Validation__IntrospectionPolicy',
    description:
      'Policy used by `/api/introspect` and `/api/revoke` to decide whether a token is ours and valid.',
    default: 'default',
    deploy: 'optional',
  },
  {
    name: 'Validation__IntrospectionCallerPolicy',
    description:
      'Optional: callers of `/api/introspect` and `/api/revoke` must also present their own bearer token, valid under this policy (e.g. one requiring an app role).',
    deploy: 'optional',
  },
  {
    name: 'Validation__Usage__FlushSeconds',
    description: 'How often usage counters are written (in batches) to the `usage` table.',
    default: '5',
    deploy: 'optional',
  },
];
