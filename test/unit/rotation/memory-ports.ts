import { memoryEventSink } from '../../../shared/platform/event-publisher.js';
import { createLogger } from '../../../shared/platform/log.js';
import { RotationError } from '../../../shared/rotation/errors.js';
import type { RotationConfig, RotationPorts } from '../../../shared/rotation/executor.js';
import type { NewSecret, RegisteredKey, RotationGraph } from '../../../shared/rotation/graph-writer.js';
import { memoryAppLocks, memoryRotationJournal } from '../../../shared/rotation/journal.js';
import type { AppState, JournalRecord } from '../../../shared/rotation/model.js';
import type { RotationPolicy } from '../../../shared/rotation/planner.js';
import { memorySecretVault } from '../../../shared/rotation/vault.js';
import type { SecretVerifier } from '../../../shared/rotation/verify.js';

/**
 * In-memory ports for the executor's unit tests: a directory of apps behind the RotationGraph
 * port (with scripted faults), the memory vault, journal, locks and event sink, a verifier that
 * accepts exactly the secrets the directory holds, and a settable clock.
 */
export const DAY = 24 * 3600 * 1000;
export const PREFIX = 'managed-by:gateway-plumbing';
export const NOW = Date.parse('2026-12-01T00:00:00Z');

type Operation = 'app' | 'addPassword' | 'removePassword';
/** `before`: the call fails and does nothing; `after`: it happens, then its answer is lost. */
export interface Fault {
  operation: Operation;
  when: 'before' | 'after';
  error: RotationError;
}

export const noAnswer = () => new RotationError('no_answer', 'Graph gave no answer (test).');

export class MemoryGraph implements RotationGraph {
  readonly apps = new Map<string, AppState>();
  readonly secrets = new Map<string, string>();
  readonly calls: string[] = [];
  readonly faults: Fault[] = [];
  private serial = 0;

  constructor(private readonly clock: () => number) {}

  addApp(appId: string, passwords: Array<{ keyId: string; displayName: string; endDays: number }>): AppState {
    const app: AppState = {
      appId,
      objectId: `obj-${appId}`,
      displayName: `App ${appId}`,
      signInAudience: 'AzureADMyOrg',
      credentials: passwords.map((p) => ({
        kind: 'password',
        keyId: p.keyId,
        displayName: p.displayName,
        startDateTime: new Date(this.clock() - DAY).toISOString(),
        endDateTime: new Date(this.clock() + p.endDays * DAY).toISOString(),
      })),
    };
    this.apps.set(appId, app);
    return app;
  }

  private byObjectId(objectId: string): AppState {
    const app = [...this.apps.values()].find((a) => a.objectId === objectId);
    if (!app) throw new RotationError('app_not_found', 'no such app');
    return app;
  }

  private fault(operation: Operation, when: Fault['when']): void {
    const index = this.faults.findIndex((f) => f.operation === operation && f.when === when);
    if (index < 0) return;
    const [fault] = this.faults.splice(index, 1);
    throw (fault as Fault).error;
  }

  async identity() {
    return { servicePrincipalId: 'product-sp', tenantId: 'tenant' };
  }

  async ownedAppIds() {
    return [...this.apps.keys()];
  }

  async app(appId: string) {
    this.calls.push('app');
    this.fault('app', 'before');
    const app = this.apps.get(appId);
    return app ? structuredClone(app) : null;
  }

  async addPassword(
    objectId: string,
    input: { displayName: string; endDateTime: string },
  ): Promise<NewSecret> {
    this.calls.push('addPassword');
    this.fault('addPassword', 'before');
    const app = this.byObjectId(objectId);
    this.serial += 1;
    const added = {
      keyId: `new-${this.serial}`,
      secretText: `SECRET-VALUE-${this.serial}-do-not-log`,
      startDateTime: new Date(this.clock()).toISOString(),
      endDateTime: input.endDateTime,
    };
    app.credentials.push({
      kind: 'password',
      keyId: added.keyId,
      displayName: input.displayName,
      startDateTime: added.startDateTime,
      endDateTime: added.endDateTime,
    });
    this.secrets.set(added.keyId, added.secretText);
    this.fault('addPassword', 'after');
    return added;
  }

  async removePassword(objectId: string, keyId: string): Promise<'removed' | 'absent'> {
    this.calls.push(`removePassword ${keyId}`);
    this.fault('removePassword', 'before');
    const app = this.byObjectId(objectId);
    const before = app.credentials.length;
    app.credentials = app.credentials.filter((c) => c.keyId !== keyId);
    this.secrets.delete(keyId);
    this.fault('removePassword', 'after');
    return app.credentials.length < before ? 'removed' : 'absent';
  }

  async addKey(): Promise<string> {
    throw new Error('certificates are covered by the integration tests');
  }
  async removeKey(): Promise<void> {
    throw new Error('certificates are covered by the integration tests');
  }
  async keyCredentials(): Promise<RegisteredKey[]> {
    return [];
  }
  async replaceKeyCredentials(): Promise<void> {
    throw new Error('certificates are covered by the integration tests');
  }

  lastUseReport: Map<string, string> | null = new Map();
  async lastUse() {
    this.calls.push('lastUse');
    return this.lastUseReport;
  }

  takeCounts() {
    return { calls: this.calls.length, throttled: 0 };
  }
}

export function memoryPorts(start = NOW) {
  let now = start;
  const clock = () => now;
  const graph = new MemoryGraph(clock);
  const vault = memorySecretVault();
  const journal = memoryRotationJournal();
  const steps: string[] = [];
  const put = journal.put.bind(journal);
  journal.put = async (record: JournalRecord) => {
    steps.push(record.step);
    await put(record);
  };
  const events = memoryEventSink();
  const verified: string[] = [];
  const verifier: SecretVerifier & { accept: boolean } = {
    accept: true,
    async verify(appId, secret) {
      verified.push(appId);
      return verifier.accept && [...graph.secrets.values()].includes(secret);
    },
    async verifyCertificate() {
      return false;
    },
  };
  const lines: string[] = [];
  const log = createLogger((level, line) => lines.push(`${level} ${line}`));
  const ports: RotationPorts = {
    graph,
    vault,
    verifier,
    journal,
    locks: memoryAppLocks(),
    events,
    clock,
    newRunId: (() => {
      let run = 0;
      return () => `run-${++run}`;
    })(),
  };
  return {
    ports,
    graph,
    vault,
    journal,
    steps,
    events,
    verifier,
    verified,
    lines,
    log,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The default policy (the settings' defaults), as the planner and executor tests use it. */
export function testPolicy(overrides: Partial<RotationPolicy> = {}): RotationPolicy {
  return {
    managedPrefix: PREFIX,
    managedAppIds: [],
    rotateBeforeDays: 30,
    secretLifetimeDays: 180,
    minSecretLifetimeDays: 7,
    graceDays: 14,
    ...overrides,
  };
}

export function testConfig(overrides: Partial<RotationPolicy> = {}): RotationConfig {
  return {
    policy: testPolicy(overrides),
    secretNameTemplate: '{appDisplayNameSlug}-client-secret',
    verifyTimeoutMs: 1000,
    concurrency: 4,
    certificates: [],
  };
}
