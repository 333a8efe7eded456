import type { EventSink, PublishedEvent } from '../platform/event-publisher.js';
import type { Logger } from '../platform/log.js';
import { RotationError } from './errors.js';
import type { RotationJournal } from './journal.js';
import { type RotationMetricStep, recordRotation } from './metrics.js';
import type { AppState, JournalRecord, RotationStep } from './model.js';
import type { Action } from './planner.js';

/**
 * What one run writes down as it goes: journal steps, events (never a secret value), log lines,
 * metrics and the run summary. The executor and the certificate step share it.
 */
export interface AppFailure {
  appId: string;
  step: string;
  code: string;
}

export interface RotationSummary {
  runId: string;
  dryRun: boolean;
  apps: number;
  /** Dry run: what would be done, per app. */
  planned: Array<{ appId: string; kind: Action['kind']; keyId?: string }>;
  rotated: string[];
  removed: number;
  stillInUse: number;
  compensated: number;
  deferred: string[];
  busy: string[];
  failed: AppFailure[];
  drift: number;
  unmanaged: number;
  graphCalls: number;
  throttled: number;
  events: number;
  durationMs: number;
}

export const EVENT_SOURCE = '/entra-gateway-token-plumbing/rotation';

export const codeOf = (error: unknown) => (error instanceof RotationError ? error.code : 'internal');
export const messageOf = (error: unknown) =>
  error instanceof RotationError ? error.message : 'An unexpected error; see the function logs.';

/** A run's summary before it has done anything. */
export function emptyRotationSummary(runId: string, dryRun: boolean): RotationSummary {
  return {
    runId,
    dryRun,
    apps: 0,
    planned: [],
    rotated: [],
    removed: 0,
    stillInUse: 0,
    compensated: 0,
    deferred: [],
    busy: [],
    failed: [],
    drift: 0,
    unmanaged: 0,
    graphCalls: 0,
    throttled: 0,
    events: 0,
    durationMs: 0,
  };
}

export interface RecorderPorts {
  journal: RotationJournal;
  events?: EventSink;
  clock: () => number;
}

export class RunRecorder {
  readonly summary: RotationSummary;

  constructor(
    readonly runId: string,
    dryRun: boolean,
    private readonly ports: RecorderPorts,
    readonly log: Logger,
  ) {
    this.summary = emptyRotationSummary(runId, dryRun);
  }

  now(): number {
    return this.ports.clock();
  }

  async save(record: JournalRecord, patch: Partial<JournalRecord>): Promise<JournalRecord> {
    Object.assign(record, patch, { updatedAt: new Date(this.now()).toISOString() });
    await this.ports.journal.put(record);
    return record;
  }

  deferred(app: AppState, step: RotationMetricStep): void {
    this.summary.deferred.push(app.appId);
    recordRotation('deferred', step);
    this.log.warn('Rotation step got no answer; the journal keeps it and the next run resumes it', {
      appId: app.appId,
      step,
    });
  }

  async failed(app: AppState, record: JournalRecord | null, step: string, error: unknown): Promise<void> {
    if (record)
      await this.save(record, {
        step: 'failed' as RotationStep,
        error: `${codeOf(error)}: ${messageOf(error)}`,
      });
    recordRotation(
      'failed',
      (['add', 'store', 'verify', 'remove'].includes(step) ? step : 'resume') as RotationMetricStep,
    );
    this.fail(app.appId, step, error);
    await this.publishFailure(app, record, step, error, false);
  }

  fail(appId: string, step: string, error: unknown): void {
    this.summary.failed.push({ appId, step, code: codeOf(error) });
    this.log.error('Rotation step failed', { appId, step, code: codeOf(error), error: messageOf(error) });
  }

  publishFailure(
    app: AppState,
    record: JournalRecord | null,
    step: string,
    error: unknown,
    compensated: boolean,
  ) {
    return this.publish(
      'RotationFailed',
      app,
      `${record?.runId ?? this.runId}:${app.appId}:RotationFailed:${step}`,
      {
        step,
        code: codeOf(error),
        graphCode: error instanceof RotationError ? error.graphCode : null,
        reason: messageOf(error),
        compensated,
        oldKeyId: record?.oldKeyId ?? null,
        newKeyId: record?.newKeyId ?? null,
      },
    );
  }

  async publish(type: string, app: AppState, id: string, data: Record<string, unknown>): Promise<void> {
    if (!this.ports.events) return;
    const event: PublishedEvent = {
      id,
      type,
      source: EVENT_SOURCE,
      subject: `applications/${app.appId}`,
      time: new Date(this.now()),
      data: {
        appId: app.appId,
        objectId: app.objectId,
        appDisplayName: app.displayName,
        runId: this.runId,
        ...data,
      },
    };
    try {
      await this.ports.events.publish([event]);
      this.summary.events += 1;
    } catch (error) {
      this.log.warn('Rotation event not published', { type, appId: app.appId, error: messageOf(error) });
    }
  }
}
