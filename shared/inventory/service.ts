import type { Logger } from '../platform/log.js';
import { errorResponse, type PlainResponse } from '../platform/problem.js';
import { InventoryError } from './errors.js';
import { recordInventoryRun } from './metrics.js';
import { parseReportQuery, type QueryParams, reportResponse, selectItems } from './report.js';
import { type InventoryConfig, type InventoryPorts, InventoryRun, type RunSummary } from './run.js';

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
      .catch((error: unknown) => {
        recordInventoryRun('failed');
        throw error;
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
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
