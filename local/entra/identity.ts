import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { CredentialActivity } from '../directory/credential-activity.js';
import { Directory } from '../directory/directory.js';
import { type SeededApps, type SeedKind, seedTenant } from '../directory/seed.js';
import { Users } from '../directory/users.js';
import type { GraphFaultMode, GraphFaultOptions } from '../graph/faults.js';
import { type GraphWrite, type ReportsMode, type RunningGraph, startGraph } from '../graph/server.js';
import type { LifetimePolicy } from '../graph/writes.js';
import { type EventGridEvent, EventPublisher } from '../keyvault/events.js';
import { type RunningKeyVault, startKeyVault, type VaultWrite } from '../keyvault/server.js';
import { type CreateCertificateOptions, type SetSecretOptions, VaultStore } from '../keyvault/store.js';
import { ensureCa, issueServerCertificate } from '../tls/ca.js';
import { Counters } from './counters.js';
import { publicJwk, SigningKeys } from './keys.js';
import {
  type AppTokenRequest,
  type MintContext,
  mintAppToken,
  mintUserToken,
  type UserTokenRequest,
} from './mint.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  type EndpointMode,
  type RunningEntra,
  startEntra,
  type ThrottleOptions,
  type TokenMode,
} from './server.js';

/**
 * The local identity stack: one directory, the Entra ID stand-in, the Key Vault stand-in and the
 * Microsoft Graph stand-in, on loopback HTTPS with the local CA. The contract for tests is local/README.md.
 */
export interface IdentityOptions {
  seed?: SeedKind;
  /** Persist directory, signing keys and vault under this folder; in memory when omitted. */
  stateDir?: string;
  /** Folder of the local CA; `LOCAL_TLS_DIR` or a new temp dir by default. */
  tlsDir?: string;
  eventGridUrl?: string;
  v1Issuer?: 'sts' | 'local';
  clock?: () => number;
  /** Fixed ports (`npm start`); free ports by default. */
  entraPort?: number;
  keyVaultPort?: number;
  graphPort?: number;
  /** Random source of the Graph stand-in's fault `rate` (tests pass a seeded one). */
  random?: () => number;
  /** More redirect URIs of the dashboard's SPA registration (a test host's `<url>/api/dashboard`). */
  dashboardRedirectUris?: string[];
}

export interface Controls {
  rotateSigningKey(): Promise<{ kid: string; previousKid: string }>;
  retireKey(kid: string): Promise<boolean>;
  currentKid(): string;
  setJwks(mode: EndpointMode): void;
  /** `'throttle'`: 429 with `Retry-After: options.retryAfterSeconds` (default 60). */
  setToken(mode: TokenMode, options?: ThrottleOptions): void;
  mintUserToken(request: UserTokenRequest): Promise<string>;
  mintAppToken(request: AppTokenRequest): Promise<string>;
  /** Graph stand-in faults: `throttle` (429), `unavailable` (503), `hang` (local/graph/faults.ts). */
  setGraph(mode: GraphFaultMode, options?: GraphFaultOptions): void;
  /** `unlicensed`: the Graph reports API answers as in a tenant without Entra ID P1/P2. */
  setGraphReports(mode: ReportsMode): void;
  /** A tenant policy capping secret lifetimes at addPassword; null removes it. */
  setGraphLifetimePolicy(policy: LifetimePolicy | null): void;
  /** A new secret or certificate does not authenticate at the Entra stand-in for this many seconds. */
  setPropagationDelay(seconds: number): void;
  /** The crash switch: the next `count` calls of a write are carried out, then the connection drops. */
  crashGraphAfter(operation: GraphWrite, count?: number): void;
  crashKeyVaultAfter(operation: VaultWrite, count?: number): void;
  /** `down`: the Key Vault stand-in answers 503 to everything. */
  setKeyVault(mode: 'ok' | 'down'): void;
  reset(): void;
}

export interface IdentityKeyVault {
  store: VaultStore;
  setEventGridUrl(url: string | undefined): void;
  setSecret(name: string, value: string, options?: SetSecretOptions): { version: string };
  createCertificate(
    name: string,
    options?: CreateCertificateOptions,
  ): ReturnType<VaultStore['createCertificate']>;
  sweep(): Promise<EventGridEvent[]>;
  flushEvents(): Promise<void>;
  deliveries: EventPublisher['deliveries'];
}

export interface RunningIdentity {
  tenantId: string;
  authorityHost: string;
  authority: string;
  issuerV2: string;
  issuerV1: string;
  discoveryV2: string;
  discoveryV1: string;
  tokenEndpointV2: string;
  tokenEndpointV1: string;
  jwksUriV2: string;
  jwksUriV1: string;
  keyVaultUrl: string;
  /** The Graph stand-in, `https://127.0.0.1:<graphPort>` (in place of `https://graph.microsoft.com`). */
  graphUrl: string;
  /** Which credential (keyId) authenticated each client's last successful token request. */
  credentialActivity: CredentialActivity;
  caPem: string;
  caFile: string;
  adminUrl: string;
  apps: SeededApps;
  directory: Directory;
  keyVault: IdentityKeyVault;
  counters: Counters;
  controls: Controls;
  productSettings(): Record<string, string>;
  /** The default token client (`AzureAd`): the seeded gateway app with its Key Vault certificate. */
  gatewayClientSettings(allowedScopes: string[]): Record<string, string>;
  msalAuthorityOptions(): { authority: string; knownAuthorities: string[] };
  /** The settings that turn the dashboard on against this tenant (its SPA app, the product's API). */
  dashboardSettings(): Record<string, string>;
  /** Registers another redirect URI on the dashboard's SPA app (a stack on a free port). */
  addDashboardRedirectUri(uri: string): void;
  /** People who sign in to the dashboard. */
  users: Users;
  stop(): Promise<void>;
}

const SEED_FILE = 'seeded-apps.json';

function readJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
}

export async function startIdentity(options: IdentityOptions = {}): Promise<RunningIdentity> {
  const tlsDir = options.tlsDir ?? process.env.LOCAL_TLS_DIR ?? mkdtempSync(join(tmpdir(), 'local-tls-'));
  const ca = ensureCa(tlsDir);
  const certificate = issueServerCertificate(ca);
  const stateDir = options.stateDir;
  const clock = options.clock ?? (() => Date.now());
  const directory = new Directory({ ...(stateDir ? { file: join(stateDir, 'directory.json') } : {}), clock });
  const keys = new SigningKeys(stateDir ? join(stateDir, 'signing-keys.json') : undefined);
  const counters = new Counters();
  const store = new VaultStore(stateDir ? join(stateDir, 'vault.json') : undefined, clock);
  const activity = new CredentialActivity(stateDir ? join(stateDir, 'credential-activity.json') : undefined);
  const users = new Users(stateDir ? join(stateDir, 'users.json') : undefined);
  let entra: RunningEntra | undefined;
  let vault: RunningKeyVault | undefined;
  let graph: RunningGraph | undefined;
  let controls: Controls;

  async function admin(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) {
    // Test-only controls ("test controls" in local/README.md); never part of the product.
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    try {
      const json = readJson(body);
      if (req.method === 'GET' && path === '/counters') return reply(200, counters.snapshot());
      if (req.method !== 'POST') return reply(405, { error: 'use POST' });
      if (path === '/rotate-signing-key') return reply(200, await controls.rotateSigningKey());
      if (path === '/retire-key')
        return reply(200, { retired: await controls.retireKey(String(json.kid ?? '')) });
      if (path === '/jwks') {
        const mode = String(json.mode ?? 'ok') as EndpointMode;
        if (!['ok', 'fail', 'hang'].includes(mode))
          return reply(400, { error: 'mode must be ok, fail or hang' });
        controls.setJwks(mode);
        return reply(200, { mode });
      }
      if (path === '/token') {
        const mode = String(json.mode ?? 'ok') as TokenMode;
        if (!['ok', 'fail', 'hang', 'throttle'].includes(mode))
          return reply(400, { error: 'mode must be ok, fail, hang or throttle' });
        const seconds = json.retryAfterSeconds;
        if (seconds !== undefined && !(Number.isInteger(seconds) && Number(seconds) >= 1))
          return reply(400, { error: 'retryAfterSeconds must be a whole number of seconds, at least 1' });
        controls.setToken(mode, seconds === undefined ? {} : { retryAfterSeconds: Number(seconds) });
        return reply(200, {
          mode,
          ...(mode === 'throttle' ? { retryAfterSeconds: seconds ?? DEFAULT_RETRY_AFTER_SECONDS } : {}),
        });
      }
      if (path === '/user-token')
        return reply(200, {
          access_token: await controls.mintUserToken(json as unknown as UserTokenRequest),
        });
      if (path === '/propagation') {
        controls.setPropagationDelay(Number(json.seconds ?? 0));
        return reply(200, { seconds: Number(json.seconds ?? 0) });
      }
      if (path === '/reset') {
        controls.reset();
        return reply(200, {});
      }
      return reply(404, { error: `no control at ${path}` });
    } catch (error) {
      return reply(400, { error: (error as Error).message });
    }
  }

  try {
    entra = await startEntra({
      directory,
      users,
      keys,
      certificate,
      counters,
      activity,
      v1Issuer: options.v1Issuer ?? 'sts',
      admin,
      ...(options.entraPort === undefined ? {} : { port: options.entraPort }),
    });
    const running = entra;
    vault = await startKeyVault({
      store,
      certificate,
      counters,
      tenantId: directory.tenantId,
      authorityHost: running.authorityHost,
      issuers: [running.issuerV1, running.issuerV2],
      publishedKeys: () => keys.all().map((k) => publicJwk(k) as JWK),
      ...(options.keyVaultPort === undefined ? {} : { port: options.keyVaultPort }),
    });
    graph = await startGraph({
      directory,
      activity,
      certificate,
      counters,
      issuers: [running.issuerV1, running.issuerV2],
      publishedKeys: () => keys.all().map((k) => publicJwk(k) as JWK),
      clock,
      ...(options.random ? { random: options.random } : {}),
      ...(options.graphPort === undefined ? {} : { port: options.graphPort }),
    });
    const graphServer = graph;
    const vaultControls = vault.controls;
    const publisher = new EventPublisher(vault.url, 'local-vault', options.eventGridUrl);
    store.onEvent((event) => publisher.publish(event));

    const seedFile = stateDir ? join(stateDir, SEED_FILE) : undefined;
    let apps: SeededApps;
    if (seedFile && existsSync(seedFile) && !directory.isEmpty) {
      apps = JSON.parse(readFileSync(seedFile, 'utf8')) as SeededApps;
    } else if (!directory.isEmpty) {
      throw new Error(
        `${stateDir ?? 'The state folder'} holds a directory but no ${SEED_FILE}; delete the folder to seed a new tenant.`,
      );
    } else if ((options.seed ?? 'test') === 'none') {
      apps = {} as SeededApps;
    } else {
      apps = seedTenant(options.seed === 'demo' ? 'demo' : 'test', directory, store, users);
      // npm start only: the seeded secrets are kept for the developer (git-ignored, mode 0600).
      if (seedFile) writeFileSync(seedFile, JSON.stringify(apps, null, 2), { mode: 0o600 });
    }

    if (apps.dashboard && options.dashboardRedirectUris?.length)
      directory.addSpaRedirectUris(apps.dashboard.appId, options.dashboardRedirectUris);
    const tid = directory.tenantId;
    const mintContext: MintContext = {
      directory,
      keys,
      issuerV2: running.issuerV2,
      issuerV1: running.issuerV1,
    };
    controls = {
      async rotateSigningKey() {
        const result = keys.rotate();
        running.reloadKeys();
        return result;
      },
      async retireKey(kid) {
        const retired = keys.retire(kid);
        if (retired) running.reloadKeys();
        return retired;
      },
      currentKid: () => keys.current.kid,
      setJwks: (mode) => running.setMode('jwks', mode),
      setToken: (mode, options) => running.setMode('token', mode, options),
      mintUserToken: (request) => mintUserToken(mintContext, request),
      mintAppToken: (request) => mintAppToken(mintContext, request),
      setGraph: (mode, graphOptions) => graphServer.controls.setFaults(mode, graphOptions),
      setGraphReports: (mode) => graphServer.controls.setReports(mode),
      setGraphLifetimePolicy: (policy) => graphServer.controls.setLifetimePolicy(policy),
      setPropagationDelay: (seconds) => directory.setPropagationDelay(seconds),
      crashGraphAfter: (operation, count) => graphServer.controls.crashAfter(operation, count),
      crashKeyVaultAfter: (operation, count) => vaultControls.crashAfter(operation, count),
      setKeyVault: (mode) => vaultControls.setMode(mode),
      reset() {
        running.setMode('jwks', 'ok');
        running.setMode('token', 'ok');
        graphServer.controls.reset();
        vaultControls.reset();
        directory.setPropagationDelay(0);
      },
    };
    const host = running.authorityHost;
    const keyVaultUrl = vault.url;
    const vaultServer = vault;
    return {
      tenantId: tid,
      authorityHost: host,
      authority: `${host}/${tid}`,
      issuerV2: running.issuerV2,
      issuerV1: running.issuerV1,
      discoveryV2: `${host}/${tid}/v2.0/.well-known/openid-configuration`,
      discoveryV1: `${host}/${tid}/.well-known/openid-configuration`,
      tokenEndpointV2: `${host}/${tid}/oauth2/v2.0/token`,
      tokenEndpointV1: `${host}/${tid}/oauth2/token`,
      jwksUriV2: `${host}/${tid}/discovery/v2.0/keys`,
      jwksUriV1: `${host}/${tid}/discovery/keys`,
      keyVaultUrl,
      graphUrl: graphServer.url,
      credentialActivity: activity,
      caPem: ca.certPem,
      caFile: ca.certFile,
      adminUrl: `${host}/_test`,
      apps,
      directory,
      counters,
      controls,
      keyVault: {
        store,
        setEventGridUrl: (url) => publisher.setUrl(url),
        setSecret: (name, value, secretOptions) => ({
          version: store.setSecret(name, value, secretOptions).version,
        }),
        createCertificate: (name, certOptions = {}) =>
          store.createCertificate(name, VaultStore.defaultPolicy(certOptions), certOptions.tags),
        async sweep() {
          const events = store.sweep();
          await publisher.flush();
          return events.map((e) => publisher.toEventGrid(e));
        },
        flushEvents: () => publisher.flush(),
        deliveries: publisher.deliveries,
      },
      productSettings() {
        const settings: Record<string, string> = {
          AZURE_AUTHORITY_HOST: host,
          AZURE_TENANT_ID: tid,
          KeyVault__DisableChallengeResourceVerification: 'true',
          AzureAd__Instance: `${host}/`,
          AzureAd__TenantId: tid,
          Graph__BaseUrl: graphServer.url,
        };
        if (apps.product?.secret) {
          settings.AZURE_CLIENT_ID = apps.product.appId;
          settings.AZURE_CLIENT_SECRET = apps.product.secret;
        }
        return settings;
      },
      gatewayClientSettings: (allowedScopes) => ({
        AzureAd__ClientId: apps.gateway.appId,
        AzureAd__ClientCredentials__0__SourceType: 'KeyVault',
        AzureAd__ClientCredentials__0__KeyVaultUrl: keyVaultUrl,
        AzureAd__ClientCredentials__0__KeyVaultCertificateName: apps.gateway.certificateName ?? '',
        AzureAd__AllowedScopes: allowedScopes.join(','),
      }),
      msalAuthorityOptions: () => ({ authority: `${host}/${tid}`, knownAuthorities: [new URL(host).host] }),
      users,
      dashboardSettings: (): Record<string, string> =>
        apps.dashboard && apps.productApi
          ? {
              Dashboard__ClientId: apps.dashboard.appId,
              Dashboard__Audience: [apps.productApi.appId, apps.productApi.identifierUri ?? '']
                .filter(Boolean)
                .join(','),
              Dashboard__TenantId: tid,
              Dashboard__Instance: `${host}/`,
            }
          : {},
      addDashboardRedirectUri(uri) {
        if (!apps.dashboard) throw new Error('This tenant has no dashboard app (seed "none").');
        directory.addSpaRedirectUris(apps.dashboard.appId, [uri]);
      },
      async stop() {
        await publisher.flush().catch(() => undefined);
        await Promise.all([running.close(), vaultServer.close(), graphServer.close()]);
      },
    };
  } catch (error) {
    await entra?.close();
    await vault?.close();
    await graph?.close();
    throw error;
  }
}
