import type { UsageStore } from '../validation/usage.js';

/**
 * Last use per client id from the validator's usage records, for tenants without the sign-in
 * activity report (no Entra ID P1/P2, or `Inventory__SignInActivity=false`). Coarser than the
 * report: one time per app, for every credential of it, labelled `validatorUsage`.
 */
export interface ValidatorUsage {
  lastUse(clientId: string): Promise<string | null>;
}

/**
 * Reads the validation capability's `UsageStore` (its storage port, the one thing inventory takes
 * from it): the latest `lastSeen` of a successful validation across instances, tenants and policies.
 */
export function validatorUsageFrom(store: Pick<UsageStore, 'read'>): ValidatorUsage {
  return {
    async lastUse(clientId) {
      let latest: string | null = null;
      for (const record of await store.read(clientId))
        if (record.success > 0 && (latest === null || record.lastSeen > latest)) latest = record.lastSeen;
      return latest;
    },
  };
}
