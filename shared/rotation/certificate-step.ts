import {
  type CertificateVault,
  derBase64,
  type ManagedCertificate,
  planCertificate,
  signProof,
  thumbprintOf,
} from './certificates.js';
import { isAmbiguous } from './errors.js';
import type { RotationGraph } from './graph-writer.js';
import { recordRotation } from './metrics.js';
import type { AppState, JournalRecord } from './model.js';
import type { RunRecorder } from './run-recorder.js';

/**
 * One certificate registration (certificates.ts says when and how): intent → addKey or PATCH →
 * complete + CredentialRotated. A lost answer leaves the intent; the next run finds the key by the
 * record's display name (`resumeCertificate`).
 */
export interface CertificateStepPorts {
  graph: RotationGraph;
  certificates?: CertificateVault;
  managedPrefix: string;
}

export async function rotateCertificate(
  run: RunRecorder,
  ports: CertificateStepPorts,
  app: AppState,
  managed: ManagedCertificate,
): Promise<void> {
  const vault = ports.certificates;
  if (!vault) return;
  const name = managed.certificateName;
  try {
    const latest = await vault.latest(name);
    const plan = planCertificate(app, latest, latest ? await vault.versions(name) : [], run.now());
    if (plan.kind === 'none') return;
    const current = app.credentials
      .filter((c) => c.kind === 'certificate')
      .sort((a, b) => (b.endDateTime ?? '').localeCompare(a.endDateTime ?? ''))[0];
    const record = await run.save(
      {
        appId: app.appId,
        objectId: app.objectId,
        runId: run.runId,
        kind: 'certificate',
        step: 'intent',
        displayName: `${ports.managedPrefix} ${run.runId}`,
        oldKeyId: current?.keyId ?? null,
        newKeyId: null,
        lifetimeDays: 0,
        newCreatedAt: null,
        secretName: name,
        secretVersion: plan.latest.version,
        secretId: null,
        createdAt: new Date(run.now()).toISOString(),
        updatedAt: '',
        error: null,
        removedAt: null,
        note:
          plan.kind === 'patch' ? 'PATCH keyCredentials: no valid certificate to sign a proof with' : null,
      },
      {},
    );
    const key = { key: derBase64(plan.latest.der), displayName: record.displayName };
    let keyId: string | undefined;
    try {
      if (plan.kind === 'addKey') {
        const keyPem = await vault.privateKey(name, plan.signWith.version);
        keyId = await ports.graph.addKey(app.objectId, key, await signProof(keyPem, app.objectId, run.now()));
      } else {
        const existing = await ports.graph.keyCredentials(app.objectId);
        await ports.graph.replaceKeyCredentials(app.objectId, [
          ...existing,
          { type: 'AsymmetricX509Cert', usage: 'Verify', ...key },
        ]);
        const after = await ports.graph.app(app.appId);
        keyId = after?.credentials.find((c) => c.thumbprint === thumbprintOf(plan.latest.der))?.keyId;
      }
    } catch (error) {
      if (isAmbiguous(error)) return run.deferred(app, 'add');
      return run.failed(app, record, 'add', error);
    }
    await completeCertificate(run, app, record, keyId ?? null, plan.kind);
  } catch (error) {
    if (isAmbiguous(error)) return run.deferred(app, 'add');
    run.fail(app.appId, 'add', error);
  }
}

async function completeCertificate(
  run: RunRecorder,
  app: AppState,
  record: JournalRecord,
  keyId: string | null,
  method: string,
): Promise<void> {
  await run.save(record, {
    step: 'complete',
    newKeyId: keyId,
    newCreatedAt: new Date(run.now()).toISOString(),
  });
  run.summary.rotated.push(app.appId);
  recordRotation('complete', 'add');
  await run.publish('CredentialRotated', app, `${record.runId}:CredentialRotated`, {
    kind: 'certificate',
    oldKeyId: record.oldKeyId,
    newKeyId: keyId,
    certificateName: record.secretName,
    certificateVersion: record.secretVersion,
    method,
  });
}

/** An unfinished registration: the key carries the record's display name when it reached Graph. */
export async function resumeCertificate(
  run: RunRecorder,
  app: AppState,
  record: JournalRecord,
): Promise<void> {
  const registered = app.credentials.find(
    (c) => c.kind === 'certificate' && c.displayName === record.displayName,
  );
  if (registered) return completeCertificate(run, app, record, registered.keyId, 'resumed');
  await run.save(record, { step: 'compensated', error: 'no_answer: the key never reached Graph' });
}
