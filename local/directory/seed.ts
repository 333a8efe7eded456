import { randomBytes } from 'node:crypto';
import type { VaultStore } from '../keyvault/store.js';
import { PEM, PKCS12 } from '../keyvault/store.js';
import type { Application, Directory } from './directory.js';
import type { Users } from './users.js';

/**
 * Seeded tenants. `test`: fixed, small set of apps the integration tests rely on (local/README.md
 * lists them). `demo`: the `npm start` story (README "Local identity stack").
 */
export interface SeededApp {
  appId: string;
  objectId: string;
  servicePrincipalId: string;
  displayName: string;
  identifierUri?: string;
  secret?: string;
  /** keyId of that secret (Graph `passwordCredentials[].keyId`). */
  secretKeyId?: string;
  secretEnd?: string;
  certificateName?: string;
  thumbprintSha1?: string;
  thumbprintSha256?: string;
}

export type SeedKind = 'test' | 'demo' | 'none';

export interface SeededApps {
  api: SeededApp;
  apiV1: SeededApp;
  gateway: SeededApp;
  gatewayPfx: SeededApp;
  secretClient: SeededApp;
  dcr: SeededApp;
  product: SeededApp;
  keyVault: SeededApp;
  graph: SeededApp;
  /** The DCR client provider's own app: its service principal owns `partnerApps`. */
  partnerGateway: SeededApp;
  /** DCR-style client apps, one secret each, ending in 10, 40, 200 days and one already ended. */
  partnerApps: SeededApp[];
  /** The product's own API (App ID URI, app roles): the audience of caller tokens (`Callers__Audience`). */
  productApi: SeededApp;
  /** A caller with a secret, standing in for an APIM instance's managed identity. */
  apimCaller: SeededApp;
  /** A caller with a certificate (in the Key Vault stand-in), an Envoy sidecar. */
  envoyCaller: SeededApp;
  /** The dashboard's single-page-application registration (redirect URI of `npm start`). */
  dashboard: SeededApp;
  /** Demo people of the dashboard: `reader` consented to Credentials.Read, `visitor` did not. */
  people: { reader: SeededUser; visitor: SeededUser };
}

export interface SeededUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  password: string;
}

/** The dashboard's redirect URI under `npm start` (README "Dashboard"). */
export const DASHBOARD_REDIRECT_URI = 'http://127.0.0.1:7071/api/dashboard';
/** Delegated scopes the product's API exposes: the dashboard's, and the portal's classic default. */
export const PRODUCT_API_SCOPES = ['Credentials.Read', 'user_impersonation'] as const;

/** App roles of the product's API that grant caller operations (shared/callers/grants.ts). */
export const PRODUCT_API_ROLES = ['Tokens.Request', 'Credentials.Read', 'Audit.Read'] as const;

/** Days from seeding to the end of each partner app's secret (negative: already expired). */
export const PARTNER_SECRET_DAYS = [10, 40, 200, -5] as const;

/** Well-known first-party resources ("Verify first-party Microsoft applications in sign-in reports"). */
export const KEY_VAULT_APP_ID = 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const DAY = 24 * 3600 * 1000;

function summary(app: Application, extra: Partial<SeededApp> = {}): SeededApp {
  return {
    appId: app.appId,
    objectId: app.id,
    servicePrincipalId: app.servicePrincipalId,
    displayName: app.displayName,
    ...(app.identifierUris[0] ? { identifierUri: app.identifierUris[0] } : {}),
    ...extra,
  };
}

export function seedTenant(
  kind: Exclude<SeedKind, 'none'>,
  directory: Directory,
  vault: VaultStore,
  users: Users,
): SeededApps {
  const demo = kind === 'demo';
  const now = directory.clock();
  const keyVault = directory.addApplication({
    appId: KEY_VAULT_APP_ID,
    displayName: 'Azure Key Vault',
    identifierUris: ['https://vault.azure.net'],
    accessTokenAcceptedVersion: 1,
  });
  const graph = directory.addApplication({
    appId: GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    identifierUris: ['https://graph.microsoft.com'],
    appRoles: [
      { value: 'Application.ReadWrite.OwnedBy' },
      { value: 'Application.Read.All' },
      { value: 'AuditLog.Read.All' },
    ],
    accessTokenAcceptedVersion: 1,
  });
  const api = directory.addApplication({
    displayName: demo ? 'Contoso Orders API' : 'Test API',
    appRoles: demo
      ? [{ value: 'Orders.Read' }, { value: 'Orders.Write' }]
      : [{ value: 'Tokens.Read' }, { value: 'Tokens.Write' }],
    accessTokenAcceptedVersion: 2,
  });
  // The App ID URI defaults to api://{appId}, as the portal's "Expose an API" suggests.
  api.identifierUris.push(`api://${api.appId}`);
  const apiV1 = directory.addApplication({
    displayName: demo ? 'Contoso Legacy API (v1 tokens)' : 'Test legacy API (v1 tokens)',
    identifierUris: [demo ? 'api://contoso-legacy' : 'api://legacy-api'],
    appRoles: [{ value: 'Legacy.Read' }],
    accessTokenAcceptedVersion: null,
  });
  const [read, write] = demo ? ['Orders.Read', 'Orders.Write'] : ['Tokens.Read', 'Tokens.Write'];

  const withCertificate = (displayName: string, certificateName: string, contentType: string) => {
    const app = directory.addApplication({ displayName });
    const cert = vault.createCertificate(certificateName, {
      secret_props: { contentType },
      x509_props: { subject: `CN=${certificateName}`, validity_months: 12 },
    });
    directory.addKey(app.appId, cert.certPem, { displayName: `CN=${certificateName}` });
    return summary(app, {
      certificateName,
      thumbprintSha1: cert.thumbprintSha1,
      thumbprintSha256: cert.thumbprintSha256,
    });
  };
  const withSecret = (displayName: string, end?: Date, start?: Date, owners?: string[]) => {
    const app = directory.addApplication({ displayName, ...(owners ? { owners } : {}) });
    const added = directory.addPassword(app.appId, {
      displayName: 'seeded',
      ...(end ? { end } : {}),
      ...(start ? { start } : {}),
    });
    return summary(app, { secret: added.secretText, secretKeyId: added.keyId, secretEnd: added.endDateTime });
  };

  const gateway = withCertificate(
    demo ? 'APIM gateway' : 'Test gateway (cert, PEM)',
    demo ? 'apim-gateway' : 'gateway-cert',
    PEM,
  );
  const gatewayPfx = withCertificate(
    demo ? 'Envoy gateway (PFX)' : 'Test gateway (cert, PFX)',
    demo ? 'envoy-gateway' : 'gateway-pfx',
    PKCS12,
  );
  const secretClient = withSecret(demo ? 'Legacy batch job (secret)' : 'Test client (secret)');
  const dcr = withSecret(demo ? 'Partner portal (DCR client)' : 'Test DCR client', new Date(now + 10 * DAY));
  const product = withSecret(demo ? 'Token plumbing (local identity)' : 'Test product identity');

  for (const client of [gateway, gatewayPfx, secretClient, dcr]) {
    directory.assignRole(client.appId, api.appId, read as string);
    directory.assignRole(client.appId, apiV1.appId, 'Legacy.Read');
  }
  directory.assignRole(gateway.appId, api.appId, write as string);
  directory.assignRole(product.appId, graph.appId, 'Application.ReadWrite.OwnedBy');
  // The inventory's last-use column reads the credential activity report (AuditLog.Read.All).
  directory.assignRole(product.appId, graph.appId, 'AuditLog.Read.All');
  // The product's own identity owns the partner portal app (the inventory watches what it owns).
  directory.addOwner(dcr.appId, product.servicePrincipalId);
  // Demo: the product also owns the APIM gateway app, so rotation can register its renewed certificate.
  if (demo) directory.addOwner(gateway.appId, product.servicePrincipalId);

  // A DCR client provider (MuleSoft Anypoint's "OpenID Connect DCR for Microsoft Entra ID"):
  // its service principal creates one app per consumer through Application.ReadWrite.OwnedBy and
  // so owns them; each app has one secret.
  const partnerGateway = withSecret(
    demo ? 'Partner gateway (Anypoint client provider)' : 'Test partner gateway (DCR provider)',
  );
  directory.assignRole(partnerGateway.appId, graph.appId, 'Application.ReadWrite.OwnedBy');
  const partnerNames = demo
    ? [
        'Acme Logistics (Anypoint DCR)',
        'Globex Mobile (Anypoint DCR)',
        'Initech Portal (Anypoint DCR)',
        'Umbrella Analytics (Anypoint DCR)',
      ]
    : PARTNER_SECRET_DAYS.map((days) => `Test DCR app (secret ${days} days)`);
  const partnerApps = PARTNER_SECRET_DAYS.map((days, index) => {
    const end = new Date(now + days * DAY);
    const start = days < 0 ? new Date(end.getTime() - 180 * DAY) : undefined;
    const app = withSecret(partnerNames[index] ?? `DCR app ${index}`, end, start, [
      partnerGateway.servicePrincipalId,
    ]);
    directory.assignRole(app.appId, api.appId, read as string);
    return app;
  });

  // The product's own API, as "Expose an API" creates it, and two callers of it. Their tokens are
  // app-only: a gateway calls /api/token for itself, no user is involved.
  const productApi = directory.addApplication({
    displayName: demo ? 'Token plumbing API' : 'Test product API',
    appRoles: PRODUCT_API_ROLES.map((value) => ({ value })),
    accessTokenAcceptedVersion: 2,
  });
  productApi.identifierUris.push(`api://${productApi.appId}`);
  const apimCaller = withSecret(demo ? 'APIM instance (managed identity)' : 'Test caller (secret)');
  const envoyCaller = withCertificate(
    demo ? 'Envoy sidecar' : 'Test caller (cert)',
    demo ? 'envoy-sidecar' : 'caller-cert',
    PEM,
  );
  directory.assignRole(apimCaller.appId, productApi.appId, 'Tokens.Request');
  directory.assignRole(envoyCaller.appId, productApi.appId, 'Tokens.Request');

  // The dashboard: a SPA registration, and two people who signed in to it. Each consented for
  // themselves (an oAuth2PermissionGrant of consentType Principal): the reader to Credentials.Read,
  // the visitor only to user_impersonation, so the visitor's tokens lack Credentials.Read.
  directory.exposeScopes(productApi.appId, [...PRODUCT_API_SCOPES]);
  const dashboardApp = directory.addApplication({
    displayName: demo ? 'Credential dashboard (SPA)' : 'Test dashboard (SPA)',
  });
  directory.addSpaRedirectUris(dashboardApp.appId, [DASHBOARD_REDIRECT_URI]);
  const person = (userPrincipalName: string, displayName: string, scope: string): SeededUser => {
    const password = `${randomBytes(9).toString('base64url')}-Aa1`;
    const user = users.add({ userPrincipalName, displayName, password });
    users.grant({
      clientAppId: dashboardApp.appId,
      principalId: user.id,
      resourceAppId: productApi.appId,
      scope,
    });
    return { id: user.id, userPrincipalName, displayName, password };
  };
  const people = {
    reader: person('reader@contoso.local', 'Riley Reader', 'Credentials.Read'),
    visitor: person('visitor@contoso.local', 'Val Visitor', 'user_impersonation'),
  };

  return {
    dashboard: summary(dashboardApp),
    people,
    productApi: summary(productApi),
    apimCaller,
    envoyCaller,
    api: summary(api),
    apiV1: summary(apiV1),
    gateway,
    gatewayPfx,
    secretClient,
    dcr,
    product,
    keyVault: summary(keyVault),
    graph: summary(graph),
    partnerGateway,
    partnerApps,
  };
}
