import type { VaultStore } from '../keyvault/store.js';
import { PEM, PKCS12 } from '../keyvault/store.js';
import type { Application, Directory } from './directory.js';

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
}

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
    appRoles: [{ value: 'Application.ReadWrite.OwnedBy' }, { value: 'Application.Read.All' }],
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
  const withSecret = (displayName: string, end?: Date) => {
    const app = directory.addApplication({ displayName });
    const added = directory.addPassword(app.appId, { displayName: 'seeded', ...(end ? { end } : {}) });
    return summary(app, { secret: added.secretText, secretEnd: added.endDateTime });
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

  return {
    api: summary(api),
    apiV1: summary(apiV1),
    gateway,
    gatewayPfx,
    secretClient,
    dcr,
    product,
    keyVault: summary(keyVault),
    graph: summary(graph),
  };
}
