import { randomUUID } from 'node:crypto';
import type { EventSink } from '../platform/event-publisher.js';
import type { Logger } from '../platform/log.js';
import { type CertificateStepPorts, resumeCertificate, rotateCertificate } from './certificate-step.js';
import { type CertificateVault, type ManagedCertificate, signProof } from './certificates.js';
import { isAmbiguous, RotationError } from './errors.js';
import type { RotationGraph } from './graph-writer.js';
import type { AppLocks, RotationJournal } from './journal.js';
import { recordRotation } from './metrics.js';
import { type AppMemory, type AppState, DAY_MS, type JournalRecord } from './model.js';
import { type Action, halvedLifetime, planApp, type RotationPolicy } from './planner.js';
import { codeOf, messageOf, type RotationSummary, RunRecorder } from './run-recorder.js';
import type { SecretVault } from './vault.js';
import type { SecretVerifier } from './verify.js';

/**
 * One rotation run: for each managed app, under its lease, plan (planner.ts) and carry out the
 * actions, writing each step to the journal before the next starts:
 * intent → addPassword → added (keyId) → Key Vault → stored → verifying → complete.
 * A step that gets no answer (the host died, the connection dropped) leaves its record where it
 * is; the next run (or this one, for another app) resumes it from what the directory and the
 * vault show: a secret that never reached Key Vault is removed again (compensated), one that did is
 * verified and completed. A step that fails for sure is compensated (Key Vault refused: the new
 * secret is removed) or recorded as failed; the old secret is never touched until the removal
 * rules hold, so an app always keeps a valid credential.
 */
export interface RotationConfig {
  policy: RotationPolicy;
  secretNameTemplate: string;
  verifyTimeoutMs: number;
  concurrency: number;
  /** Key Vault certificates to keep registered on their apps (`Rotation__Certificates`). */
  certificates: ManagedCertificate[];
}

export interface RotationPorts {
  graph: RotationGraph;
  vault: SecretVault;
  verifier: SecretVerifier;
  journal: RotationJournal;
  locks: AppLocks;
  /** The vault's certificates (needed when `certificates` is not empty). */
  certificates?: CertificateVault;
  events?: EventSink;
  clock: () => number;
  newRunId?: () => string;
  /** How often a held lease is renewed during a long step (journal.ts: the lease lasts 20 s). */
  renewEveryMs?: number;
}

export interface RunRequest {
  dryRun?: boolean;
  /** Only this app (a manual run, a SecretNearExpiry event). */
  appId?: string;
  trigger?: 'schedule' | 'manual' | 'event';
}

export type { AppFailure, RotationSummary } from './run-recorder.js';
export { EVENT_SOURCE } from './run-recorder.js';

function slug(text: string): string {
  const value = text
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return value || 'app';
}

/** Key Vault secret names: 1-127 characters, letters, digits and dashes. */
export function secretName(template: string, app: { appId: string; displayName: string }): string {
  return template
    .replaceAll('{appDisplayNameSlug}', slug(app.displayName))
    .replaceAll('{appId}', app.appId)
    .replace(/[^0-9A-Za-z-]/g, '-')
    .slice(0, 127);
}

async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const unique = (ids: string[]) => [...new Map(ids.map((id) => [id.toLowerCase(), id])).values()];

export class RotationRun {
  private readonly runId: string;
  private readonly startedAt: number;
  private readonly recorder: RunRecorder;
  private memory: AppMemory[] = [];

  constructor(
    private readonly config: RotationConfig,
    private readonly ports: RotationPorts,
    private readonly log: Logger,
    private readonly request: RunRequest = {},
  ) {
    this.runId = (ports.newRunId ?? randomUUID)();
    this.startedAt = ports.clock();
    this.recorder = new RunRecorder(this.runId, request.dryRun === true, ports, log);
  }

  private certificatePorts(): CertificateStepPorts {
    return {
      graph: this.ports.graph,
      verifier: this.ports.verifier,
      verifyTimeoutMs: this.config.verifyTimeoutMs,
      managedPrefix: this.config.policy.managedPrefix,
      ...(this.ports.certificates ? { certificates: this.ports.certificates } : {}),
    };
  }

  private now(): number {
    return this.ports.clock();
  }

  async run(): Promise<RotationSummary> {
    const { graph, journal } = this.ports;
    graph.takeCounts();
    const appIds = await this.managedAppIds();
    this.recorder.summary.apps = appIds.length;
    this.memory = await journal.memory();
    this.log.info('Rotation started', {
      runId: this.runId,
      apps: appIds.length,
      dryRun: this.recorder.summary.dryRun,
      trigger: this.request.trigger ?? 'schedule',
    });
    await eachLimited(appIds, this.config.concurrency, (appId) => this.forApp(appId));
    const counts = graph.takeCounts();
    this.recorder.summary.graphCalls = counts.calls;
    this.recorder.summary.throttled = counts.throttled;
    this.recorder.summary.durationMs = this.now() - this.startedAt;
    this.log.info('Rotation finished', {
      ...this.recorder.summary,
      planned: this.recorder.summary.planned.length,
    });
    return this.recorder.summary;
  }

  /** Apps the product owns, plus the adopted ones; one app when the request names it. */
  private async managedAppIds(): Promise<string[]> {
    const { policy } = this.config;
    let owned: string[] = [];
    try {
      const { servicePrincipalId } = await this.ports.graph.identity();
      owned = await this.ports.graph.ownedAppIds(servicePrincipalId);
    } catch (error) {
      this.recorder.fail('(discovery)', 'discover', error);
    }
    const all = unique([...owned, ...policy.managedAppIds, ...this.config.certificates.map((c) => c.appId)]);
    if (!this.request.appId) return all;
    const wanted = this.request.appId.toLowerCase();
    return all.filter((id) => id.toLowerCase() === wanted);
  }

  private async forApp(appId: string): Promise<void> {
    try {
      if (this.recorder.summary.dryRun) {
        const app = await this.ports.graph.app(appId);
        if (app) for (const action of await this.plan(app)) this.planned(action);
        return;
      }
      const lease = await this.ports.locks.acquire(appId);
      if (!lease) {
        this.recorder.summary.busy.push(appId);
        this.log.info('Rotation skipped an app another run holds', { appId });
        return;
      }
      const renew = setInterval(
        () => void lease.renew().catch(() => undefined),
        this.ports.renewEveryMs ?? 5_000,
      );
      renew.unref?.();
      try {
        await this.process(appId);
      } finally {
        clearInterval(renew);
        await lease.release().catch(() => undefined);
      }
    } catch (error) {
      this.recorder.fail(appId, 'plan', error);
    }
  }

  private planned(action: Action): void {
    const keyId =
      'keyId' in action ? action.keyId : 'oldKeyId' in action ? action.oldKeyId : action.record?.newKeyId;
    this.recorder.summary.planned.push({
      appId: action.app.appId,
      kind: action.kind,
      ...(keyId ? { keyId } : {}),
    });
  }

  private async plan(app: AppState): Promise<Action[]> {
    const records = await this.ports.journal.records(app.appId);
    const pendingRemoval = records.some((r) => r.step === 'complete' && r.oldKeyId && !r.removedAt);
    const lastUse = pendingRemoval ? await this.ports.graph.lastUse(app.appId) : new Map<string, string>();
    return planApp(app, {
      apps: [app],
      journal: records,
      memory: this.memory,
      lastUse,
      policy: this.config.policy,
      now: this.now(),
    });
  }

  private async process(appId: string): Promise<void> {
    let app = await this.ports.graph.app(appId);
    if (!app) return;
    let actions = await this.plan(app);
    if (actions.some((a) => a.kind === 'resume')) {
      for (const action of actions)
        if (action.kind === 'drift' || action.kind === 'resume') await this.act(app, action);
      app = await this.ports.graph.app(appId);
      if (!app) return;
      // Re-planned from what is there now; a record still open (no answer again) waits for the next run.
      const replanned = await this.plan(app);
      if (replanned.some((a) => a.kind === 'resume')) return this.remember(app);
      actions = replanned.filter((a) => a.kind !== 'drift');
    }
    for (const action of actions) await this.act(app, action);
    // Only these change the app's credentials; otherwise (most apps, most runs) the app read at the
    // start is still what Graph has, and is not read again.
    let changed = actions.some((a) => a.kind === 'rotate' || a.kind === 'remove');
    const current = async () => (changed ? ((await this.ports.graph.app(appId)) ?? app) : app);
    for (const managed of this.config.certificates)
      if (managed.appId.toLowerCase() === appId.toLowerCase()) {
        await rotateCertificate(this.recorder, this.certificatePorts(), await current(), managed);
        changed = true;
      }
    await this.remember(await current());
  }

  private async remember(app: AppState): Promise<void> {
    const before = this.memory.find((m) => m.appId.toLowerCase() === app.appId.toLowerCase());
    const memory: AppMemory = {
      appId: app.appId,
      knownKeyIds: app.credentials.map((c) => c.keyId),
      lifetimeDays: before?.lifetimeDays ?? null,
      updatedAt: new Date(this.now()).toISOString(),
    };
    this.memory = [...this.memory.filter((m) => m !== before), memory];
    await this.ports.journal.putMemory(memory);
  }

  private async rememberLifetime(appId: string, lifetimeDays: number): Promise<void> {
    const before = this.memory.find((m) => m.appId.toLowerCase() === appId.toLowerCase());
    if (before?.lifetimeDays === lifetimeDays) return;
    const memory: AppMemory = {
      appId,
      knownKeyIds: before?.knownKeyIds ?? [],
      lifetimeDays,
      updatedAt: new Date(this.now()).toISOString(),
    };
    this.memory = [...this.memory.filter((m) => m !== before), memory];
    await this.ports.journal.putMemory(memory);
  }

  private async act(app: AppState, action: Action): Promise<void> {
    switch (action.kind) {
      case 'rotate':
        return this.rotate(app, action.oldKeyId, action.lifetimeDays);
      case 'remove':
        return this.remove(app, action.record, action.keyId, action.lastUseChecked);
      case 'stillInUse':
        this.recorder.summary.stillInUse += 1;
        recordRotation('still_in_use', 'remove');
        await this.recorder.save(action.record, { note: `still in use: last sign-in ${action.lastSignIn}` });
        return this.recorder.publish(
          'StillInUse',
          app,
          `${action.record.runId}:${action.keyId}:StillInUse:${action.lastSignIn}`,
          {
            keyId: action.keyId,
            lastSignInDateTime: action.lastSignIn,
            replacedBy: action.record.newKeyId,
          },
        );
      case 'settle':
        await this.recorder.save(action.record, {
          removedAt: new Date(this.now()).toISOString(),
          note: 'the old credential was already gone',
        });
        return;
      case 'drift':
        this.recorder.summary.drift += 1;
        return this.recorder.publish(
          'OutOfBandChange',
          app,
          `${app.appId}:${action.keyId}:${action.change}`,
          {
            keyId: action.keyId,
            change: action.change,
          },
        );
      case 'unmanaged':
        this.recorder.summary.unmanaged += 1;
        return;
      case 'blocked':
        this.log.warn('Rotation cannot act on a credential', {
          appId: app.appId,
          keyId: action.keyId,
          reason: action.reason,
        });
        if (action.reason === 'credential_limit')
          await this.recorder.failed(
            app,
            null,
            'plan',
            new RotationError(
              'credential_limit',
              'The app allows personal accounts and already has 2 passwords; remove one to rotate.',
            ),
          );
        return;
      case 'resume':
        return this.resume(app, action.record);
    }
  }

  private async rotate(app: AppState, oldKeyId: string, lifetimeDays: number): Promise<void> {
    const { policy } = this.config;
    const now = new Date(this.now()).toISOString();
    const record: JournalRecord = {
      appId: app.appId,
      objectId: app.objectId,
      runId: this.runId,
      kind: 'password',
      step: 'intent',
      displayName: `${policy.managedPrefix} ${this.runId}`,
      oldKeyId,
      newKeyId: null,
      lifetimeDays,
      newCreatedAt: null,
      secretName: secretName(this.config.secretNameTemplate, app),
      secretVersion: null,
      secretId: null,
      createdAt: now,
      updatedAt: now,
      error: null,
      removedAt: null,
      note: null,
    };
    await this.ports.journal.put(record);
    let lifetime = lifetimeDays;
    let added: Awaited<ReturnType<RotationGraph['addPassword']>>;
    for (;;) {
      try {
        added = await this.ports.graph.addPassword(app.objectId, {
          displayName: record.displayName,
          endDateTime: new Date(this.now() + lifetime * DAY_MS).toISOString(),
        });
        break;
      } catch (error) {
        if (isAmbiguous(error)) return this.recorder.deferred(app, 'add');
        const next =
          error instanceof RotationError && error.code === 'lifetime_policy'
            ? halvedLifetime(lifetime, policy.minSecretLifetimeDays)
            : undefined;
        if (next === undefined) return this.recorder.failed(app, record, 'add', error);
        this.log.info('Secret lifetime refused by policy; trying a shorter one', {
          appId: app.appId,
          from: lifetime,
          to: next,
        });
        lifetime = next;
      }
    }
    await this.recorder.save(record, {
      step: 'added',
      newKeyId: added.keyId,
      newCreatedAt: added.startDateTime,
      lifetimeDays: lifetime,
    });
    await this.rememberLifetime(app.appId, lifetime);
    let stored: Awaited<ReturnType<SecretVault['store']>>;
    try {
      stored = await this.ports.vault.store(record.secretName as string, added.secretText, {
        contentType: 'text/plain',
        notBefore: new Date(added.startDateTime),
        expiresOn: new Date(added.endDateTime),
        tags: {
          appId: app.appId,
          objectId: app.objectId,
          keyId: added.keyId,
          rotatedFrom: oldKeyId,
          rotatedAt: new Date(this.now()).toISOString(),
          managedBy: policy.managedPrefix,
        },
      });
    } catch (error) {
      if (isAmbiguous(error)) return this.recorder.deferred(app, 'store');
      return this.compensate(app, record, 'store', error);
    }
    await this.recorder.save(record, { step: 'stored', secretVersion: stored.version, secretId: stored.id });
    await this.verifyAndComplete(app, record, added.secretText);
  }

  private async verifyAndComplete(app: AppState, record: JournalRecord, secret: string): Promise<void> {
    await this.recorder.save(record, { step: 'verifying', error: null });
    const ok = await this.ports.verifier.verify(app.appId, secret, this.now() + this.config.verifyTimeoutMs);
    if (!ok)
      return this.recorder.failed(
        app,
        record,
        'verify',
        new RotationError(
          'verification_timeout',
          `The new secret did not authenticate within ${Math.round(this.config.verifyTimeoutMs / 1000)} s; both secrets are kept and the next run verifies again.`,
        ),
      );
    await this.recorder.save(record, { step: 'complete', note: null });
    this.recorder.summary.rotated.push(app.appId);
    recordRotation('complete', 'verify');
    await this.recorder.publish('CredentialRotated', app, `${record.runId}:CredentialRotated`, {
      oldKeyId: record.oldKeyId,
      newKeyId: record.newKeyId,
      secretName: record.secretName,
      secretId: record.secretId,
      secretVersion: record.secretVersion,
      endDateTime: record.newCreatedAt
        ? new Date(Date.parse(record.newCreatedAt) + record.lifetimeDays * DAY_MS).toISOString()
        : null,
    });
  }

  /** Undoes an addPassword whose secret is not in Key Vault; without an answer the next run tries again. */
  private async compensate(
    app: AppState,
    record: JournalRecord,
    step: string,
    cause: unknown,
  ): Promise<void> {
    try {
      if (record.newKeyId) await this.ports.graph.removePassword(app.objectId, record.newKeyId);
    } catch (error) {
      await this.recorder.save(record, {
        error: `${codeOf(cause)}: compensation pending (${codeOf(error)})`,
      });
      if (isAmbiguous(error)) return this.recorder.deferred(app, 'store');
      return this.recorder.failed(app, null, step, error);
    }
    this.recorder.summary.compensated += 1;
    recordRotation('compensated', step === 'resume' ? 'resume' : 'store');
    await this.recorder.save(record, { step: 'compensated', error: `${codeOf(cause)}: ${messageOf(cause)}` });
    await this.recorder.publishFailure(app, record, step, cause, true);
  }

  private async resume(app: AppState, record: JournalRecord): Promise<void> {
    this.log.info('Rotation resumes an unfinished record', {
      appId: app.appId,
      runId: record.runId,
      step: record.step,
    });
    const interrupted = new RotationError('no_answer', `The run ${record.runId} stopped at ${record.step}.`);
    if (record.kind === 'certificate')
      return resumeCertificate(this.recorder, this.certificatePorts(), app, record);
    try {
      if (record.step === 'intent') {
        const orphan = app.credentials.find(
          (c) => c.kind === 'password' && c.displayName === record.displayName,
        );
        if (!orphan) {
          await this.recorder.save(record, {
            step: 'compensated',
            error: 'no_answer: addPassword never reached Graph',
          });
          this.recorder.summary.compensated += 1;
          recordRotation('compensated', 'resume');
          return;
        }
        // Its secret text was never received, so it can never reach Key Vault: take it away again.
        await this.recorder.save(record, {
          newKeyId: orphan.keyId,
          step: 'added',
          newCreatedAt: orphan.startDateTime,
        });
        return this.compensate(app, record, 'add', interrupted);
      }
      const name = record.secretName as string;
      if (record.step === 'added') {
        const stored = record.newKeyId ? await this.ports.vault.findByKeyId(name, record.newKeyId) : null;
        if (!stored) return this.compensate(app, record, 'store', interrupted);
        await this.recorder.save(record, {
          step: 'stored',
          secretVersion: stored.version,
          secretId: stored.id,
        });
      }
      if (!app.credentials.some((c) => c.keyId === record.newKeyId)) {
        await this.recorder.save(record, {
          step: 'compensated',
          error: 'the new secret is no longer on the app',
        });
        return;
      }
      const secret = await this.ports.vault.value(name, record.secretVersion as string);
      await this.verifyAndComplete(app, record, secret);
    } catch (error) {
      if (isAmbiguous(error)) return this.recorder.deferred(app, 'resume');
      this.recorder.fail(app.appId, 'resume', error);
    }
  }

  private async remove(
    app: AppState,
    record: JournalRecord,
    keyId: string,
    lastUseChecked: boolean,
  ): Promise<void> {
    try {
      if (record.kind === 'certificate') {
        // removeKey needs a proof too: signed by the new certificate, valid now.
        const signer = await (this.ports.certificates as CertificateVault).keyMaterial(
          record.secretName as string,
          record.secretVersion as string,
        );
        await this.ports.graph.removeKey(
          app.objectId,
          keyId,
          await signProof(signer.privateKeyPem, app.objectId, this.now()),
        );
      } else await this.ports.graph.removePassword(app.objectId, keyId);
    } catch (error) {
      if (isAmbiguous(error)) return this.recorder.deferred(app, 'remove');
      return this.recorder.failed(app, null, 'remove', error);
    }
    await this.recorder.save(record, {
      removedAt: new Date(this.now()).toISOString(),
      note: lastUseChecked ? null : 'removed without the last-use check: the sign-in report was unavailable',
    });
    this.recorder.summary.removed += 1;
    recordRotation('removed', 'remove');
    await this.recorder.publish('CredentialRemoved', app, `${record.runId}:CredentialRemoved`, {
      keyId,
      replacedBy: record.newKeyId,
      lastUseChecked,
    });
  }
}
