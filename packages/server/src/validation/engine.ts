import { loadEffectiveSpec, type OperationMeta, operations, type SpecName, specs } from '@d1kit/generated';
import type { Request, Response } from 'express';
import { ServerError } from '../errors.js';
import {
  buildResponseValidators,
  directRequestValidator,
  type EovRoute,
  type EovSpec,
  loadEovSpec,
  openApiMetadata,
  primeRequestValidator,
  runRequestValidator,
} from './eov.js';
import { createResponseCheck, mediaTypeOf, type ResponseCheck } from './response-check.js';

/** Every outbound spec d1kit carries: the APIs D1 calls on an issuer. */
export const OUTBOUND_SPECS = (Object.keys(specs) as SpecName[]).filter(
  (name) => specs[name].direction === 'outbound',
);

/** One operation with all of its validators already compiled. */
export interface CompiledOperation {
  readonly operationId: string;
  readonly spec: SpecName;
  readonly meta: OperationMeta;
  /** Upper case, as EOV and Node report it. */
  readonly method: string;
  /** Express path, including the spec's server base path (e.g. `/authz/d1/v1/oauth2/token`). */
  readonly expressRoute: string;
  /** Declared request media types, lower case; empty when the operation takes no body. */
  readonly requestMediaTypes: readonly string[];
  readonly bodyRequired: boolean;
  /** Path, query, header and body validation by EOV; throws EOV's HttpError on a violation. */
  validateRequest(req: Request, res: Response): void;
  /** The same through EOV's full request middleware (what `validateRequest` falls back to). */
  validateRequestWithMiddleware(req: Request, res: Response): void;
  /** Whether `validateRequest` calls EOV's compiled validators directly (see directRequestValidator). */
  readonly directValidation: boolean;
  readonly checkResponse: ResponseCheck;
}

export interface CompiledSpecs {
  readonly operations: ReadonlyMap<string, CompiledOperation>;
  /** How long loading and compiling took, for start-up logs. */
  readonly compileMs: number;
  /** Request validators built (one per operation and accepted media type). */
  readonly requestValidatorCount: number;
}

function compileRoute(spec: EovSpec, route: EovRoute, specName: SpecName): CompiledOperation {
  const operationId = route.schema.operationId;
  const meta = operationId ? (operations as Record<string, OperationMeta>)[operationId] : undefined;
  if (!operationId || !meta || meta.spec !== specName || meta.method.toUpperCase() !== route.method) {
    throw new ServerError(
      'SPEC_LOAD_FAILED',
      `${specName}: ${route.method} ${route.openApiRoute} does not match the generated operation metadata`,
    );
  }
  const requestBody = route.schema.requestBody as
    | { required?: boolean; content?: Record<string, unknown> }
    | undefined;
  const requestMediaTypes = Object.keys(requestBody?.content ?? {}).map((type) => mediaTypeOf(type) ?? type);
  if (requestMediaTypes.length === 0) primeRequestValidator(spec, route, undefined);
  for (const mediaType of requestMediaTypes) primeRequestValidator(spec, route, mediaType);
  const responseValidators = buildResponseValidators(spec, route);
  const direct = new Map<string | undefined, (req: Request) => void>();
  for (const mediaType of requestMediaTypes.length === 0 ? [undefined] : requestMediaTypes) {
    const validate = directRequestValidator(spec, route, mediaType);
    if (validate) direct.set(mediaType, validate);
  }
  return {
    operationId,
    spec: specName,
    meta,
    method: route.method,
    expressRoute: route.expressRoute,
    requestMediaTypes,
    bodyRequired: requestBody?.required === true,
    validateRequest(req, res) {
      const fast = direct.get(req.headers['content-type']);
      if (fast) return fast(req);
      (req as Request & { openapi?: unknown }).openapi = openApiMetadata(
        spec,
        route,
        req.params as Record<string, string>,
      );
      runRequestValidator(spec, req, res);
    },
    validateRequestWithMiddleware(req, res) {
      (req as Request & { openapi?: unknown }).openapi = openApiMetadata(
        spec,
        route,
        req.params as Record<string, string>,
      );
      runRequestValidator(spec, req, res);
    },
    directValidation: direct.size > 0,
    checkResponse: createResponseCheck(spec, route.responseSchema, responseValidators),
  };
}

/**
 * Loads the effective specs and compiles every request and response validator before returning, so the
 * first request pays nothing. The specs load in parallel; their checks are CPU work either way.
 */
export async function compileSpecs(names: readonly SpecName[] = OUTBOUND_SPECS): Promise<CompiledSpecs> {
  const started = performance.now();
  for (const name of names) {
    if (!Object.hasOwn(specs, name) || specs[name].direction !== 'outbound') {
      throw new ServerError('CONFIG_INVALID', `${String(name)} is not an outbound D1 spec`);
    }
  }
  const loaded = await Promise.all(
    names.map(async (name) => ({ name, spec: await loadEovSpec(loadEffectiveSpec(name)) })),
  );
  const compiled = new Map<string, CompiledOperation>();
  let requestValidatorCount = 0;
  for (const { name, spec } of loaded) {
    for (const route of spec.routes) {
      const operation = compileRoute(spec, route, name);
      compiled.set(operation.operationId, operation);
      requestValidatorCount += Math.max(1, operation.requestMediaTypes.length);
    }
  }
  return { operations: compiled, compileMs: performance.now() - started, requestValidatorCount };
}
