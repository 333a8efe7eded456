import type { InvocationContext, Timer } from '@azure/functions';
import { type InventoryRuntime, inventory, inventorySchedule } from '../shared/inventory/runtime.js';
import { loggerFor } from '../shared/platform/log.js';
import { registerTimer } from '../shared/platform/registry.js';
import type { ReadyRuntime } from '../shared/platform/runtime.js';

/**
 * One inventory run (hourly by default; also `POST /admin/functions/inventoryCredentials`). A
 * run that ends with errors (a missing Graph permission, Graph down) has logged them once and
 * written what it finished: it does not throw, so nothing retries it before the next schedule.
 */
export async function inventoryCredentials(
  timer: Timer,
  context: InvocationContext,
  { service }: ReadyRuntime<InventoryRuntime>,
): Promise<void> {
  const log = loggerFor(context, { function: 'inventoryCredentials' });
  if (timer.isPastDue) log.warn('Inventory run is late (past due)');
  await service.run(log);
}

registerTimer('inventoryCredentials', {
  schedule: inventorySchedule(),
  capability: inventory,
  handler: inventoryCredentials,
});
