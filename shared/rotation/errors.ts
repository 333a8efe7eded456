import { AppError } from '../platform/errors.js';

/** Why one app's rotation step failed; the code goes into the journal and `RotationFailed`. */
export type RotationErrorCode =
  | 'ownership_denied'
  | 'lifetime_policy'
  | 'credential_limit'
  | 'graph_throttled'
  | 'graph_unavailable'
  | 'no_answer'
  | 'keyvault_unavailable'
  | 'certificate_unreadable'
  | 'verification_timeout'
  | 'app_not_found';

export class RotationError extends AppError<RotationErrorCode> {
  constructor(
    code: RotationErrorCode,
    message: string,
    options: { cause?: unknown; graphCode?: string | null } = {},
  ) {
    super(code, message, { cause: options.cause, status: 503 });
    this.name = 'RotationError';
    this.graphCode = options.graphCode ?? null;
  }

  /** Graph's own error code, when Graph answered. */
  readonly graphCode: string | null;
}

/** No answer came (a dropped connection, a timeout): the step may or may not have happened. */
export const isAmbiguous = (error: unknown) => error instanceof RotationError && error.code === 'no_answer';
