import type { SpecName } from '@d1kit/generated';
import express, { type Express, type Request, type RequestHandler, type Response, Router } from 'express';
import { type IssuerAuthOptions, resolveAuth } from './auth.js';
import { compose } from './compose.js';
import { correlationMiddleware, getCorrelationId } from './correlation.js';
import { sendD1Error } from './d1-error.js';
import { createErrorHandler } from './error-handler.js';
import { ServerError } from './errors.js';
import { createOperationRunner } from './handler-runner.js';
import { type JweKeys, planJweFields } from './jwe-fields.js';
import { bindLogger, createJsonLogger, type ServerLogger } from './logger.js';
import type { HandledOperationId, IssuerHandlers, OperationHandler } from './operation-types.js';
import { guardCheckedResponse } from './response-guard.js';
import { notImplemented } from './results.js';
import { type CompiledOperation, compileSpecs, OUTBOUND_SPECS } from './validation/engine.js';
import { createBodyReader } from './validation/request-body.js';

export interface IssuerServerOptions {
  /** Typed handlers by operationId; operations without one answer 501 Not Implemented. */
  readonly handlers: IssuerHandlers;
  readonly auth: IssuerAuthOptions;
  /** JWE keys; needed as soon as a PIN or card-credentials operation is served. */
  readonly keys?: JweKeys;
  /** Check every response against the spec and turn violations into a 500 (default true). */
  readonly validateResponses?: boolean;
  readonly logger?: ServerLogger;
  /** Which outbound specs to serve (default: all four). */
  readonly specs?: readonly SpecName[];
  /** Largest request body accepted, in bytes (default 256 KiB); larger ones get 413. */
  readonly bodyLimitBytes?: number;
}

const TOKEN_OPERATION = 'issueOutboundToken';

/** The configured logger, made unable to throw: it is called from 'finish' listeners and error paths. */
function safeLogger(options: IssuerServerOptions | undefined): ServerLogger {
  return bindLogger(options?.logger ?? createJsonLogger(), {});
}
const DEFAULT_BODY_LIMIT = 256 * 1024;

interface AccessLogState {
  readonly logger: ServerLogger;
  readonly operationId: string;
  readonly method: string;
  readonly started: number;
}
const ACCESS_LOG = Symbol('d1kit.server.accessLog');

// One shared listener (no closure per request); the per-request facts ride on res.locals.
function logFinished(this: Response): void {
  const state = this.locals[ACCESS_LOG as unknown as string] as AccessLogState | undefined;
  if (!state) return;
  state.logger.info(
    {
      event: 'request',
      operationId: state.operationId,
      method: state.method,
      status: this.statusCode,
      durationMs: Math.round((performance.now() - state.started) * 10) / 10,
      correlationId: getCorrelationId(this),
    },
    'request handled',
  );
}

function accessLog(logger: ServerLogger, operationId: string): RequestHandler {
  return (req, res, next) => {
    const state: AccessLogState = { logger, operationId, method: req.method, started: performance.now() };
    res.locals[ACCESS_LOG as unknown as string] = state;
    res.on('finish', logFinished); // res lives for one request: no need for once()'s wrapper
    next();
  };
}

/** Holds back what a third-party writer (the token endpoint) sends and checks it before it leaves. */
function responseChecker(operation: CompiledOperation, logger: ServerLogger): RequestHandler {
  return (_req, res, next) => {
    guardCheckedResponse(res, operation, logger);
    next();
  };
}

function checkOptions(options: IssuerServerOptions, known: ReadonlySet<string>): void {
  if (!options || typeof options !== 'object')
    throw new ServerError('CONFIG_INVALID', 'options are required');
  const handlers = options.handlers;
  if (!handlers || typeof handlers !== 'object')
    throw new ServerError('CONFIG_INVALID', 'handlers must be an object');
  for (const [id, handler] of Object.entries(handlers)) {
    if (!known.has(id))
      throw new ServerError('CONFIG_INVALID', `handlers.${id} is not an outbound operation served here`);
    if (typeof handler !== 'function')
      throw new ServerError('CONFIG_INVALID', `handlers.${id} must be a function`);
  }
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1024 || limit > 16 * 1024 * 1024) {
    throw new ServerError('CONFIG_INVALID', 'bodyLimitBytes must be an integer from 1024 to 16 MiB');
  }
}

type RouteTarget = Pick<Router, 'route'>;

/** Installs every operation of the compiled specs on `target` (a Router, or an app's own router). */
async function installOperations(target: RouteTarget, options: IssuerServerOptions, logger: ServerLogger) {
  const compiled = await compileSpecs(options?.specs ?? OUTBOUND_SPECS);
  const served = new Set([...compiled.operations.keys()].filter((id) => id !== TOKEN_OPERATION));
  checkOptions(options, served);
  const auth = resolveAuth(options.auth, logger);
  const validateResponses = options.validateResponses ?? true;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;

  const byPath = new Map<string, CompiledOperation[]>();
  for (const operation of compiled.operations.values()) {
    if (operation.operationId === TOKEN_OPERATION && !auth.tokenEndpoint) continue;
    byPath.set(operation.expressRoute, [...(byPath.get(operation.expressRoute) ?? []), operation]);
  }

  for (const [path, pathOperations] of byPath) {
    const route = target.route(path);
    for (const operation of pathOperations) {
      const method = operation.method.toLowerCase() as 'get' | 'put' | 'post';
      // The order the D1 contract needs: mTLS identity, token endpoint, bearer, validation, handler.
      const steps: RequestHandler[] = [correlationMiddleware, accessLog(logger, operation.operationId)];
      if (auth.mtls) steps.push(auth.mtls);
      if (operation.operationId === TOKEN_OPERATION) {
        // The token endpoint writes its own answers (RFC 6749 errors included); they are checked on the way out.
        if (validateResponses) steps.splice(2, 0, responseChecker(operation, logger));
        route[method](compose([...steps, auth.tokenEndpoint!]));
        continue;
      }
      const id = operation.operationId as HandledOperationId;
      const given = options.handlers[id] as OperationHandler<HandledOperationId> | undefined;
      const handler: OperationHandler<HandledOperationId> = given ?? (() => notImplemented(id));
      // Without a handler nothing is decrypted or encrypted, so no keys are needed for it.
      const jwe = planJweFields(id, given ? operation.meta.jweFields : [], options.keys ?? {});
      steps.push(
        auth.bearer,
        createBodyReader(operation, bodyLimit),
        createOperationRunner(operation, handler, jwe, logger, validateResponses),
      );
      route[method](compose(steps));
    }
    const allow = pathOperations.map((operation) => operation.method).join(', ');
    // An explicit HEAD keeps Express from running the GET chain for HEAD requests.
    route.head(correlationMiddleware, (_req, res) => methodNotAllowed(res, allow));
    route.all(correlationMiddleware, (_req, res) => methodNotAllowed(res, allow));
  }
  logger.info(
    {
      event: 'validators.compiled',
      operations: compiled.operations.size,
      requestValidators: compiled.requestValidatorCount,
      compileMs: Math.round(compiled.compileMs),
    },
    'outbound specs loaded',
  );
}

/**
 * A Router with every operation of the outbound specs, for mounting into an existing app (optionally
 * below the path prefix of `issuerBaseUrl`). Paths it does not know fall through to the host app.
 * Resolves once every validator is compiled.
 */
export async function createIssuerRouter(options: IssuerServerOptions): Promise<Router> {
  const logger = safeLogger(options);
  const router = Router({ caseSensitive: true, strict: true });
  await installOperations(router, options, logger);
  router.use(createErrorHandler(logger));
  return router;
}

function methodNotAllowed(res: Response, allow: string): void {
  sendD1Error(res, 405, 'METHOD_NOT_ALLOWED', `Allowed methods: ${allow}`, { headers: { allow } });
}

/**
 * A complete Express 5 app serving the outbound specs: unknown paths answer 404 in D1's error shape.
 * Serve it with `createMtlsServer` (or `https.createServer(createMtlsServerOptions(...), app)`).
 */
export async function createIssuerApp(options: IssuerServerOptions): Promise<Express> {
  const logger = safeLogger(options);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  // Routes go on the app's own router: one routing pass per request instead of two.
  await installOperations(app, options, logger);
  app.use(correlationMiddleware, (_req: Request, res: Response) =>
    sendD1Error(res, 404, 'NOT_FOUND', 'No D1 operation at this path'),
  );
  app.use(createErrorHandler(logger));
  return app;
}
