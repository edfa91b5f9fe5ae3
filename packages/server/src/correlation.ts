import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * The pattern every outbound spec gives `x-correlation-id` (the wider v1 form, which adds dot and space);
 * a test keeps it in step with the effective specs. Only a matching value is echoed or logged.
 */
export const CORRELATION_ID_PATTERN = /^[a-zA-Z0-9_\-. ]{1,64}$/;

// Kept in res.locals (which Express creates per request) rather than as a new property on the response
// object, which would change that object's shape on every request.
const LOCALS_KEY = 'd1kitCorrelationId';

/** The request's correlation id: D1's when it sent a well-formed one, otherwise a fresh UUID. */
export function getCorrelationId(res: Response): string {
  return (res.locals?.[LOCALS_KEY] as string | undefined) ?? '';
}

/** First in the chain: every answer, refusals included, carries the id D1 can quote back. */
export function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const sent = req.headers[CORRELATION_HEADER];
  const id = typeof sent === 'string' && CORRELATION_ID_PATTERN.test(sent) ? sent : randomUUID();
  res.locals[LOCALS_KEY] = id;
  res.setHeader(CORRELATION_HEADER, id);
  next();
}
