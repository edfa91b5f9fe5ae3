import { type OperationMeta, operations, specs } from '@d1kit/generated';
import type { ValidateFunction } from 'ajv';
import { D1ClientError } from './errors.js';
import { type JweBinding, requestJweBindings } from './plaintext.js';
import {
  compileAt,
  type ParameterValidator,
  parameterValidators,
  requestBodySchemaPointer,
} from './validators.js';

/** What the client needs to call one operation, derived once from its metadata and its spec. */
export interface OperationRuntime {
  readonly meta: OperationMeta;
  readonly location: {
    readonly spec: string;
    readonly method: string;
    readonly path: string;
    readonly operationId: string;
  };
  readonly parameters: readonly ParameterValidator[];
  /** Declared path parameter names, and header names lower-cased (headers are case-insensitive). */
  readonly pathNames: ReadonlySet<string>;
  readonly headerNames: ReadonlySet<string>;
  /** The content type the body is sent as: the first the spec lists. */
  readonly contentType: string | undefined;
  readonly validateBody: ValidateFunction | undefined;
  readonly jweBindings: readonly JweBinding[];
  readonly needsBearer: boolean;
}

const INBOUND: ReadonlyMap<string, OperationMeta> = new Map(
  Object.values(operations as Record<string, OperationMeta>)
    .filter((meta) => meta.direction === 'inbound')
    .map((meta) => [meta.operationId, meta]),
);

export function inboundOperations(): readonly OperationMeta[] {
  return [...INBOUND.values()];
}

function isBearerScheme(spec: string, name: string): boolean {
  const scheme = (specs as Record<string, { securitySchemes: Record<string, Record<string, unknown>> }>)[spec]
    ?.securitySchemes[name];
  return scheme?.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer';
}

const runtimes = new Map<string, OperationRuntime>();

/** The runtime of an inbound operation; the schemas it needs are compiled on first use and kept. */
export function operationRuntime(operationId: string): OperationRuntime {
  const known = runtimes.get(operationId);
  if (known) return known;
  const meta = typeof operationId === 'string' ? INBOUND.get(operationId) : undefined;
  if (!meta)
    throw new D1ClientError('UNKNOWN_OPERATION', 'not an inbound D1 operation', {
      operationId: safeId(operationId),
    });
  const location = { spec: meta.spec, method: meta.method, path: meta.path, operationId: meta.operationId };
  const contentType = meta.requestBody?.contentTypes[0];
  const bodyPointer = contentType ? requestBodySchemaPointer(location, contentType) : undefined;
  const parameters = parameterValidators(location);
  const runtime: OperationRuntime = {
    meta,
    location,
    parameters,
    pathNames: new Set(parameters.filter((p) => p.in === 'path').map((p) => p.name)),
    headerNames: new Set(parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase())),
    contentType,
    validateBody: bodyPointer ? compileAt(meta.spec, bodyPointer) : undefined,
    jweBindings: contentType ? requestJweBindings(meta.jweFields, contentType) : [],
    needsBearer: meta.security.some((alternative) =>
      alternative.some((name) => isBearerScheme(meta.spec, name)),
    ),
  };
  runtimes.set(operationId, runtime);
  return runtime;
}

function safeId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(value) ? value : undefined;
}
