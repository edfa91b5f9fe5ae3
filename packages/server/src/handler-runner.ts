import { getBearerAuth } from '@d1kit/token';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { clientOf } from './auth.js';
import { getCorrelationId } from './correlation.js';
import { sendD1Error } from './d1-error.js';
import { JweFieldError, type JweFieldPlan } from './jwe-fields.js';
import { bindLogger, type ServerLogger } from './logger.js';
import type { HandledOperationId, HandlerContext, OperationHandler } from './operation-types.js';
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
export function serializeResult(result: AnyResult, body: unknown): SerializedResult {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (typeof value !== 'string') throw new HandlerResultError(`/headers/${name}`, 'must be a string');
    headers[name.toLowerCase()] = value;
  }
  if (body === undefined) return { status: result.status, headers, body: Buffer.alloc(0) };
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
  res.status(serialized.status);
  for (const [name, value] of Object.entries(serialized.headers)) res.setHeader(name, value);
  res.end(serialized.body);
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
): RequestHandler {
  const headerNames = declaredHeaders(operation);
  const operationId = operation.operationId as HandledOperationId;

  return async (req: Request, res: Response, next: NextFunction) => {
    const correlationId = getCorrelationId(res);
    try {
      try {
        operation.validateRequest(req, res);
      } catch (error) {
        if (!isEovHttpError(error)) throw error;
        const issue = issueFromEov(error, 'request');
        return sendD1Error(
          res,
          error.status === 415 ? 415 : 400,
          error.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : d1CodeFor(issue),
          issueMessage(issue),
        );
      }
      let body: unknown = req.body;
      if (jwe.hasRequestFields) {
        try {
          body = await jwe.decryptRequest(body);
        } catch (error) {
          if (!(error instanceof JweFieldError)) throw error;
          return sendD1Error(res, 400, 'INVALID_FIELD', issueMessage(error.issue));
        }
      }
      const headers = Object.fromEntries(
        headerNames
          .filter((name) => req.headers[name] !== undefined)
          .map((name) => [name, req.headers[name]]),
      );
      const context: HandlerContext = {
        operationId,
        correlationId,
        client: clientOf(req),
        bearer: getBearerAuth(res),
        logger: bindLogger(logger, { correlationId, operationId }),
        request: req,
      };
      const input = { params: { ...req.params }, headers, query: { ...(req.query as object) }, body };
      const result = checkResultShape(await handler(input as never, context));
      let responseBody = result.body;
      if (responseBody !== undefined) {
        try {
          responseBody = await jwe.encryptResponse(result.status, responseBody);
        } catch (error) {
          if (error instanceof JweFieldError)
            throw new HandlerResultError(error.issue.pointer, error.issue.rule);
          throw error;
        }
      }
      writeResult(res, serializeResult(result, responseBody));
    } catch (error) {
      next(error);
    }
  };
}
