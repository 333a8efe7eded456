import type { Logger } from '../platform/log.js';
import { errorResponse, type PlainResponse } from '../platform/problem.js';
import type { RunOutcome } from '../platform/run-outcome.js';
import { InventoryError } from './errors.js';
import { recordInventoryRun } from './metrics.js';
import {
  type CredentialItem,
  parseReportQuery,
  type QueryParams,
  reportResponse,
  selectItems,
} from './report.js';
import { type InventoryConfig, type InventoryPorts, InventoryRun, type RunSummary } from './run.js';

/** How a finished run reads on the dashboard. */
export function runOutcome(summary: RunSummary, now: number): RunOutcome {
  const failed = summary.failedApps.length;
  const outcome =
    failed === 0 && summary.errors.length === 0
      ? 'succeeded'
      : (summary.apps > 0 && failed >= summary.apps) || summary.credentials === 0
        ? 'failed'
        : 'partial';
  const parts = [`${summary.apps} apps`, `${summary.credentials} credentials`];
  if (failed > 0) parts.push(`${failed} apps failed`);
  if (summary.errors.length > 0) parts.push(`${summary.errors.length} errors`);
  return { at: new Date(now).toISOString(), outcome, summary: parts.join(', ') };
}

/** What the function files call: one run (the timer), one report (the HTTP endpoint). */
export class InventoryService {
  #running: Promise<RunSummary> | undefined;

  constructor(
    readonly config: InventoryConfig,
    private readonly ports: InventoryPorts,
  ) {}

  /** One run at a time per instance: a manual run during a scheduled one joins it. */
  run(log: Logger): Promise<RunSummary> {
    this.#running ??= new InventoryRun(this.config, this.ports, log)
      .run()
      .then(async (summary) => {
        await this.#putRun(log, runOutcome(summary, this.ports.clock()));
        return summary;
      })
      .catch(async (error: unknown) => {
        recordInventoryRun('failed');
        await this.#putRun(log, {
          at: new Date(this.ports.clock()).toISOString(),
          outcome: 'failed',
          summary: 'The run failed; see the function logs.',
        });
        throw error;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** The last run's outcome (the dashboard's overview). */
  lastRun(): Promise<RunOutcome | null> {
    return this.ports.store.lastRun();
  }

  /** Every credential with its status for now and its rotation fields, soonest end first. */
  async items(): Promise<CredentialItem[]> {
    const rows = await this.ports.store.readAll();
    const rotation = (await this.ports.rotation?.byKeyId()) ?? new Map();
    const query = parseReportQuery(new URLSearchParams());
    return selectItems(rows, query, this.config.thresholds, this.ports.clock(), rotation);
  }

  /** These items as `GET /api/credentials?format=csv` answers them. */
  csv(items: CredentialItem[]): PlainResponse {
    return reportResponse(items, { ...parseReportQuery(new URLSearchParams()), format: 'csv' });
  }

  /** A lost run record is logged, never the run's failure. */
  async #putRun(log: Logger, outcome: RunOutcome): Promise<void> {
    try {
      await this.ports.store.putRun(outcome);
    } catch (error) {
      log.warn('Inventory run outcome not stored', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  async report(params: QueryParams, names: string[]): Promise<PlainResponse> {
    try {
      const query = parseReportQuery(params, names);
      const rows = await this.ports.store.readAll();
      const rotation = (await this.ports.rotation?.byKeyId()) ?? new Map();
      return reportResponse(
        selectItems(rows, query, this.config.thresholds, this.ports.clock(), rotation),
        query,
      );
    } catch (error) {
      if (error instanceof InventoryError) return errorResponse(error);
      throw error;
    }
  }
}
