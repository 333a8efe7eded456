import type { SettingsCatalogue } from '../platform/settings-reader.js';

/** The credential inventory's settings (README "Credential inventory"). */
export const inventorySettings: SettingsCatalogue = [
  {
    name: 'Inventory__Schedule',
    description: 'NCRONTAB schedule (six fields, UTC) of the `inventoryCredentials` timer.',
    default: '0 0 * * * *',
    deploy: 'optional',
  },
  {
    name: 'Inventory__OwnerServicePrincipalIds',
    description:
      'Object ids of further service principals (for example a MuleSoft Anypoint DCR client provider) whose owned apps are watched; needs `Application.Read.All`.',
    deploy: 'optional',
  },
  {
    name: 'Inventory__AppIds',
    description: 'Client ids (appId) of further apps to watch; needs `Application.Read.All` unless owned.',
    deploy: 'optional',
  },
  {
    name: 'Inventory__IncludeOwnApps',
    description: "Watch the apps owned by the product's own service principal.",
    default: 'true',
    deploy: 'optional',
  },
  {
    name: 'Inventory__Concurrency',
    description: 'Apps fetched from Graph at the same time during a run.',
    default: '8',
    deploy: 'optional',
  },
  {
    name: 'Inventory__MaxRetries',
    description:
      "Retries of one Graph call on 429/503/504 (Graph client's retry handler, at most 10); then the app counts as failed for this run.",
    default: '5',
    deploy: 'optional',
  },
  {
    name: 'Inventory__RetryDelaySeconds',
    description:
      'Base back-off when Graph sends no `Retry-After` (exponential from the second retry, with jitter).',
    default: '3',
    deploy: 'optional',
  },
  {
    name: 'Inventory__RequestTimeoutSeconds',
    description: 'Time one Graph call (retries included) may take before the app counts as failed.',
    default: '60',
    deploy: 'optional',
  },
  {
    name: 'Inventory__PageSize',
    description: '`$top` of the owned-objects listing (1 to 999).',
    default: '999',
    deploy: 'optional',
  },
  {
    name: 'Inventory__NoticeDays',
    description:
      'Days before expiry at which a credential crosses a threshold (one `CredentialExpiring` event each). The largest sets `notice`, the middle one `warning`, the smallest `critical`.',
    default: '90,60,30,14,7',
    deploy: 'optional',
  },
  {
    name: 'Inventory__SignInActivity',
    description:
      "Read last use from the beta `appCredentialSignInActivities` report (needs `AuditLog.Read.All` and Entra ID P1/P2); `false`, or a 403, falls back to the validator's usage records per client id.",
    default: 'true',
    deploy: 'optional',
  },
  {
    name: 'Inventory__ManagedPrefix',
    description:
      'Display-name prefix of the credentials the product manages (rotation creates them with it).',
    default: 'managed-by:gateway-plumbing',
    deploy: 'optional',
  },
  {
    name: 'Inventory__ProgressEvery',
    description: 'A progress line every this many apps during a run (and at least every 10 s).',
    default: '500',
    deploy: 'optional',
  },
];
