import type { TableClient } from '@azure/data-tables';

/** How a timer's run ended, in one line a person reads (the dashboard's "last runs"). Never a secret. */
export interface RunOutcome {
  at: string;
  outcome: 'succeeded' | 'partial' | 'failed' | 'dry-run';
  summary: string;
}

/** The partition of a table's last-run row: `~` sorts after every GUID and no app id can be it. */
export const RUN_PARTITION = '~run';

export interface RunOutcomeStore {
  /** The last run's outcome (one row, replaced by every run); null before the first. */
  lastRun(): Promise<RunOutcome | null>;
  putRun(run: RunOutcome): Promise<void>;
}

/** The last-run row `(~run, rowKey)` in a capability's own table. */
export function tableRunOutcome(
  client: TableClient,
  ensureTable: () => Promise<void>,
  rowKey: string,
): RunOutcomeStore {
  return {
    async lastRun() {
      await ensureTable();
      try {
        const entity = await client.getEntity<RunOutcome>(RUN_PARTITION, rowKey);
        return { at: entity.at, outcome: entity.outcome, summary: entity.summary };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null;
        throw error;
      }
    },
    async putRun(run) {
      await ensureTable();
      await client.upsertEntity({ partitionKey: RUN_PARTITION, rowKey, ...run }, 'Replace');
    },
  };
}
