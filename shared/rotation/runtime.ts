import { azureCredential } from '../platform/azure-credential.js';
import { type EventSink, eventGridSink, eventPublisherSettings } from '../platform/event-publisher.js';
import { createGraphClient, graphScope, graphSettings } from '../platform/graph.js';
import { identitySettings } from '../platform/identity-settings.js';
import { keyVaultClientOptions, keyVaultClients } from '../platform/keyvault.js';
import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { storageConnectionFrom, tableClient } from '../platform/storage.js';
import { type CertificateVault, keyVaultCertificates, parseManagedCertificates } from './certificates.js';
import type { RotationConfig } from './executor.js';
import { GraphRotationClient, type RotationGraph } from './graph-writer.js';
import { type AppLocks, blobAppLocks, type RotationJournal, tableRotationJournal } from './journal.js';
import { RotationService } from './service.js';
import { rotationSettings } from './settings.js';
import { keyVaultSecrets, type SecretVault } from './vault.js';
import { msalVerifier, type SecretVerifier } from './verify.js';

/** Rotation: the `rotateCredentials` timer (and one app at a time on `SecretNearExpiry`). */
export type RotationRuntime = Runtime<{ service: RotationService }>;

export interface RotationDeps {
  graph?: RotationGraph;
  vault?: SecretVault;
  verifier?: SecretVerifier;
  journal?: RotationJournal;
  locks?: AppLocks;
  certificates?: CertificateVault;
  /** `null`: no topic, no events. */
  events?: EventSink | null;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const specs = [...rotationSettings, ...graphSettings, ...eventPublisherSettings, ...identitySettings];

export function createRotationRuntime(env: Env, deps: RotationDeps = {}): RotationRuntime {
  try {
    const settings = settingsReader(env, specs);
    const managedCertificates = parseManagedCertificates(settings.list('Rotation__Certificates'));
    const config: RotationConfig = {
      certificates: managedCertificates.certificates,
      policy: {
        managedPrefix: settings.string('Rotation__ManagedPrefix') as string,
        managedAppIds: settings.list('Rotation__ManagedAppIds'),
        rotateBeforeDays: settings.int('Rotation__RotateBeforeDays', { min: 1, max: 3650 }),
        secretLifetimeDays: settings.int('Rotation__SecretLifetimeDays', { min: 1, max: 3650 }),
        minSecretLifetimeDays: settings.int('Rotation__MinSecretLifetimeDays', { min: 1, max: 3650 }),
        graceDays: settings.int('Rotation__GraceDays', { min: 0, max: 3650 }),
      },
      secretNameTemplate: settings.string('Rotation__SecretNameTemplate') as string,
      verifyTimeoutMs: settings.seconds('Rotation__VerifyTimeoutSeconds', { min: 1, max: 3600 }) * 1000,
      concurrency: settings.int('Rotation__Concurrency', { min: 1, max: 64 }),
    };
    const graphOptions = {
      maxRetries: settings.int('Rotation__MaxRetries', { min: 0, max: 10 }),
      retryDelaySeconds: settings.seconds('Rotation__RetryDelaySeconds', { min: 0, max: 180 }),
      requestTimeoutMs: 60_000,
      signInActivity: settings.bool('Rotation__SignInActivity'),
    };
    const vaultUrl = settings.string('Rotation__KeyVaultUrl');
    const baseUrl = settings.string('Graph__BaseUrl') as string;
    const audience = settings.string('Graph__Audience') as string;
    const authorityHost = settings.string('AZURE_AUTHORITY_HOST') as string;
    const problems = [...settings.problems, ...managedCertificates.problems];
    const { policy } = config;
    if (policy.minSecretLifetimeDays > policy.secretLifetimeDays)
      problems.push('Rotation__MinSecretLifetimeDays: must not exceed Rotation__SecretLifetimeDays');
    if (policy.managedPrefix.length < 3)
      problems.push('Rotation__ManagedPrefix: must have at least 3 characters');
    if (!/\{appDisplayNameSlug\}|\{appId\}/.test(config.secretNameTemplate))
      problems.push('Rotation__SecretNameTemplate: must contain {appDisplayNameSlug} or {appId}');
    if (!deps.vault && !vaultUrl)
      problems.push('Rotation__KeyVaultUrl: is required (the vault that receives new secrets)');
    if (vaultUrl && !/^https:\/\/[^/]+/i.test(vaultUrl))
      problems.push('Rotation__KeyVaultUrl: must be an https:// URL');
    if (!/^https:\/\/[^/]+/i.test(baseUrl)) problems.push('Graph__BaseUrl: must be an https:// URL');
    if ((!deps.journal || !deps.locks) && !storageConnectionFrom(env))
      problems.push('Storage is not configured (AzureWebJobsStorage)');
    if (problems.length > 0) return { ok: false, problems };

    const clock = deps.clock ?? Date.now;
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const credential = azureCredential(env);
    let graph = deps.graph;
    if (!graph) {
      const client = createGraphClient({ baseUrl, audience, credential });
      graph = new GraphRotationClient(client, credential, graphScope(audience), graphOptions);
    }
    const identity = graph;
    const warnings: string[] = [];
    let events = deps.events ?? undefined;
    if (deps.events === undefined) {
      const endpoint = settings.string('EventGrid__TopicEndpoint');
      const key = settings.string('EventGrid__TopicKey');
      if (endpoint) events = eventGridSink(endpoint, key ? { key } : credential);
      else warnings.push('EventGrid__TopicEndpoint is not set: rotation events are not published');
    }
    const clients = vaultUrl
      ? keyVaultClients(vaultUrl, { credential, ...keyVaultClientOptions(env) })
      : undefined;
    const certificates =
      deps.certificates ??
      (clients ? keyVaultCertificates(clients.certificates, clients.secrets) : undefined);
    const service = new RotationService(config, {
      graph,
      vault: deps.vault ?? keyVaultSecrets((clients as NonNullable<typeof clients>).secrets),
      ...(certificates ? { certificates } : {}),
      verifier:
        deps.verifier ??
        msalVerifier({
          authorityHost,
          tenantId: async () => (await identity.identity()).tenantId,
          scope: graphScope(audience),
          clock,
          sleep,
        }),
      journal: deps.journal ?? tableRotationJournal(tableClient('rotationjournal', env)),
      locks: deps.locks ?? blobAppLocks(env),
      clock,
      ...(events ? { events } : {}),
    });
    return { ok: true, service, ...(warnings.length > 0 ? { warnings } : {}) };
  } catch (error) {
    return problemsOf(error);
  }
}

/** The timer's NCRONTAB schedule, read when the function registers. */
export function rotationSchedule(env: Env = process.env): string {
  return settingsReader(env, rotationSettings).string('Rotation__Schedule') as string;
}

export const rotation = capability('Rotation', () => createRotationRuntime(process.env));
