import { azureCredential } from '../platform/azure-credential.js';
import { type EventSink, eventPublisherSettings, eventSinkFrom } from '../platform/event-publisher.js';
import { createGraphClient, graphScope, graphSettings } from '../platform/graph.js';
import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { storageConnectionFrom, tableClient } from '../platform/storage.js';
import { tableRotationJournal } from '../rotation/journal.js';
import { rotationStatesFrom } from '../rotation/status.js';
import { tableUsageStore } from '../validation/usage.js';
import { GraphClientDirectory, type GraphDirectory } from './graph-directory.js';
import { reusedToken } from './reused-token.js';
import type { RotationStates } from './rotation-states.js';
import type { InventoryConfig } from './run.js';
import { InventoryService } from './service.js';
import { inventorySettings } from './settings.js';
import { parseThresholds } from './status.js';
import { type CredentialStore, tableCredentialStore } from './store.js';
import { type ValidatorUsage, validatorUsageFrom } from './validator-usage.js';

/** The credential inventory: the `inventoryCredentials` timer and `GET /api/credentials`. */
export type InventoryRuntime = Runtime<{ service: InventoryService }>;

export interface InventoryDeps {
  graph?: GraphDirectory;
  store?: CredentialStore;
  /** `null`: no topic, thresholds are not announced. */
  events?: EventSink | null;
  usage?: ValidatorUsage | null;
  /** `null`: the report carries no rotation fields. */
  rotation?: RotationStates | null;
  clock?: () => number;
}

const specs = [...inventorySettings, ...graphSettings, ...eventPublisherSettings];

export function createInventoryRuntime(env: Env, deps: InventoryDeps = {}): InventoryRuntime {
  try {
    const settings = settingsReader(env, specs);
    const { thresholds, problems: thresholdProblems } = parseThresholds(
      settings.list('Inventory__NoticeDays'),
    );
    const config: InventoryConfig = {
      includeOwnApps: settings.bool('Inventory__IncludeOwnApps'),
      ownerServicePrincipalIds: settings.list('Inventory__OwnerServicePrincipalIds'),
      appIds: settings.list('Inventory__AppIds'),
      concurrency: settings.int('Inventory__Concurrency', { min: 1, max: 64 }),
      thresholds,
      signInActivity: settings.bool('Inventory__SignInActivity'),
      managedPrefix: settings.string('Inventory__ManagedPrefix') ?? '',
      progressEvery: settings.int('Inventory__ProgressEvery', { min: 1 }),
    };
    const graphOptions = {
      pageSize: settings.int('Inventory__PageSize', { min: 1, max: 999 }),
      maxRetries: settings.int('Inventory__MaxRetries', { min: 0, max: 10 }),
      retryDelaySeconds: settings.seconds('Inventory__RetryDelaySeconds', { min: 0, max: 180 }),
      requestTimeoutMs: settings.seconds('Inventory__RequestTimeoutSeconds', { min: 1, max: 600 }) * 1000,
    };
    const baseUrl = settings.string('Graph__BaseUrl') as string;
    const audience = settings.string('Graph__Audience') as string;
    const problems = [...settings.problems, ...thresholdProblems];
    if (!/^https:\/\/[^/]+/i.test(baseUrl)) problems.push('Graph__BaseUrl: must be an https:// URL');
    const storageMissing = !deps.store && !storageConnectionFrom(env);
    if (storageMissing) problems.push('Storage is not configured (AzureWebJobsStorage)');
    if (problems.length > 0) return { ok: false, problems };

    const warnings: string[] = [];
    let graph = deps.graph;
    if (!graph) {
      const credential = reusedToken(azureCredential(env));
      const client = createGraphClient({ baseUrl, audience, credential });
      graph = new GraphClientDirectory(client, credential, graphScope(audience), graphOptions);
    }
    let events = deps.events ?? undefined;
    if (deps.events === undefined) {
      events = eventSinkFrom(env);
      if (!events)
        warnings.push('EventGrid__TopicEndpoint is not set: CredentialExpiring events are not published');
    }
    const usage =
      deps.usage !== undefined
        ? (deps.usage ?? undefined)
        : storageConnectionFrom(env)
          ? validatorUsageFrom(tableUsageStore(tableClient('usage', env)))
          : undefined;
    const store = deps.store ?? tableCredentialStore(tableClient('credentials', env));
    const rotation =
      deps.rotation !== undefined
        ? (deps.rotation ?? undefined)
        : storageConnectionFrom(env)
          ? rotationStatesFrom(tableRotationJournal(tableClient('rotationjournal', env)))
          : undefined;
    const service = new InventoryService(config, {
      graph,
      store,
      clock: deps.clock ?? Date.now,
      ...(events ? { events } : {}),
      ...(usage ? { usage } : {}),
      ...(rotation ? { rotation } : {}),
    });
    return {
      ok: true,
      service,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  } catch (error) {
    return problemsOf(error);
  }
}

/** The timer's NCRONTAB schedule, read when the function registers (the host fixes it then too). */
export function inventorySchedule(env: Env = process.env): string {
  return settingsReader(env, inventorySettings).string('Inventory__Schedule') as string;
}

export const inventory = capability('Inventory', () => createInventoryRuntime(process.env));
