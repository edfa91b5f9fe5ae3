import type { OutgoingHttpHeaders } from 'node:http';
import type { Response } from 'express';
import { CORRELATION_HEADER, getCorrelationId } from './correlation.js';
import { internalErrorMessage, sendD1Error } from './d1-error.js';
import type { ServerLogger } from './logger.js';
import type { CompiledOperation } from './validation/engine.js';
import type { FieldIssue } from './validation/issues.js';
import type { CapturedResponse } from './validation/response-check.js';

/** Responses of the outbound APIs are small; anything larger than this is itself a defect. */
export const MAX_CHECKED_RESPONSE_BYTES = 1024 * 1024;

type Chunk = string | Uint8Array;
type Callback = (error?: Error | null) => void;

function toBuffer(chunk: Chunk, encoding?: BufferEncoding): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk);
}

function applyHeaders(res: Response, headers: unknown): void {
  if (Array.isArray(headers)) {
    // Either [[name, value], …] or the raw flat form [name, value, name, value, …].
    if (headers.every((item) => Array.isArray(item))) {
      for (const [name, value] of headers as [string, string][]) res.setHeader(name, value);
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) res.setHeader(String(headers[i]), headers[i + 1]);
    }
  } else if (headers && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
      if (value !== undefined) res.setHeader(name, value);
    }
  }
}

/**
 * Holds a response back until it is complete, whoever writes it (a typed handler, the token endpoint, the
 * bearer middleware, `res.send` with any content type), checks it, and only then lets it out. A response
 * that breaks the contract is replaced by `onViolation`, which writes the 500 itself.
 */
export function guardResponse(
  res: Response,
  check: (response: CapturedResponse) => FieldIssue | undefined,
  onViolation: (issue: FieldIssue, response: CapturedResponse) => void,
): void {
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
  };
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;

  const capture = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = toBuffer(chunk as Chunk, encoding);
    size += buffer.byteLength;
    if (size <= MAX_CHECKED_RESPONSE_BYTES) chunks.push(buffer);
  };
  const restore = () => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
    res.flushHeaders = original.flushHeaders;
  };

  // Headers are only recorded here; nothing goes on the wire before the check.
  res.writeHead = function writeHead(this: Response, status: number, ...rest: unknown[]) {
    res.statusCode = status;
    if (typeof rest[0] === 'string') res.statusMessage = rest[0];
    applyHeaders(res, typeof rest[0] === 'string' ? rest[1] : rest[0]);
    return this;
  } as Response['writeHead'];
  res.flushHeaders = () => {};
  res.write = function write(this: Response, chunk: unknown, encoding?: unknown, callback?: unknown) {
    capture(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as Callback);
    return true;
  } as Response['write'];
  res.end = function end(this: Response, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    if (finished) return this;
    finished = true;
    if (typeof chunk === 'function') callback = chunk;
    else capture(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
    if (typeof encoding === 'function') callback = encoding;
    restore();
    const body = Buffer.concat(chunks);
    const response: CapturedResponse = { status: res.statusCode, headers: res.getHeaders(), body };
    const issue =
      size > MAX_CHECKED_RESPONSE_BYTES
        ? { pointer: '/body', rule: `the body is larger than ${MAX_CHECKED_RESPONSE_BYTES} bytes` }
        : check(response);
    if (issue) {
      onViolation(issue, response);
      return this;
    }
    const endWith = original.end as (chunk: Buffer, done?: Callback) => Response;
    return endWith.call(this, body, callback as Callback | undefined);
  } as Response['end'];
}

/** Clears whatever a rejected response had set, except the headers listed (e.g. the correlation id). */
export function resetResponseHeaders(res: Response, keep: readonly string[]): void {
  for (const name of res.getHeaderNames()) if (!keep.includes(name)) res.removeHeader(name);
}

/**
 * The guard with the server's reaction: a response that breaks the operation's spec is logged (pointer and
 * rule only) and replaced by a 500 carrying the correlation id.
 */
export function guardCheckedResponse(
  res: Response,
  operation: CompiledOperation,
  logger: ServerLogger,
): void {
  guardResponse(res, operation.checkResponse, (issue, response) => {
    const correlationId = getCorrelationId(res);
    logger.error(
      {
        event: 'response.invalid',
        operationId: operation.operationId,
        status: response.status,
        pointer: issue.pointer,
        rule: issue.rule,
        correlationId,
      },
      'response breaks the spec; answered 500 instead',
    );
    resetResponseHeaders(res, [CORRELATION_HEADER]);
    sendD1Error(res, 500, 'INTERNAL_ERROR', internalErrorMessage(correlationId));
  });
}
