import { storageConnectionFrom, tableServiceClient } from '../platform/storage.js';
import type { DependencyCheck } from './health.js';

type Env = Record<string, string | undefined>;

/** The dependency checks for what this deployment is configured to use. */
export function configuredChecks(env: Env = process.env): DependencyCheck[] {
  const checks: DependencyCheck[] = [];
  if (storageConnectionFrom(env)) {
    const tables = tableServiceClient(env);
    checks.push({
      name: 'storage',
      probe: async (abortSignal) => {
        await tables.listTables().byPage({ maxPageSize: 1 }).next();
        abortSignal.throwIfAborted();
      },
    });
  }
  return checks;
}
