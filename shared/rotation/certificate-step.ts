import {
  type CertificateVault,
  derBase64,
  type ManagedCertificate,
  planCertificate,
  signProof,
  thumbprintOf,
} from './certificates.js';
import { isAmbiguous, RotationError } from './errors.js';
import type { RotationGraph } from './graph-writer.js';
import { recordRotation } from './metrics.js';
import type { AppState, JournalRecord } from './model.js';
import type { RunRecorder } from './run-recorder.js';
import type { SecretVerifier } from './verify.js';

/**
 * One certificate registration (certificates.ts says when and how): intent → addKey or PATCH →
 * added (keyId) → verifying (a real token signed with the new version, through propagation) →
 * complete + CredentialRotated. A lost answer leaves the intent; the next run finds the key by the
 * record's display name (`resumeCertificate`). A failed verification (or Key Vault down when the
 * new version's key is read) keeps both keys and leaves the record open for the next run.
 */
export interface CertificateStepPorts {
  graph: RotationGraph;
  certificates?: CertificateVault;
  verifier: SecretVerifier;
  verifyTimeoutMs: number;
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
        const signer = await vault.keyMaterial(name, plan.signWith.version);
        keyId = await ports.graph.addKey(
          app.objectId,
          key,
          await signProof(signer.privateKeyPem, app.objectId, run.now()),
        );
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
    await run.save(record, {
      step: 'added',
      newKeyId: keyId ?? null,
      newCreatedAt: new Date(run.now()).toISOString(),
    });
    await verifyCertificate(run, ports, app, record, plan.kind);
  } catch (error) {
    if (isAmbiguous(error)) return run.deferred(app, 'add');
    run.fail(app.appId, 'add', error);
  }
}

/** Proves the registered version with a real token; Key Vault or Entra failing leaves the record open. */
async function verifyCertificate(
  run: RunRecorder,
  ports: CertificateStepPorts,
  app: AppState,
  record: JournalRecord,
  method: string,
): Promise<void> {
  let material: Awaited<ReturnType<CertificateVault['keyMaterial']>>;
  try {
    material = await (ports.certificates as CertificateVault).keyMaterial(
      record.secretName as string,
      record.secretVersion as string,
    );
  } catch (error) {
    if (isAmbiguous(error)) return run.deferred(app, 'verify');
    return run.failed(app, record, 'verify', error);
  }
  await run.save(record, { step: 'verifying', error: null });
  const ok = await ports.verifier.verifyCertificate(app.appId, material, run.now() + ports.verifyTimeoutMs);
  if (!ok)
    return run.failed(
      app,
      record,
      'verify',
      new RotationError(
        'verification_timeout',
        `The new certificate did not authenticate within ${Math.round(ports.verifyTimeoutMs / 1000)} s; both keys are kept and the next run verifies again.`,
      ),
    );
  await run.save(record, { step: 'complete', note: null });
  run.summary.rotated.push(app.appId);
  recordRotation('complete', 'verify');
  await run.publish('CredentialRotated', app, `${record.runId}:CredentialRotated`, {
    kind: 'certificate',
    oldKeyId: record.oldKeyId,
    newKeyId: record.newKeyId,
    certificateName: record.secretName,
    certificateVersion: record.secretVersion,
    method,
  });
}

/**
 * An unfinished registration: the key carries the record's display name when it reached Graph;
 * then it is verified (again) and completed. A key that never arrived leaves nothing to undo.
 */
export async function resumeCertificate(
  run: RunRecorder,
  ports: CertificateStepPorts,
  app: AppState,
  record: JournalRecord,
): Promise<void> {
  const registered = app.credentials.find(
    (c) =>
      c.kind === 'certificate' &&
      (record.newKeyId ? c.keyId === record.newKeyId : c.displayName === record.displayName),
  );
  if (!registered) {
    await run.save(record, {
      step: 'compensated',
      error:
        record.step === 'intent'
          ? 'no_answer: the key never reached Graph'
          : 'the new key is no longer on the app',
    });
    return;
  }
  if (record.step === 'intent')
    await run.save(record, {
      step: 'added',
      newKeyId: registered.keyId,
      newCreatedAt: new Date(run.now()).toISOString(),
    });
  await verifyCertificate(run, ports, app, record, 'resumed');
}
