import { X509Certificate } from 'node:crypto';
import type { CredentialUse } from '../directory/credential-activity.js';
import type { Application, Directory, KeyCredential, PasswordCredential } from '../directory/directory.js';

/**
 * Directory records in Graph's JSON shapes (Microsoft Graph v1.0 reference): "application
 * resource type", "passwordCredential resource type", "keyCredential resource type",
 * "servicePrincipal resource type" (as an owner), and beta "appCredentialSignInActivity
 * resource type". Only the properties an inventory reads, plus the keys that identify objects.
 */
export const APPLICATION_TYPE = 'microsoft.graph.application';
export const APPLICATION_PROPERTIES = [
  'id',
  'appId',
  'displayName',
  'createdDateTime',
  'deletedDateTime',
  'identifierUris',
  'signInAudience',
  'api',
  'appRoles',
  'keyCredentials',
  'passwordCredentials',
] as const;

/**
 * passwordCredential: `secretText` is only ever returned by addPassword, so reads carry it as
 * null; `hint` is the secret's first three characters; `customKeyIdentifier` is null for secrets
 * Graph created.
 */
export function passwordCredential(c: PasswordCredential) {
  return {
    customKeyIdentifier: null,
    displayName: c.displayName,
    endDateTime: c.endDateTime,
    hint: c.hint,
    keyId: c.keyId,
    secretText: null,
    startDateTime: c.startDateTime,
  };
}

/**
 * keyCredential: `customKeyIdentifier` defaults to the certificate thumbprint; `key` (base64 DER)
 * is "returned only on $select for a single object, that is, GET applications/{id}?$select=
 * keyCredentials ...; otherwise, it is always null".
 */
export function keyCredential(c: KeyCredential, withKey: boolean) {
  return {
    customKeyIdentifier: c.thumbprintSha1,
    displayName: c.displayName,
    endDateTime: c.endDateTime,
    key: withKey ? new X509Certificate(c.certificatePem).raw.toString('base64') : null,
    keyId: c.keyId,
    startDateTime: c.startDateTime,
    type: c.type,
    usage: c.usage,
  };
}

export function applicationResource(app: Application, options: { withKey?: boolean } = {}) {
  return {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    createdDateTime: app.createdDateTime ?? null,
    deletedDateTime: null,
    identifierUris: app.identifierUris,
    signInAudience: app.signInAudience ?? 'AzureADMyOrg',
    api: { requestedAccessTokenVersion: app.accessTokenAcceptedVersion },
    appRoles: app.appRoles.map((role) => ({
      allowedMemberTypes: role.allowedMemberTypes,
      description: role.displayName,
      displayName: role.displayName,
      id: role.id,
      isEnabled: role.isEnabled,
      origin: 'Application',
      value: role.value,
    })),
    keyCredentials: app.keyCredentials.map((c) => keyCredential(c, options.withKey === true)),
    passwordCredentials: app.passwordCredentials.map(passwordCredential),
  };
}

/** An owner: a service principal of this directory, or an id-only directoryObject otherwise. */
export function ownerResource(directory: Directory, ownerId: string) {
  const app = directory.findByServicePrincipalId(ownerId);
  if (!app) return { '@odata.type': '#microsoft.graph.directoryObject', id: ownerId };
  return {
    '@odata.type': '#microsoft.graph.servicePrincipal',
    id: app.servicePrincipalId,
    accountEnabled: true,
    appId: app.appId,
    displayName: app.displayName,
    servicePrincipalType: 'Application',
  };
}

/**
 * One appCredentialSignInActivity from a recorded credential use. `credentialOrigin` is
 * `application` (credentials live on the application object here); `keyUsage` follows the
 * reference's examples (`sign` for a secret, `verify` for a certificate); the credential's dates
 * come from the directory (null once the credential was removed).
 */
export function signInActivityResource(directory: Directory, use: CredentialUse) {
  const app = directory.find(use.appId);
  const credential =
    use.keyType === 'clientSecret'
      ? app?.passwordCredentials.find((c) => c.keyId === use.keyId)
      : app?.keyCredentials.find((c) => c.keyId === use.keyId);
  return {
    id: Buffer.from(`${use.keyId}|application`).toString('base64'),
    appId: use.appId,
    appObjectId: app?.id ?? null,
    createdDateTime: credential?.startDateTime ?? null,
    credentialOrigin: 'application',
    expirationDateTime: credential?.endDateTime ?? null,
    keyId: use.keyId,
    keyType: use.keyType,
    keyUsage: use.keyType === 'clientSecret' ? 'sign' : 'verify',
    resourceId: directory.find(use.resourceAppId)?.servicePrincipalId ?? null,
    servicePrincipalObjectId: app?.servicePrincipalId ?? null,
    signInActivity: {
      lastSignInDateTime: use.lastSignInDateTime,
      lastSignInRequestId: use.lastSignInRequestId,
    },
  };
}

export const SIGN_IN_ACTIVITY_PROPERTIES = [
  'id',
  'appId',
  'appObjectId',
  'createdDateTime',
  'credentialOrigin',
  'expirationDateTime',
  'keyId',
  'keyType',
  'keyUsage',
  'resourceId',
  'servicePrincipalObjectId',
  'signInActivity',
] as const;
