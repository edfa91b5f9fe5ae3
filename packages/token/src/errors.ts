/**
 * Stable codes for everything @d1kit/token can refuse. Messages are fixed texts written here, so they
 * can never carry an assertion, an access token, a client secret or a private key.
 */
export type TokenErrorCode =
  | 'CONFIG_INVALID'
  | 'KEY_INVALID'
  | 'SECRET_HASH_INVALID'
  | 'ASSERTION_SIGN_FAILED'
  | 'TOKEN_NETWORK_ERROR'
  | 'TOKEN_TIMEOUT'
  | 'TOKEN_REJECTED'
  | 'TOKEN_UNAUTHORIZED'
  | 'TOKEN_SERVER_ERROR'
  | 'TOKEN_RESPONSE_INVALID'
  | 'BEARER_MISSING'
  | 'BEARER_MALFORMED'
  | 'BEARER_INVALID'
  | 'BEARER_INSUFFICIENT_SCOPE';

export interface TokenErrorDetails {
  /** HTTP status of the D1 token endpoint's answer, when there was one. */
  readonly status?: number;
  /** How many HTTP attempts were made before giving up. */
  readonly attempts?: number;
  /** The OAuth `error` code from D1's body, only when it is a short plain identifier. */
  readonly oauthError?: string;
  /** A low-level reason such as `ECONNREFUSED` or `exp`; never free text from outside. */
  readonly reason?: string;
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code: TokenErrorCode;
  readonly status: number | undefined;
  readonly attempts: number | undefined;
  readonly oauthError: string | undefined;
  readonly reason: string | undefined;

  constructor(code: TokenErrorCode, message: string, details: TokenErrorDetails = {}) {
    super(message);
    this.code = code;
    this.status = details.status;
    this.attempts = details.attempts;
    this.oauthError = details.oauthError;
    this.reason = details.reason;
  }
}

const SAFE_IDENTIFIER = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Keeps a value from outside only if it is a short identifier (an error code), never arbitrary text. */
export function safeIdentifier(value: unknown): string | undefined {
  return typeof value === 'string' && SAFE_IDENTIFIER.test(value) ? value : undefined;
}

/** The `code` (or, failing that, the class name) of a low-level error and of its cause, e.g. `ECONNREFUSED`. */
export function describeLowLevelError(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    if (typeof current !== 'object') break;
    const code = safeIdentifier((current as { code?: unknown }).code);
    if (code) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? safeIdentifier(error.name) : undefined;
}
