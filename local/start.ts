import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningIdentity } from './entra/identity.js';
import { type RunningTopic, startTopic } from './eventgrid/topic.js';
import { generateKeys } from './host/keys.js';
import { PortInUseError } from './host/server.js';
import { type LocalSettings, readLocalSettings } from './host/settings.js';
import type { LocalStack } from './stack.js';
import { ensureCa, issueServerCertificate } from './tls/ca.js';

/**
 * `npm start`: the whole product locally, with state under `.local/`, until Ctrl-C: Azurite, the
 * Functions host and the identity stand-ins (Entra, Key Vault, Graph) with the demo tenant.
 * Node reads NODE_EXTRA_CA_CERTS only at start, so the first process makes sure the local CA
 * exists and runs the stack in a child process that trusts it (local/README.md, "TLS trust").
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** `--state <dir>` and `--settings <file>` move state elsewhere (the tests use temp dirs). */
const stateDir = resolve(argument('--state') ?? join(root, '.local'));
const settingsFile = resolve(argument('--settings') ?? join(root, 'local.settings.json'));
const tlsDir = join(stateDir, 'tls');
const CHILD_MARKER = 'LOCAL_STACK_TRUSTS_CA';

function portArgument(): number | undefined {
  const raw = argument('--port');
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('--port needs a number between 0 and 65535.');
    process.exit(2);
  }
  return port;
}

/** First run: local.settings.json from the example, with freshly generated host keys. */
function ensureSettings(): LocalSettings {
  if (!existsSync(settingsFile)) {
    const example = JSON.parse(
      readFileSync(join(root, 'local.settings.example.json'), 'utf8'),
    ) as LocalSettings;
    writeFileSync(settingsFile, `${JSON.stringify({ ...example, Keys: generateKeys() }, null, 2)}\n`, {
      mode: 0o600,
    });
    console.log(`Created ${settingsFile} with new local keys.`);
  }
  const settings = readLocalSettings(settingsFile);
  if (!settings) throw new Error(`Could not read ${settingsFile}.`);
  if (!settings.Keys?.master) {
    settings.Keys = { ...generateKeys(), ...settings.Keys };
    copyFileSync(settingsFile, `${settingsFile}.bak`);
    writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  }
  return settings;
}

/** The settings that point the product at the stand-ins and the demo gateway client. */
function identityValues(identity: RunningIdentity): Record<string, string> {
  const { apps } = identity;
  const audiences = [apps.api.appId, apps.api.identifierUri, apps.apiV1.identifierUri].filter(
    (audience): audience is string => Boolean(audience),
  );
  return {
    ...identity.productSettings(),
    ...identity.gatewayClientSettings([`${apps.api.identifierUri}/.default`]),
    // /api/validate: the flat `default` policy for the demo APIs, and a stricter named one.
    Validation__TenantId: identity.tenantId,
    Validation__Audiences: audiences.join(','),
    Validation__Policies: JSON.stringify({
      'certificate-only': {
        tenants: [identity.tenantId],
        audiences,
        requireCertificateCredential: true,
        // An app-only service API: a user token with the same role and azpacr is not a caller.
        tokenKind: 'app',
        requiredRoles: ['Orders.Read'], // granted to every demo client (local/directory/seed.ts)
      },
    }),
    ...callerValues(identity),
    // The dashboard: its SPA app, the product's API, this tenant and the Entra stand-in.
    ...identity.dashboardSettings(),
  };
}

/** The dashboard's URL and the demo people's sign-in (local passwords of the stand-in, nothing real). */
function dashboardBanner(identity: RunningIdentity, hostUrl: string): string {
  const { people, dashboard } = identity.apps;
  if (!people || !dashboard)
    return '  Dashboard        this tenant was seeded before the dashboard existed; delete .local/identity to get it.';
  return `  Dashboard        ${hostUrl}/api/dashboard   (sign in on the Entra stand-in's page)
    reader           ${people.reader.userPrincipalName}   password ${people.reader.password}   (has Credentials.Read)
    visitor          ${people.visitor.userPrincipalName}  password ${people.visitor.password}   (no Credentials.Read: sees "not allowed")`;
}

/**
 * The demo callers (shared/callers): the APIM instance may use the default client, the Envoy
 * sidecar a named client with the Envoy gateway's PFX certificate, and a caller token alone (no
 * function key) is how they call /api/token. A tenant seeded before callers existed has none.
 */
function callerValues(identity: RunningIdentity): Record<string, string> {
  const { apps } = identity;
  if (!apps.productApi || !apps.apimCaller || !apps.envoyCaller) return {};
  return {
    Callers__Audience: `${apps.productApi.identifierUri},${apps.productApi.appId}`,
    Callers__AllowKeyOnly: 'false',
    Callers__apim__ClientId: apps.apimCaller.appId,
    Callers__apim__Clients: 'default',
    Callers__apim__Operations: 'token,introspect,revoke,usage,credentials',
    Callers__envoy__ClientId: apps.envoyCaller.appId,
    Callers__envoy__Clients: 'envoy',
    Clients__envoy__ClientId: apps.gatewayPfx.appId,
    Clients__envoy__AllowedScopes: `${apps.api.identifierUri}/.default`,
    Clients__envoy__ClientCredentials__0__SourceType: 'KeyVault',
    Clients__envoy__ClientCredentials__0__KeyVaultUrl: identity.keyVaultUrl,
    Clients__envoy__ClientCredentials__0__KeyVaultCertificateName: apps.gatewayPfx.certificateName ?? '',
  };
}

/** The banner's secretless path: a caller token from the Entra stand-in, then /api/token with it alone. */
function callerCurl(identity: RunningIdentity, hostUrl: string, ca: string, seedFile: string): string {
  const { apps } = identity;
  if (!apps.productApi || !apps.apimCaller)
    return '  # Callers: this tenant was seeded before caller apps existed; delete .local/identity to get them.';
  return `  # Secretless: the APIM instance's own Entra token (its secret read from the seed file, never printed), then /api/token with it and no function key:
  CALLER=$(curl -s --cacert ${ca} ${identity.tokenEndpointV2} -d grant_type=client_credentials -d client_id=${apps.apimCaller.appId} \\
    --data-urlencode client_secret=$(node -p "require('${seedFile}').apimCaller.secret") -d scope=${apps.productApi.identifierUri}/.default | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  TOKEN=$(curl -s ${hostUrl}/api/token -H "Authorization: Bearer $CALLER" -d scope=${apps.api.identifierUri}/.default | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')`;
}

/** Writes the identity values into local.settings.json (they change when `.local/` is reset). */
function updateSettings(settings: LocalSettings, values: Record<string, string>): void {
  const changed = Object.entries(values).some(([name, value]) => settings.Values[name] !== value);
  if (!changed) return;
  settings.Values = { ...settings.Values, ...values };
  writeFileSync(settingsFile, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  console.log(`Pointed ${settingsFile} at the local identity stand-ins.`);
}

/** The Graph stand-in and what the demo tenant seeded for the credential inventory. */
function printGraphStandIn(identity: RunningIdentity, ca: string, seedFile: string): void {
  const { apps } = identity;
  const day = 24 * 3600 * 1000;
  const days = (end: string | undefined) => (end ? Math.round((Date.parse(end) - Date.now()) / day) : NaN);
  const partnerApps = (apps.partnerApps ?? []).map((app) => {
    const left = days(app.secretEnd);
    const status = left < 0 ? `expired ${-left} days ago` : `ends in ${left} days`;
    return `    ${app.displayName.padEnd(32)} ${app.appId}  secret ${status}`;
  });
  console.log(`Microsoft Graph stand-in   ${identity.graphUrl}/v1.0   (Graph__BaseUrl; beta at /beta)
  ${apps.product.displayName.padEnd(34)} owns ${apps.dcr.displayName} (Application.ReadWrite.OwnedBy, AuditLog.Read.All; Application.Read.All for the partner's apps)${
    apps.partnerGateway
      ? `
  ${apps.partnerGateway.displayName.padEnd(34)} ${apps.partnerGateway.appId}  sp ${apps.partnerGateway.servicePrincipalId}, owns:
${partnerApps.join('\n')}`
      : ''
  }
  # The apps the product's identity owns, through the Graph stand-in:
  GRAPH=$(curl -s --cacert ${ca} ${identity.tokenEndpointV2} -d grant_type=client_credentials -d client_id=${apps.product.appId} \\
    --data-urlencode client_secret=$(node -p "require('${seedFile}').product.secret") -d scope=https://graph.microsoft.com/.default | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  curl -s --cacert ${ca} "${identity.graphUrl}/v1.0/servicePrincipals/${apps.product.servicePrincipalId}/ownedObjects?\\$select=appId,displayName,passwordCredentials" -H "Authorization: Bearer $GRAPH"
`);
}

/** Parent: ensure the CA, then run the stack in a child that trusts it; pass signals on. */
function runTrustingChild(): void {
  const ca = ensureCa(tlsDir);
  // Keep any CA the user already trusts (corporate proxy) next to ours.
  const previous = process.env.NODE_EXTRA_CA_CERTS;
  let bundle = ca.certFile;
  if (previous && resolve(previous) !== ca.certFile && existsSync(previous)) {
    bundle = join(tlsDir, 'trust-bundle.pem');
    writeFileSync(bundle, `${readFileSync(previous, 'utf8').trim()}\n${ca.certPem}`);
  }
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle, LOCAL_TLS_DIR: tlsDir, [CHILD_MARKER]: ca.certFile },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/**
 * The demo's first inventory run, at once rather than at the next hour (Inventory__Schedule), so
 * the dashboard and /api/credentials show the demo tenant right away. Through the admin endpoint,
 * as a person would start it; the host answers 202 and the run goes on in the background.
 */
async function firstInventoryRun(hostUrl: string, masterKey: string): Promise<void> {
  try {
    const response = await fetch(`${hostUrl}/admin/functions/inventoryCredentials`, {
      method: 'POST',
      headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' },
      body: '{"input":""}',
    });
    console.log(
      response.status === 202
        ? 'First inventory run started: the dashboard and /api/credentials fill in within seconds.'
        : `The first inventory run was not started (admin endpoint answered ${response.status}); it runs on its schedule.`,
    );
  } catch (error) {
    console.log(
      `The first inventory run was not started (${(error as Error).message}); it runs on its schedule.`,
    );
  }
}

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const settings = ensureSettings();
  const port = portArgument();
  // Loaded here, not at the top: the parent process only ensures the CA and starts this one.
  const { startIdentity, startStack } = await import('./stack.js');
  const identity = await startIdentity({
    seed: 'demo',
    stateDir: join(stateDir, 'identity'),
    tlsDir,
    // Fixed ports keep local.settings.json valid across restarts; --port 0 (tests) frees them all.
    ...(port === 0 ? {} : { entraPort: 7443, keyVaultPort: 7444, graphPort: 7445 }),
  });
  let stack: LocalStack;
  let topic: RunningTopic | undefined;
  try {
    // The product's custom topic (CredentialExpiring), delivering to auditEvents as the Bicep's subscription does.
    topic = await startTopic({
      certificate: issueServerCertificate(ensureCa(tlsDir)),
      ...(port === 0 ? {} : { port: 7446 }),
      ...(settings.Values.EventGrid__TopicKey ? { key: settings.Values.EventGrid__TopicKey } : {}),
    });
    // The demo inventory also watches the partner gateway's DCR apps, which needs Application.Read.All.
    const partner = identity.apps.partnerGateway;
    if (partner)
      identity.directory.assignRole(
        identity.apps.product.appId,
        identity.apps.graph.appId,
        'Application.Read.All',
      );
    const values = {
      ...identityValues(identity),
      ...(partner ? { Inventory__OwnerServicePrincipalIds: partner.servicePrincipalId } : {}),
      // Rotation adopts the partner portal app's 10-day secret, so a new user sees a real rotation.
      Rotation__KeyVaultUrl: identity.keyVaultUrl,
      ...(identity.apps.dcr ? { Rotation__ManagedAppIds: identity.apps.dcr.appId } : {}),
      // ... and keeps the APIM gateway app's certificate registered: renew `apim-gateway` in the vault to see it.
      ...(identity.apps.gateway?.certificateName
        ? {
            Rotation__Certificates: `${identity.apps.gateway.appId}=${identity.apps.gateway.certificateName}`,
          }
        : {}),
      EventGrid__TopicEndpoint: topic.endpoint,
      EventGrid__TopicKey: topic.key,
    };
    updateSettings(settings, values);
    stack = await startStack({
      // package.json `main`: the bundle the deployment ships (scripts/bundle.mjs).
      main: join(root, 'dist', 'bundle', 'app.js'),
      stateDir,
      settings: { ...settings, Values: { ...settings.Values, ...values } },
      identity,
      ...(port === undefined ? {} : { port }),
    });
  } catch (error) {
    await topic?.close();
    await identity.stop();
    throw error;
  }
  const { host } = stack;
  // The seeded SPA registration names http://127.0.0.1:7071/api/dashboard; another port needs its own.
  if (identity.apps.dashboard) identity.addDashboardRedirectUri(`${host.url}/api/dashboard`);
  // Key Vault events go to the audit function, as an Event Grid subscription would deliver them.
  identity.keyVault.setEventGridUrl(host.eventGridUrl('auditEvents'));
  topic.setSubscriptionUrl(host.eventGridUrl('auditEvents'));
  const { apps } = identity;
  const { AUDIT_LOG_CONTAINER, seedDemoAuditLog } = await import('./entra-audit-logs.js');
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const auditLog = await seedDemoAuditLog(
    BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
      AUDIT_LOG_CONTAINER,
    ),
    identity.tenantId,
    apps.dcr,
  );
  const ca = join(tlsDir, 'ca.pem');
  const seedFile = join(stateDir, 'identity', 'seeded-apps.json');
  const hostKey = stack.keys.host.default ?? stack.keys.master;
  console.log(`
Local stack is running (state in ${stateDir}).
  Functions host   ${host.url}/api/<route>
  Health           ${host.url}/api/health
  Admin run        POST ${host.url}/admin/functions/<name>   (x-functions-key: master key)
  Event Grid       POST ${host.url}/runtime/webhooks/EventGrid?functionName=<name>&code=<eventgrid_extension key>
  Azurite          blob ${stack.azurite.blobEndpoint}  queue ${stack.azurite.queueEndpoint}  table ${stack.azurite.tableEndpoint}
  Keys             in ${settingsFile} ("Keys")
${dashboardBanner(identity, host.url)}
  Event Grid topic ${topic.endpoint}   (EventGrid__TopicEndpoint; CredentialExpiring → auditEvents)
  Entra audit log  ${auditLog ? `${AUDIT_LOG_CONTAINER}/${auditLog} written (two appends); ` : ''}ingestEntraAuditLogs reads it within 5 minutes; GET ${host.url}/api/audit?outOfBand=true

Identity stand-ins (demo tenant ${identity.tenantId}; HTTPS, CA ${ca})
  Entra            ${identity.authority}   (v2 issuer ${identity.issuerV2})
  Key Vault        ${identity.keyVaultUrl}
  ${apps.api.displayName.padEnd(34)} ${apps.api.appId}  ${apps.api.identifierUri ?? ''}
  ${apps.apiV1.displayName.padEnd(34)} ${apps.apiV1.appId}  ${apps.apiV1.identifierUri ?? ''}
  ${apps.gateway.displayName.padEnd(34)} ${apps.gateway.appId}  certificate "${apps.gateway.certificateName}" in Key Vault
  ${apps.gatewayPfx.displayName.padEnd(34)} ${apps.gatewayPfx.appId}  certificate "${apps.gatewayPfx.certificateName}" (PFX)
  ${apps.secretClient.displayName.padEnd(34)} ${apps.secretClient.appId}  secret (azpacr 1)
  ${apps.dcr.displayName.padEnd(34)} ${apps.dcr.appId}  secret ends ${apps.dcr.secretEnd}
  Secrets of the demo apps: ${seedFile}

Try:
  curl -s ${host.url}/api/health
  # A token for the demo API through the product (certificate from the Key Vault stand-in), then validate it.
${callerCurl(identity, host.url, ca, seedFile)}
  curl -si ${host.url}/api/validate/certificate-only -H 'x-functions-key: ${hostKey}' -H "Authorization: Bearer $TOKEN"
  # The credential inventory: run it now, then read the report (also ?format=csv, ?status=warning,expired):
  curl -s -X POST ${host.url}/admin/functions/inventoryCredentials -H "x-functions-key: $(node -p "require('${settingsFile}').Keys.master")" -H 'content-type: application/json' -d '{"input":""}'
  curl -s "${host.url}/api/credentials?withinDays=90" -H "Authorization: Bearer $CALLER"
  # A token straight from the Entra stand-in, for a client with a secret (read from the seed file, never printed):
  curl -s --cacert ${ca} ${identity.tokenEndpointV2} \\
    -d grant_type=client_credentials -d client_id=${apps.secretClient.appId} \\
    --data-urlencode client_secret=$(node -p "require('${seedFile}').secretClient.secret") -d scope=${apps.api.identifierUri}/.default

Press Ctrl-C to stop.
`);
  printGraphStandIn(identity, ca, seedFile);
  await firstInventoryRun(host.url, stack.keys.master);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received, stopping...`);
    await stack.stop();
    await topic?.close();
    await identity.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (process.env[CHILD_MARKER] !== resolve(tlsDir, 'ca.pem')) {
  runTrustingChild();
} else {
  main().catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException)?.code === 'EADDRINUSE') {
      console.error(
        `${(error as Error).message}: the identity stand-ins use ports 7443 (Entra), 7444 (Key Vault) and 7445 (Graph). Stop what holds them, or run with --port 0 for free ports.`,
      );
      process.exit(1);
    }
    console.error(error instanceof PortInUseError ? error.message : error);
    process.exit(1);
  });
}
