import type { ErrorRequestHandler, Request, Response } from 'express';
import { CORRELATION_HEADER, getCorrelationId } from './correlation.js';
import { internalErrorMessage, sendD1Error } from './d1-error.js';
import { HandlerResultError, OperationFailure } from './handler-runner.js';
import { describeError, type ServerLogger } from './logger.js';
import { resetResponseHeaders } from './response-guard.js';

/**
 * Last in the chain. Express's own 400 (a path parameter with broken percent-encoding) stays a 400;
 * anything else is a fault on our side: logged with the correlation id, answered 500 with nothing else.
 */
export function createErrorHandler(logger: ServerLogger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    const correlationId = getCorrelationId(res);
    // Express's router throws a URIError (status 400) for a path parameter with broken percent-encoding;
    // anything from an operation's own steps arrives wrapped, so a handler's URIError is still a 500.
    if (error instanceof URIError) {
      return sendD1Error(res, 400, 'INVALID_FIELD', '/path: is not valid percent-encoded text');
    }
    if (error instanceof OperationFailure) error = error.cause;
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
