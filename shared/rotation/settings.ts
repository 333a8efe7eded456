import type { SettingsCatalogue } from '../platform/settings-reader.js';

/** Rotation's settings (README "Rotation"). */
export const rotationSettings: SettingsCatalogue = [
  {
    name: 'Rotation__Schedule',
    description: 'NCRONTAB schedule (six fields, UTC) of the `rotateCredentials` timer.',
    default: '0 0 */6 * * *',
    deploy: 'optional',
  },
  {
    name: 'Rotation__KeyVaultUrl',
    description:
      'The vault that receives every new secret (`https://<vault>.vault.azure.net/`); the product identity needs "Key Vault Secrets Officer" on it. Unset: rotation is not configured.',
    deploy: 'optional',
  },
  {
    name: 'Rotation__ManagedPrefix',
    description:
      'Display-name prefix of the secrets rotation manages, on apps the product owns; new secrets get it plus the run id.',
    default: 'managed-by:gateway-plumbing',
    deploy: 'optional',
  },
  {
    name: 'Rotation__ManagedAppIds',
    description:
      'Client ids (appId) of apps whose existing secrets rotation adopts and manages, whatever their names; the product must own them.',
    deploy: 'optional',
  },
  {
    name: 'Rotation__Certificates',
    description:
      'Certificates to keep registered: `<appId>=<certificate name>` pairs in `Rotation__KeyVaultUrl`. When the vault holds a version the app lacks (auto-renewal, an import), it is added with `addKey` (a proof signed by the current certificate, PEM only), or with `PATCH keyCredentials` when none is valid.',
    deploy: 'optional',
  },
  {
    name: 'Rotation__RotateBeforeDays',
    description: 'A managed secret is rotated once it ends within this many days (the boundary included).',
    default: '30',
    deploy: 'optional',
  },
  {
    name: 'Rotation__SecretLifetimeDays',
    description: 'Lifetime of a new secret; halved on a lifetime-policy refusal, down to the minimum.',
    default: '180',
    deploy: 'optional',
  },
  {
    name: 'Rotation__MinSecretLifetimeDays',
    description: 'The shortest lifetime tried after lifetime-policy refusals; below it the rotation fails.',
    default: '7',
    deploy: 'optional',
  },
  {
    name: 'Rotation__GraceDays',
    description:
      'Days after a rotation before the old secret may be removed (and only when the last-use report shows no sign-in with it since).',
    default: '14',
    deploy: 'optional',
  },
  {
    name: 'Rotation__SecretNameTemplate',
    description:
      "Key Vault secret name of an app's secret: `{appDisplayNameSlug}` and `{appId}` are replaced.",
    default: '{appDisplayNameSlug}-client-secret',
    deploy: 'optional',
  },
  {
    name: 'Rotation__VerifyTimeoutSeconds',
    description:
      'How long a new secret may take to authenticate (Entra propagation, retried with back-off) before the rotation is marked failed; both secrets are kept.',
    default: '120',
    deploy: 'optional',
  },
  {
    name: 'Rotation__Concurrency',
    description:
      'Apps worked on at the same time during a run (1-64). Each rotation waits for Entra to propagate its new credential (seconds, no SLA), so a run takes about (due rotations × that wait) / this; `npm run bench` measures it.',
    default: '16',
    deploy: 'optional',
  },
  {
    name: 'Rotation__MaxRetries',
    description:
      'Retries of one Graph call on 429/503/504 (the retry budget of a call); then that app fails for this run and the run goes on.',
    default: '5',
    deploy: 'optional',
  },
  {
    name: 'Rotation__RetryDelaySeconds',
    description: 'Base back-off when Graph sends no `Retry-After`.',
    default: '3',
    deploy: 'optional',
  },
  {
    name: 'Rotation__SignInActivity',
    description:
      'Check the beta `appCredentialSignInActivities` report before removing an old secret (needs `AuditLog.Read.All`, Entra ID P1/P2); `false` or a 403 skips the check, and the record says so.',
    default: 'true',
    deploy: 'optional',
  },
];
