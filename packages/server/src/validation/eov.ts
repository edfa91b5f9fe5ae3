// The one file that reaches below express-openapi-validator's `middleware()` entry point.
//
// EOV compiles a route's validators the first time a request for it arrives, and its public middleware
// has no way to do that earlier (cdimascio/express-openapi-validator#514). The building blocks it wires
// together internally are exported with types, so d1kit wires them itself: load and check the spec once,
// then build every request and response validator before the first request. `assertPrimed` fails start-up
// loudly if a future EOV release stops caching the way this relies on.

import type { ValidateFunction } from 'ajv';
import type { Request, Response } from 'express';
import {
  OpenApiSpecLoader,
  type Spec,
} from 'express-openapi-validator/dist/framework/openapi.spec.loader.js';
import {
  BadRequest,
  type OpenAPIV3,
  type OpenApiRequest,
} from 'express-openapi-validator/dist/framework/types.js';
import { RequestValidator, ResponseValidator } from 'express-openapi-validator/dist/middlewares/index.js';
import { SchemaPreprocessor } from 'express-openapi-validator/dist/middlewares/parsers/schema.preprocessor.js';
import { dereferenceParameter } from 'express-openapi-validator/dist/middlewares/parsers/util.js';
import {
  ajvErrorsToValidatorError,
  augmentAjvErrors,
} from 'express-openapi-validator/dist/middlewares/util.js';
import { OpenApiValidator } from 'express-openapi-validator/dist/openapi.validator.js';
import { ServerError } from '../errors.js';

export type ApiDocument = OpenAPIV3.DocumentV3;
export type OperationObject = OpenAPIV3.OperationObject;
export type ResponseValidators = Record<string, Record<string, ValidateFunction>>;

/** One route as EOV sees it: the Express path (server base path included) and the operation object. */
export interface EovRoute {
  readonly method: string;
  readonly expressRoute: string;
  readonly openApiRoute: string;
  /** The operation after EOV's preprocessing (path-level parameters merged in). */
  readonly schema: OperationObject;
  /** The response-side copy of the operation (readOnly/writeOnly handled for responses). */
  readonly responseSchema: OperationObject;
}

export interface EovSpec {
  readonly apiDoc: ApiDocument;
  readonly responseDoc: ApiDocument;
  readonly serial: number;
  readonly routes: readonly EovRoute[];
  readonly requestValidator: RequestValidator;
  readonly responseValidator: ResponseValidator;
}

const VALIDATE_REQUESTS = { allowUnknownQueryParameters: false, coerceTypes: false } as const;
const VALIDATE_RESPONSES = { removeAdditional: false, coerceTypes: false } as const;

/** Loads one OpenAPI document the way EOV's middleware does (bundle, check against the 3.0 schema). */
export async function loadEovSpec(document: Record<string, unknown>): Promise<EovSpec> {
  const options = {
    apiSpec: document as unknown as ApiDocument,
    validateApiSpec: true,
    validateRequests: { ...VALIDATE_REQUESTS },
    validateResponses: { ...VALIDATE_RESPONSES },
    validateSecurity: false,
    validateFormats: true,
    fileUploader: false,
  } as const;
  // Only for its option normalisation and the ajv option sets it derives; its middleware is not used.
  const normalised = new OpenApiValidator(options);
  let spec: Spec;
  try {
    spec = await new OpenApiSpecLoader({
      apiDoc: document as unknown as ApiDocument,
      validateApiSpec: true,
      $refParser: { mode: 'bundle' },
    }).load();
  } catch (error) {
    throw new ServerError('SPEC_LOAD_FAILED', 'the OpenAPI document could not be loaded', { cause: error });
  }
  const responseOptions = normalised.options.validateResponses || { ...VALIDATE_RESPONSES };
  const { apiDoc, apiDocRes } = new SchemaPreprocessor(
    spec.apiDoc,
    normalised.ajvOpts.preprocessor,
    responseOptions,
  ).preProcess();
  const routes = spec.routes.map((route): EovRoute => {
    const pathKey = route.openApiRoute.substring(route.basePath.length);
    const method = route.method.toLowerCase() as 'get';
    const schema = apiDoc.paths?.[pathKey]?.[method];
    const responseSchema = apiDocRes.paths?.[pathKey]?.[method];
    if (!schema || !responseSchema) {
      throw new ServerError(
        'VALIDATOR_INTERNALS_CHANGED',
        `route ${route.method} ${pathKey} has no operation`,
      );
    }
    return {
      method: route.method,
      expressRoute: route.expressRoute,
      openApiRoute: route.openApiRoute,
      schema: schema as OperationObject,
      responseSchema: responseSchema as OperationObject,
    };
  });
  return {
    apiDoc: apiDoc as ApiDocument,
    responseDoc: apiDocRes as ApiDocument,
    serial: spec.serial,
    routes,
    requestValidator: new RequestValidator(apiDoc, normalised.ajvOpts.request),
    responseValidator: new ResponseValidator(
      apiDocRes,
      normalised.ajvOpts.response,
      responseOptions,
      spec.serial,
    ),
  };
}

/** The `req.openapi` record EOV's request validator reads (normally set by its metadata middleware). */
export function openApiMetadata(spec: EovSpec, route: EovRoute, pathParams: Record<string, string>) {
  return {
    expressRoute: route.expressRoute,
    openApiRoute: route.openApiRoute,
    pathParams,
    schema: route.schema,
    serial: spec.serial,
  };
}

/**
 * Builds (and caches inside EOV) the request validator of one route for one request content type. EOV
 * builds on the first `validate` call and then runs it; the synthetic request fails that run, which is
 * expected and ignored: only the cached, compiled validator matters.
 */
export function primeRequestValidator(spec: EovSpec, route: EovRoute, contentType: string | undefined): void {
  const request = {
    method: route.method,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    openapi: openApiMetadata(spec, route, {}),
    originalUrl: route.openApiRoute,
    url: route.openApiRoute,
    query: {},
    params: {},
  } as unknown as OpenApiRequest;
  try {
    spec.requestValidator.validate(request, {} as Response, () => {});
  } catch {
    // See above: the synthetic request is not meant to pass.
  }
  assertPrimed(spec, `${route.method}-${route.expressRoute}-${contentType ?? 'not_provided'}`);
}

function assertPrimed(spec: EovSpec, key: string): void {
  const cache = (spec.requestValidator as unknown as { middlewareCache?: Record<string, unknown> })
    .middlewareCache;
  if (typeof cache?.[key] !== 'function') {
    throw new ServerError(
      'VALIDATOR_INTERNALS_CHANGED',
      `express-openapi-validator did not build the request validator for ${key}; this EOV version is not supported`,
    );
  }
}

/** Builds the response validators of one route (every status and JSON media type) now. */
export function buildResponseValidators(spec: EovSpec, route: EovRoute): ResponseValidators {
  const request = { method: route.method, headers: {}, openapi: { expressRoute: route.expressRoute } };
  const responses = route.responseSchema.responses ?? {};
  return spec.responseValidator._getOrBuildValidator(
    request as unknown as OpenApiRequest,
    responses,
  ) as unknown as ResponseValidators;
}

type CompiledSchema = ((data: unknown) => boolean) & { errors?: unknown[] | null };
interface AjvLike {
  getSchema(key: string): CompiledSchema | undefined;
}

const PRIMITIVE = new Set(['string', 'integer', 'number', 'boolean']);

/**
 * The same compiled validators EOV's middleware runs, called directly. EOV's per-request work around
 * them (re-parsing the URL and query for parameter styles, redefining `req.query`) only matters for
 * query, cookie, array, object and content parameters; for operations whose parameters are all plain
 * path and header values, which is every D1 outbound operation, it is skipped. Anything else, or an EOV
 * whose internals look different, gets undefined here and keeps the full middleware path.
 */
export function directRequestValidator(
  spec: EovSpec,
  route: EovRoute,
  contentType: string | undefined,
): ((req: Request) => void) | undefined {
  const parameters = (route.schema.parameters ?? []).map(
    (parameter) => dereferenceParameter(spec.apiDoc, parameter) as OpenAPIV3.ParameterObject,
  );
  const plain = parameters.every((parameter) => {
    const schema = parameter.schema as OpenAPIV3.SchemaObject | undefined;
    return (
      (parameter.in === 'path' || parameter.in === 'header') &&
      !parameter.content &&
      schema !== undefined &&
      !('$ref' in schema) &&
      PRIMITIVE.has(String(schema.type))
    );
  });
  if (!plain) return undefined;
  const key = `${route.method}-${route.expressRoute}-${contentType ?? 'not_provided'}`;
  const internals = spec.requestValidator as unknown as { ajv?: AjvLike; ajvBody?: AjvLike };
  const general = internals.ajv?.getSchema?.(key);
  const body = internals.ajvBody?.getSchema?.(key);
  if (typeof general !== 'function' || typeof body !== 'function') return undefined;

  return (req) => {
    const search = req.url.indexOf('?');
    if (search >= 0) {
      // No outbound operation declares query parameters, so any is unknown (EOV's own rule and wording).
      for (const name of new URLSearchParams(req.url.slice(search + 1)).keys()) {
        throw new BadRequest({ path: `/query/${name}`, message: `Unknown query parameter '${name}'` });
      }
    }
    const data = { query: {}, headers: req.headers, params: req.params, cookies: undefined, body: req.body };
    const valid = general(data);
    const validBody = body(data);
    if (valid && validBody) return;
    const errors = augmentAjvErrors([...(general.errors ?? []), ...(body.errors ?? [])] as never[]);
    const error = new BadRequest({ path: req.path, message: 'request does not match the spec' });
    error.errors = ajvErrorsToValidatorError(400, errors).errors;
    throw error;
  };
}

/** Runs EOV's request validator (path, query, headers, body); throws EOV's HttpError on a violation. */
export function runRequestValidator(spec: EovSpec, req: Request, res: Response): void {
  let passed = false;
  spec.requestValidator.validate(req as OpenApiRequest, res, (error?: unknown) => {
    if (error) throw error;
    passed = true;
  });
  if (!passed) {
    throw new ServerError('VALIDATOR_INTERNALS_CHANGED', 'the request validator neither passed nor failed');
  }
}

/** Runs EOV's response check; throws its InternalServerError (with `errors`) on a violation. */
export function runResponseValidator(
  spec: EovSpec,
  validators: ResponseValidators,
  status: number,
  mediaType: string,
  body: unknown,
): void {
  spec.responseValidator._validate({
    validators: validators as never,
    body: body as object,
    statusCode: status,
    path: '/response',
    accepts: [mediaType],
  });
}
