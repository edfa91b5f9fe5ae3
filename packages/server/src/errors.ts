/** Stable codes for what @d1kit/server refuses at start-up or reports at run time. Branch on `code`. */
export type ServerErrorCode =
  | 'CONFIG_INVALID'
  | 'SPEC_LOAD_FAILED'
  | 'VALIDATOR_INTERNALS_CHANGED'
  | 'NOTIFICATION_STORE_FAILED'
  | 'NOTIFICATION_IN_PROGRESS';

/**
 * The one error class of this package. Messages are fixed texts written here (plus operation ids, spec
 * names and JSON pointers), so they are safe to log and never carry request values.
 */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
