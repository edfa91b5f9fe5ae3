import type { Response } from 'express';

/**
 * Error codes this package answers with. `MISSING_FIELD`, `INVALID_FIELD` and `FIELD_INVALID_FORMAT` are
 * the spellings D1 itself uses (contract 9.5); the others name the HTTP failure.
 */
export type D1ErrorCode =
  | 'MISSING_FIELD'
  | 'INVALID_FIELD'
  | 'FIELD_INVALID_FORMAT'
  | 'BODY_NOT_ALLOWED'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL_ERROR';

/** `errorGenericOutbound`: `error` is a stable code, `message` is informational (D1 must not parse it). */
export interface D1ErrorBody {
  readonly error: string;
  readonly message?: string;
}

export function d1ErrorBody(error: string, message: string): D1ErrorBody {
  return { error, message };
}

/** Writes a D1-shaped JSON error. Safe to call once per response; later calls are ignored. */
export function sendD1Error(
  res: Response,
  status: number,
  error: D1ErrorCode,
  message: string,
  options: { readonly close?: boolean; readonly headers?: Readonly<Record<string, string>> } = {},
): void {
  if (res.headersSent) return;
  const body = JSON.stringify(d1ErrorBody(error, message));
  res.status(status);
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  // After a body we did not read (too large, not allowed) the connection cannot be reused safely.
  if (options.close) res.setHeader('connection', 'close');
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** The 500 answer: the correlation id, nothing about the cause. */
export function internalErrorMessage(correlationId: string): string {
  return `Internal error; quote correlation id ${correlationId}`;
}
