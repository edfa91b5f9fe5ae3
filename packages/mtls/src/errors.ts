/** Stable codes for every failure @d1kit/mtls reports; callers branch on `code`, never on `message`. */
export type MtlsErrorCode =
  | 'MTLS_INVALID_OPTIONS'
  | 'MTLS_FILE_UNREADABLE'
  | 'MTLS_FILE_INVALID'
  | 'MTLS_KEY_CERT_MISMATCH'
  | 'MTLS_UNSUPPORTED_KEY'
  | 'MTLS_FILE_EXISTS'
  | 'MTLS_UNSAFE_DIRECTORY'
  | 'MTLS_INVALID_COMMON_NAME'
  | 'MTLS_INVALID_SUBJECT'
  | 'MTLS_RELOAD_FAILED';

/**
 * The one error class of this package. Messages name files, options and certificate fields but never
 * contain key material, passphrases or file contents, so they are safe to log and to print.
 */
export class MtlsError extends Error {
  override readonly name = 'MtlsError';
  readonly code: MtlsErrorCode;
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;

  constructor(code: MtlsErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}
