/** Stable codes for everything @d1kit/jwe refuses. Callers branch on `code`, never on `message`. */
export type JweErrorCode =
  | 'JWE_TOO_LONG'
  | 'JWE_MALFORMED'
  | 'JWE_HEADER_NOT_ALLOWED'
  | 'JWE_ALG_NOT_ALLOWED'
  | 'JWE_ENC_NOT_ALLOWED'
  | 'JWE_ZIP_NOT_ALLOWED'
  | 'JWE_CRIT_NOT_ALLOWED'
  | 'JWE_KID_MISSING'
  | 'JWE_KID_UNKNOWN'
  | 'JWE_EPK_INVALID'
  | 'JWE_DECRYPTION_FAILED'
  | 'JWE_ENCRYPTION_FAILED'
  | 'KEY_INVALID'
  | 'KEY_SET_INVALID'
  | 'PLAINTEXT_TOO_LARGE'
  | 'PLAINTEXT_NOT_JSON'
  | 'PLAINTEXT_INVALID'
  | 'PIN_INVALID'
  | 'PAN_INVALID'
  | 'PIN_BLOCK_INVALID';

/** One schema violation: where (RFC 6901 pointer into the plaintext) and which rule, never the value. */
export interface PlaintextIssue {
  readonly pointer: string;
  readonly rule: string;
}

/**
 * The one error class of this package. Messages are fixed texts written here (plus kids and JSON
 * pointers), so they never carry plaintext, a PAN, a PIN block or key material and are safe to log.
 * Low-level causes are deliberately not attached: their messages are not under our control.
 */
export class JweError extends Error {
  override readonly name = 'JweError';
  readonly code: JweErrorCode;
  /** Schema violations, for PLAINTEXT_INVALID only. */
  readonly issues: readonly PlaintextIssue[];

  constructor(code: JweErrorCode, message: string, issues: readonly PlaintextIssue[] = []) {
    super(message);
    this.code = code;
    this.issues = issues;
  }
}

const SAFE_KID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** A kid is shown in a message only when it looks like an identifier; anything else is withheld. */
export function describeKid(kid: unknown): string {
  return typeof kid === 'string' && SAFE_KID.test(kid) ? `'${kid}'` : '(not shown)';
}
