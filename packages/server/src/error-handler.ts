import type { ErrorRequestHandler, Request, Response } from 'express';
import { CORRELATION_HEADER, getCorrelationId } from './correlation.js';
import { internalErrorMessage, sendD1Error } from './d1-error.js';
import { HandlerResultError } from './handler-runner.js';
import { describeError, type ServerLogger } from './logger.js';
import { resetResponseHeaders } from './response-guard.js';

/**
 * Last in the chain. Express's own 4xx (a path parameter with broken percent-encoding) keeps its status;
 * anything else is a fault on our side: logged with the correlation id, answered 500 with nothing else.
 */
export function createErrorHandler(logger: ServerLogger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    const correlationId = getCorrelationId(res);
    const status = (error as { status?: unknown; statusCode?: unknown })?.status;
    if (
      error instanceof URIError ||
      (typeof status === 'number' && status === 400 && !(error instanceof Error && 'errors' in error))
    ) {
      return sendD1Error(res, 400, 'INVALID_FIELD', '/path: is not valid percent-encoded text');
    }
    if (error instanceof HandlerResultError) {
      logger.error(
        {
          event: 'response.invalid',
          correlationId,
          pointer: error.pointer,
          rule: error.rule,
          method: req.method,
        },
        'handler result breaks the spec',
      );
    } else {
      logger.error(
        { event: 'request.failed', correlationId, method: req.method, ...describeError(error) },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    resetResponseHeaders(res, [CORRELATION_HEADER]);
    sendD1Error(res, 500, 'INTERNAL_ERROR', internalErrorMessage(correlationId));
  };
}
