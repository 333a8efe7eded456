import {
  type CertificateGenerations,
  TableCertificateGenerations,
} from '../platform/certificate-generations.js';
import { eventSinkFrom } from '../platform/event-publisher.js';
import type { BlobContainerName } from '../platform/resources.js';
import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { blobServiceClient, storageConnectionFrom, tableClient } from '../platform/storage.js';
import { rotation } from '../rotation/runtime.js';
import { type AuditLogBlobs, ContainerAuditLogBlobs } from './entra-blobs.js';
import {
  EntraLogIngester,
  type OutOfBandNotifier,
  PublishingOutOfBandNotifier,
  TrailOutOfBandNotifier,
} from './entra-ingest.js';
import type { EventHandling } from './events.js';
import { type RotationJournal, TableRotationJournal } from './journal.js';
import { ENTRA_AUDIT_LOG_CONTAINER } from './normalize.js';
import { type QuarantineStore, TableQuarantineStore } from './quarantine.js';
import { type NearExpiryHandler, Reactions } from './reactions.js';
import { auditSettings } from './settings.js';
import { type AuditState, TableAuditState } from './state.js';
import { type AuditStore, TableAuditStore } from './store.js';
import { AuditTrail } from './trail.js';

/** The audit trail: where events are recorded and quarantined, the audit-log ingestion, the reactions. */
export type AuditRuntime = Runtime<{
  store: AuditStore;
  quarantine: QuarantineStore;
  handling: EventHandling;
  ingester: EntraLogIngester;
  retentionDays: number;
  clock: () => Date;
}>;

export interface AuditDeps {
  store?: AuditStore;
  quarantine?: QuarantineStore;
  generations?: CertificateGenerations;
  blobs?: AuditLogBlobs;
  state?: AuditState;
  journal?: RotationJournal;
  notifier?: OutOfBandNotifier;
  /** Rotation's SecretNearExpiry reaction; by default the rotation capability's, when configured. */
  nearExpiry?: () => NearExpiryHandler | undefined;
  clock?: () => Date;
}

const LOG_CONTAINER: BlobContainerName = ENTRA_AUDIT_LOG_CONTAINER;

/** Rotation's public reaction, when the rotation capability is configured. */
const rotationNearExpiry = () => {
  const runtime = rotation.runtime();
  return runtime.ok ? runtime.service : undefined;
};

/** Out-of-band changes go to the product's topic when one is configured, else into the trail. */
function outOfBandNotifier(env: Env, trail: AuditTrail): OutOfBandNotifier {
  const sink = eventSinkFrom(env);
  return sink ? new PublishingOutOfBandNotifier(sink) : new TrailOutOfBandNotifier(trail);
}

export function createAuditRuntime(env: Env, deps: AuditDeps = {}): AuditRuntime {
  try {
    const settings = settingsReader(env, auditSettings);
    const retentionDays = settings.int('Audit__RetentionDays', { min: 1, max: 36_500 });
    const lookbackHours = settings.int('Audit__EntraLogLookbackHours', { min: 1, max: 24 * 31 });
    const stored = Boolean(storageConnectionFrom(env));
    const needsStorage = !(
      deps.store &&
      deps.quarantine &&
      deps.generations &&
      deps.blobs &&
      deps.state &&
      deps.journal
    );
    if (!stored && needsStorage) settings.problems.push('Storage is not configured (AzureWebJobsStorage)');
    if (settings.problems.length > 0) return { ok: false, problems: settings.problems };
    const clock = deps.clock ?? (() => new Date());
    const store = deps.store ?? new TableAuditStore(tableClient('audit', env));
    const quarantine = deps.quarantine ?? new TableQuarantineStore(tableClient('quarantine', env));
    const trail = new AuditTrail(store, quarantine, clock);
    const generations =
      deps.generations ?? new TableCertificateGenerations(tableClient('certgenerations', env));
    const ingester = new EntraLogIngester({
      trail,
      blobs:
        deps.blobs ?? new ContainerAuditLogBlobs(blobServiceClient(env).getContainerClient(LOG_CONTAINER)),
      state: deps.state ?? new TableAuditState(tableClient('auditstate', env)),
      journal: deps.journal ?? new TableRotationJournal(tableClient('rotationjournal', env)),
      notifier: deps.notifier ?? outOfBandNotifier(env, trail),
      clock,
      lookbackHours,
    });
    const reactions = new Reactions(
      generations,
      async (record) => {
        await trail.record(record);
      },
      deps.nearExpiry ?? rotationNearExpiry,
    );
    const handling: EventHandling = { trail, reactions, ingestBlob: (name) => ingester.ingestBlob(name) };
    return { ok: true, store, quarantine, handling, ingester, retentionDays, clock };
  } catch (error) {
    return problemsOf(error);
  }
}

/** The ingestion timer's NCRONTAB schedule, read when the function registers (the host fixes it then too). */
export function auditIngestSchedule(env: Env = process.env): string {
  return settingsReader(env, auditSettings).string('Audit__EntraLogIngestSchedule') as string;
}

export const audit = capability('Audit', () => createAuditRuntime(process.env));
