import { getBearerAuth } from '@d1kit/token';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientOf } from './auth.js';
import { getCorrelationId } from './correlation.js';
import { internalErrorMessage, sendD1Error } from './d1-error.js';
import { JweFieldError, type JweFieldPlan } from './jwe-fields.js';
import { bindLogger, type ServerLogger } from './logger.js';
import type { HandledOperationId, HandlerContext, OperationHandler } from './operation-types.js';
import { guardCheckedResponse } from './response-guard.js';
import type { CompiledOperation } from './validation/engine.js';
import { d1CodeFor, issueFromEov, issueMessage } from './validation/issues.js';
import { isJsonMediaType } from './validation/response-check.js';

/** A handler's result failed before it reached the wire; the cause is logged, D1 gets a plain 500. */
export class HandlerResultError extends Error {
  override readonly name = 'HandlerResultError';
  constructor(
    readonly pointer: string,
    readonly rule: string,
  ) {
    super(`${pointer}: ${rule}`);
  }
}

/** Carries whatever an operation's steps (the handler included) threw to the error handler, unchanged. */
export class OperationFailure extends Error {
  override readonly name = 'OperationFailure';
  constructor(override readonly cause: unknown) {
    super('operation failed');
  }
}

function isEovHttpError(error: unknown): error is { status: number } {
  const status = (error as { status?: unknown })?.status;
  return (
    typeof status === 'number' &&
    status >= 400 &&
    status < 500 &&
    Array.isArray((error as { errors?: unknown }).errors)
  );
}

function declaredHeaders(operation: CompiledOperation): readonly string[] {
  return operation.meta.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
}

export type AnyResult = {
  readonly status: number;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
};

export function checkResultShape(result: unknown): AnyResult {
  if (!result || typeof result !== 'object')
    throw new HandlerResultError('/', 'the handler returned no result');
  const { status, headers, contentType } = result as AnyResult;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new HandlerResultError('/status', 'must be an integer from 200 to 599');
  }
  if (headers !== undefined && (typeof headers !== 'object' || headers === null)) {
    throw new HandlerResultError('/headers', 'must be an object of strings');
  }
  if (contentType !== undefined && typeof contentType !== 'string') {
    throw new HandlerResultError('/contentType', 'must be a media type');
  }
  return result as AnyResult;
}

/** A result as bytes and headers, before it is written (shared with the testing helper). */
export interface SerializedResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Serialises an (already encrypted) result the way the server writes it. */
const EMPTY_QUERY: Readonly<Record<string, never>> = Object.freeze({});
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_BODY = Buffer.alloc(0);

export function serializeResult(result: AnyResult, body: unknown): SerializedResult {
  if (body === undefined && result.headers === undefined) {
    return { status: result.status, headers: NO_HEADERS, body: NO_BODY };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (typeof value !== 'string') throw new HandlerResultError(`/headers/${name}`, 'must be a string');
    headers[name.toLowerCase()] = value;
  }
  if (body === undefined) return { status: result.status, headers, body: NO_BODY };
  const contentType = result.contentType ?? 'application/json';
  if (isJsonMediaType(contentType.split(';')[0]!.trim().toLowerCase())) {
    headers['content-type'] = contentType.includes(';') ? contentType : `${contentType}; charset=utf-8`;
    return { status: result.status, headers, body: Buffer.from(JSON.stringify(body)) };
  }
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) {
    throw new HandlerResultError('/body', `a ${contentType} body must be a string or Buffer`);
  }
  headers['content-type'] = contentType;
  return { status: result.status, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function writeResult(res: Response, serialized: SerializedResult): void {
  res.statusCode = serialized.status;
  const headers = serialized.headers;
  // for…in rather than Object.entries: no array of pairs per response (the objects are plain and own).
  if (headers !== NO_HEADERS) for (const name in headers) res.setHeader(name, headers[name]!);
  const body = serialized.body;
  if (body.length === 0) {
    res.end();
    return;
  }
  res.setHeader('content-length', body.length);
  res.end(body);
}

/**
 * What a handler's `context` is. A class rather than an object literal with getters: its accessors live on
 * the prototype, so building one per request is a plain allocation.
 */
class OperationContext implements HandlerContext {
  readonly operationId: HandledOperationId;
  readonly correlationId: string;
  readonly client: HandlerContext['client'];
  readonly bearer: HandlerContext['bearer'];
  readonly #operation: CompiledOperation;
  readonly #req: Request;
  readonly #res: Response;
  readonly #logger: ServerLogger;
  readonly #validateResponses: boolean;
  #bound: ServerLogger | undefined;
  #guarded = false;

  constructor(
    operation: CompiledOperation,
    req: Request,
    res: Response,
    correlationId: string,
    logger: ServerLogger,
    validateResponses: boolean,
  ) {
    this.operationId = operation.operationId as HandledOperationId;
    this.correlationId = correlationId;
    this.client = clientOf(req);
    this.bearer = getBearerAuth(res);
    this.#operation = operation;
    this.#req = req;
    this.#res = res;
    this.#logger = logger;
    this.#validateResponses = validateResponses;
  }

  /** Bound on first use: most handlers never log. */
  get logger(): ServerLogger {
    this.#bound ??= bindLogger(this.#logger, {
      correlationId: this.correlationId,
      operationId: this.operationId,
    });
    return this.#bound;
  }

  /**
   * The escape hatch: a handler that reaches for the raw request might write the response itself, so from
   * then on whatever is written passes the same check on its way out.
   */
  get request(): Request {
    if (this.#validateResponses && !this.#guarded) {
      this.#guarded = true;
      guardCheckedResponse(this.#res, this.#operation, this.#logger);
    }
    return this.#req;
  }
}

/**
 * The last steps of an operation: EOV request validation, JWE decryption, the handler, JWE encryption,
 * serialisation. Failures of the request are 4xx answers here; everything else goes to the error handler.
 */
export function createOperationRunner(
  operation: CompiledOperation,
  handler: OperationHandler<HandledOperationId>,
  jwe: JweFieldPlan,
  logger: ServerLogger,
  validateResponses: boolean,
): RequestHandler {
  const headerNames = declaredHeaders(operation);
  // Without declared query parameters every query parameter is refused, so the handler's query is empty.
  const hasQuery = operation.meta.parameters.some((parameter) => parameter.in === 'query');
  const operationId = operation.operationId as HandledOperationId;

  /** The answer as it would go on the wire, checked against the spec first (status, media type, body). */
  function respond(res: Response, serialized: SerializedResult, correlationId: string): void {
    const issue = validateResponses ? operation.checkResponse(serialized) : undefined;
    if (!issue) {
      writeResult(res, serialized);
      return;
    }
    logger.error(
      { event: 'response.invalid', operationId, status: serialized.status, ...issue, correlationId },
      'response breaks the spec; answered 500 instead',
    );
    sendD1Error(res, 500, 'INTERNAL_ERROR', internalErrorMessage(correlationId));
  }

  function contextFor(req: Request, res: Response, correlationId: string): HandlerContext {
    return new OperationContext(operation, req, res, correlationId, logger, validateResponses);
  }

  async function encryptThenRespond(res: Response, result: AnyResult, correlationId: string): Promise<void> {
    let body: unknown;
    try {
      body = await jwe.encryptResponse(result.status, result.body);
    } catch (error) {
      if (error instanceof JweFieldError) throw new HandlerResultError(error.issue.pointer, error.issue.rule);
      throw error;
    }
    respond(res, serializeResult(result, body), correlationId);
  }

  /** After the handler: JWE encryption when this status has encrypted fields (async), else straight out. */
  function finish(res: Response, returned: unknown, correlationId: string): void | Promise<void> {
    if (res.headersSent || res.writableEnded) {
      // The handler wrote the response itself (checked by the guard installed when it took the request).
      logger.warn(
        { event: 'response.written_by_handler', operationId, correlationId },
        'handler wrote the response',
      );
      return;
    }
    const result = checkResultShape(returned);
    if (result.body !== undefined && jwe.encryptsResponse(result.status)) {
      return encryptThenRespond(res, result, correlationId);
    }
    respond(res, serializeResult(result, result.body), correlationId);
  }

  function run(req: Request, res: Response, body: unknown, correlationId: string): void | Promise<void> {
    const headers: Record<string, unknown> = {};
    for (const name of headerNames) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    const input = { params: req.params, headers, query: hasQuery ? req.query : EMPTY_QUERY, body };
    const returned = handler(input as never, contextFor(req, res, correlationId));
    // A handler that answers synchronously is answered synchronously: an await costs a turn per request.
    if (returned && typeof (returned as Promise<unknown>).then === 'function') {
      return (returned as Promise<unknown>).then((value) => finish(res, value, correlationId));
    }
    return finish(res, returned, correlationId);
  }

  async function decryptThenRun(req: Request, res: Response, correlationId: string): Promise<void> {
    let body: unknown;
    try {
      body = await jwe.decryptRequest(req.body);
    } catch (error) {
      if (!(error instanceof JweFieldError)) throw error;
      return sendD1Error(res, 400, 'INVALID_FIELD', issueMessage(error.issue));
    }
    return run(req, res, body, correlationId);
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const correlationId = getCorrelationId(res);
    try {
      try {
        operation.validateRequest(req, res);
      } catch (error) {
        if (!isEovHttpError(error)) throw error;
        const issue = issueFromEov(error, 'request');
        const unsupported = error.status === 415;
        sendD1Error(
          res,
          unsupported ? 415 : 400,
          unsupported ? 'UNSUPPORTED_MEDIA_TYPE' : d1CodeFor(issue),
          issueMessage(issue),
        );
        return;
      }
      const pending = jwe.hasRequestFields
        ? decryptThenRun(req, res, correlationId)
        : run(req, res, req.body, correlationId);
      if (pending) pending.catch((error: unknown) => next(new OperationFailure(error)));
    } catch (error) {
      next(new OperationFailure(error));
    }
  };
}
