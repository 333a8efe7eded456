import { AppError } from '../platform/errors.js';

export type DashboardErrorCode = 'bad_request' | 'not_found' | 'method_not_allowed';

const statusByCode: Record<DashboardErrorCode, number> = {
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
};

/** A client mistake on a dashboard route: a problem+json answer, never a 500. */
export class DashboardError extends AppError<DashboardErrorCode> {
  constructor(code: DashboardErrorCode, message: string) {
    super(code, message, { status: statusByCode[code] });
    this.name = 'DashboardError';
  }
}
