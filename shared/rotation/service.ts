import type { Logger } from '../platform/log.js';
import type { RunOutcome } from '../platform/run-outcome.js';
import {
  type RotationConfig,
  type RotationPorts,
  RotationRun,
  type RotationSummary,
  type RunRequest,
} from './executor.js';

/** How a finished run reads on the dashboard. */
export function runOutcome(summary: RotationSummary, now: number): RunOutcome {
  const failed = summary.failed.length;
  const outcome = summary.dryRun
    ? 'dry-run'
    : failed === 0
      ? 'succeeded'
      : summary.rotated.length > 0 || summary.removed > 0
        ? 'partial'
        : 'failed';
  const parts = summary.dryRun
    ? [`${summary.apps} apps`, `${summary.planned.length} planned`]
    : [`${summary.apps} apps`, `${summary.rotated.length} rotated`, `${summary.removed} removed`];
  if (failed > 0) parts.push(`${failed} failed`);
  return { at: new Date(now).toISOString(), outcome, summary: parts.join(', ') };
}

/** What the function files call: one rotation run (scheduled, manual, or for one app on an event). */
export class RotationService {
  constructor(
    readonly config: RotationConfig,
    private readonly ports: RotationPorts,
  ) {}

  /** Overlapping runs are safe: each app is rotated under its own lease, so a second run skips it. */
  async run(log: Logger, request: RunRequest = {}): Promise<RotationSummary> {
    let summary: RotationSummary;
    try {
      summary = await new RotationRun(this.config, this.ports, log, request).run();
    } catch (error) {
      await this.#putRun(log, {
        at: new Date(this.ports.clock()).toISOString(),
        outcome: 'failed',
        summary: 'The run failed; see the function logs.',
      });
      throw error;
    }
    await this.#putRun(log, runOutcome(summary, this.ports.clock()));
    return summary;
  }

  /** The last run's outcome (the dashboard's overview). */
  lastRun(): Promise<RunOutcome | null> {
    return this.ports.journal.lastRun();
  }

  /** A lost run record is logged, never the run's failure. */
  async #putRun(log: Logger, outcome: RunOutcome): Promise<void> {
    try {
      await this.ports.journal.putRun(outcome);
    } catch (error) {
      log.warn('Rotation run outcome not stored', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /**
   * Key Vault's `SecretNearExpiry` (30 days before `exp`) for a secret this product wrote (its
   * `managedBy` tag is the managed prefix, its `appId` tag names the app): that app is rotated now,
   * through the same lease and plan as a scheduled run. Anything else is not ours: undefined.
   */
  async onSecretNearExpiry(
    secret: { name: string; version?: string },
    log: Logger,
  ): Promise<RotationSummary | undefined> {
    const tags = await this.ports.vault.tags(secret.name, secret.version);
    if (!tags || tags.managedBy !== this.config.policy.managedPrefix || !tags.appId) return undefined;
    log.info('SecretNearExpiry for a managed secret: rotating its app', {
      appId: tags.appId,
      secret: secret.name,
    });
    return this.run(log, { appId: tags.appId, trigger: 'event' });
  }
}
