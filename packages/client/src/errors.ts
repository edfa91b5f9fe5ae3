/**
 * Stable codes for everything the client refuses or fails at. Callers branch on `code`, never on `message`.
 * D1's own error answers are not thrown: they come back as results with `ok: false` (see result.ts).
 */
export type D1ClientErrorCode =
  | 'CONFIG_INVALID'
  | 'UNKNOWN_OPERATION'
  | 'INVALID_INPUT'
  | 'ENCRYPTION_FAILED'
  | 'TOKEN_FAILED'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'RESPONSE_TOO_LARGE';

/** Where a rejected input lives: the request body, a path or header parameter, or the plaintext of a JWE field. */
export type InputLocation = 'path' | 'header' | 'body' | 'plaintext';

/** One rule an input broke. Names the field and the rule, never the value. */
export interface InputIssue {
  readonly location: InputLocation;
  /** RFC 6901 pointer: into the body (plaintext fields under their caller-facing name, e.g. `/card/pan`), or `/<name>` for parameters. */
  readonly pointer: string;
  /** The JSON Schema keyword that failed (`pattern`, `required`, `maxLength`, ...) or a d1kit rule such as `luhn`. */
  readonly rule: string;
}

export interface D1ClientErrorDetails {
  readonly operationId?: string;
  readonly correlationId?: string;
  readonly issues?: readonly InputIssue[];
  readonly attempts?: number;
  /** A low-level reason such as `ECONNREFUSED`, or the code of a wrapped d1kit error; never free text. */
  readonly reason?: string;
}

/**
 * The one error class of @d1kit/client. Messages are fixed texts written here plus identifiers, field
 * names and JSON pointers, so they never carry a PAN, plaintext, a token, an assertion or a JWE.
 */
export class D1ClientError extends Error {
  override readonly name = 'D1ClientError';
  readonly code: D1ClientErrorCode;
  readonly operationId: string | undefined;
  readonly correlationId: string | undefined;
  /** For INVALID_INPUT: every rule broken (capped), the first one also named by `field`. */
  readonly issues: readonly InputIssue[];
  /** The first offending field as a dotted name, e.g. `card.pan`, `path.cardId`, `header.x-user-id`. */
  readonly field: string | undefined;
  readonly attempts: number | undefined;
  readonly reason: string | undefined;

  constructor(code: D1ClientErrorCode, message: string, details: D1ClientErrorDetails = {}) {
    super(message);
    this.code = code;
    this.operationId = details.operationId;
    this.correlationId = details.correlationId;
    this.issues = details.issues ?? [];
    this.field = this.issues[0] ? fieldName(this.issues[0]) : undefined;
    this.attempts = details.attempts;
    this.reason = details.reason;
  }
}

/** `body` + `/card/pan` → `card.pan`; parameters keep their location: `path.cardId`. */
export function fieldName(issue: InputIssue): string {
  const parts = issue.pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  const dotted = parts.join('.');
  if (issue.location === 'path' || issue.location === 'header')
    return dotted ? `${issue.location}.${dotted}` : issue.location;
  return dotted || 'body';
}

const SAFE_IDENTIFIER = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Keeps a value from outside only when it is a short identifier (an error code), never arbitrary text. */
export function safeIdentifier(value: unknown): string | undefined {
  return typeof value === 'string' && SAFE_IDENTIFIER.test(value) ? value : undefined;
}

/** The `code` (or class name) of a low-level error or one of its causes, e.g. `ECONNREFUSED`. */
export function lowLevelReason(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') break;
    const code = safeIdentifier((current as { code?: unknown }).code);
    if (code && code !== 'ERR_INVALID_STATE') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? safeIdentifier(error.name) : undefined;
}
