import { AppError } from '../platform/errors.js';

export type InventoryErrorCode =
  | 'graph_permission_missing'
  | 'graph_unavailable'
  | 'sign_in_activity_unavailable'
  | 'events_unavailable'
  | 'bad_filter'
  | 'bad_continuation_token';

const statusByCode: Record<InventoryErrorCode, number> = {
  graph_permission_missing: 503,
  graph_unavailable: 503,
  sign_in_activity_unavailable: 503,
  events_unavailable: 503,
  bad_filter: 400,
  bad_continuation_token: 400,
};

export class InventoryError extends AppError<InventoryErrorCode> {
  constructor(code: InventoryErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, status: statusByCode[code] });
    this.name = 'InventoryError';
  }
}

/** Where the README explains the Graph permissions (named in every permission error). */
export const PERMISSIONS_SECTION = 'README.md, "Credential inventory" › "Graph permissions"';

export function permissionMissing(permission: string, what: string): InventoryError {
  return new InventoryError(
    'graph_permission_missing',
    `Microsoft Graph refused to ${what} (403): the product's identity needs the application permission ${permission}. See ${PERMISSIONS_SECTION}.`,
  );
}
