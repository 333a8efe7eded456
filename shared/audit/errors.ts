import { AppError } from '../platform/errors.js';

/**
 * Why an event is quarantined instead of recorded: it cannot be parsed, or no normaliser handles it.
 * Either way it is acknowledged, so Event Grid does not redeliver it for 24 hours.
 */
export type AuditErrorCode = 'event_unparseable' | 'event_not_handled';

export class AuditEventError extends AppError<AuditErrorCode> {
  constructor(code: AuditErrorCode, message: string) {
    super(code, message, { status: 422 });
    this.name = 'AuditEventError';
  }
}

export const unparseable = (message: string) => new AuditEventError('event_unparseable', message);
export const notHandled = (message: string) => new AuditEventError('event_not_handled', message);
